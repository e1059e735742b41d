// SPDX-License-Identifier: Apache-2.0
import { run, runChecked, type RunOptions } from '@berth/iptables';
import type { Route } from './host-gw-routes';

/**
 * The routing protocol number our routes carry (`proto 199`): how we tell the routes we own
 * from the kernel's, Docker's and an operator's, so a listing never returns, and a sync never
 * deletes, a route that is not ours. Any number from 5 to 255 not in /etc/iproute2/rt_protos
 * would do; 199 is unused by iproute2, BIRD (12), Zebra/FRR (11, 186–196) and Babel (42).
 */
export const ROUTE_PROTOCOL = 199;

/**
 * RouteTable is what the pod routes controller needs from the kernel's main IPv4 routing
 * table, limited to the routes it owns. Implementations: ExecRouteTable (the `ip` command)
 * and FakeRouteTable (in memory, for tests).
 */
export interface RouteTable {
  /** The routes we own (marked with our protocol number), in the kernel's order. */
  list(): Promise<Route[]>;
  /** Adds the route, or changes the gateway of our route to the same destination. */
  replace(route: Route): Promise<void>;
  /** Deletes our route to `dst`; resolves also when there is none. */
  remove(dst: string): Promise<void>;
}

/** Options of ExecRouteTable. */
export interface ExecRouteTableOptions {
  /** Run every command inside this network namespace (`ip netns exec`; tests). Default: ours. */
  netns?: string;
  /** Protocol number that marks our routes; default ROUTE_PROTOCOL (199). */
  protocol?: number;
  /** Kill a command after this long; default 10 s. */
  timeoutMs?: number;
}

/**
 * ExecRouteTable runs iproute2's `ip` in the current network namespace (the kubelet runs
 * inside its node's, started with `nsenter --net`) or in `netns`:
 * `ip -4 -j route show proto 199`, `ip -4 route replace <dst> via <via> proto 199` and
 * `ip -4 route del <dst> proto 199`. The delete names the protocol, so the kernel refuses to
 * remove a route to the same destination that someone else owns.
 */
export class ExecRouteTable implements RouteTable {
  private readonly proto: string;

  constructor(private readonly opts: ExecRouteTableOptions = {}) {
    const p = opts.protocol ?? ROUTE_PROTOCOL;
    if (!Number.isInteger(p) || p < 5 || p > 255) throw new Error(`route protocol ${p} is not a free number (5-255)`);
    this.proto = String(p);
  }

  async list(): Promise<Route[]> {
    return parseIpRouteJson(await runChecked('ip', ['-4', '-j', 'route', 'show', 'proto', this.proto], this.runOpts()));
  }

  async replace(route: Route): Promise<void> {
    await runChecked('ip', ['-4', 'route', 'replace', route.dst, 'via', route.via, 'proto', this.proto], this.runOpts());
  }

  async remove(dst: string): Promise<void> {
    const args = ['-4', 'route', 'del', dst, 'proto', this.proto];
    const r = await run('ip', args, this.runOpts());
    // ESRCH: already gone, which is what we wanted.
    if (r.code === 0 || /No such process/i.test(r.stderr)) return;
    throw new Error(`ip ${args.join(' ')}${this.opts.netns ? ` (in netns ${this.opts.netns})` : ''} exited ${String(r.code)}: ${r.stderr.trim()}`);
  }

  private runOpts(): RunOptions {
    return { ...(this.opts.netns ? { netns: this.opts.netns } : {}), timeoutMs: this.opts.timeoutMs ?? 10_000 };
  }
}

/**
 * Parses `ip -j route show` output into routes: `dst` made canonical ("default" is
 * 0.0.0.0/0, a host route gets its /32), `gateway` as `via` ('' when the route has none).
 */
export function parseIpRouteJson(text: string): Route[] {
  if (text.trim() === '') return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`ip -j route: expected a JSON array, got ${text.slice(0, 80)}`);
  return parsed.map((entry: unknown) => {
    const e = (entry ?? {}) as { dst?: unknown; gateway?: unknown };
    const dst = typeof e.dst === 'string' ? e.dst : '';
    return {
      dst: dst === 'default' ? '0.0.0.0/0' : dst.includes('/') ? dst : `${dst}/32`,
      via: typeof e.gateway === 'string' ? e.gateway : '',
    };
  });
}
