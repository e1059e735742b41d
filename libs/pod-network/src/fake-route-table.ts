// SPDX-License-Identifier: Apache-2.0
import { compareRoutes, type Route } from './host-gw-routes';
import type { RouteTable } from './ip-routes';

/**
 * FakeRouteTable keeps the routes we own in memory, one per destination, as the kernel's
 * main table does for `ip route replace`. Tests read `routes()` and `calls`, and make
 * commands fail with `failures` (a destination → the error's message, until removed) the
 * way the kernel refuses a gateway that is not on a connected network.
 */
export class FakeRouteTable implements RouteTable {
  private readonly table = new Map<string, string>();
  /** Every mutating call, in order: "replace <dst> via <via>" or "remove <dst>". */
  readonly calls: string[] = [];
  /** Destinations whose replace or remove fails, with the error message. */
  readonly failures = new Map<string, string>();
  /** When set, the next list() fails with this message (then it is cleared). */
  failNextList?: string;

  constructor(initial: readonly Route[] = []) {
    for (const r of initial) this.table.set(r.dst, r.via);
  }

  list(): Promise<Route[]> {
    if (this.failNextList) {
      const msg = this.failNextList;
      delete this.failNextList;
      return Promise.reject(new Error(msg));
    }
    return Promise.resolve(this.routes());
  }

  replace(route: Route): Promise<void> {
    this.calls.push(`replace ${route.dst} via ${route.via}`);
    const fail = this.failures.get(route.dst);
    if (fail !== undefined) return Promise.reject(new Error(fail));
    this.table.set(route.dst, route.via);
    return Promise.resolve();
  }

  remove(dst: string): Promise<void> {
    this.calls.push(`remove ${dst}`);
    const fail = this.failures.get(dst);
    if (fail !== undefined) return Promise.reject(new Error(fail));
    this.table.delete(dst);
    return Promise.resolve();
  }

  /** The routes now in the table, sorted by destination. */
  routes(): Route[] {
    return [...this.table].map(([dst, via]) => ({ dst, via })).sort(compareRoutes);
  }
}
