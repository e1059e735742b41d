// SPDX-License-Identifier: Apache-2.0
import { run } from './exec';

/** Removes conntrack entries that would keep sending UDP to endpoints that are gone. */
export interface Conntrack {
  /** False when the `conntrack` tool is not installed (then clearing is skipped). */
  available(): Promise<boolean>;
  /** Deletes UDP entries originally to `origDst` that were DNATed to `dnatTo` (an IP). */
  clearUdpNat(origDst: string, dnatTo: string): Promise<void>;
}

/**
 * ExecConntrack runs `conntrack -D`. UDP has no connection end, so without this a client
 * that keeps sending (a DNS resolver, say) stays pinned to a deleted endpoint until the
 * entry times out. When the binary is missing it does nothing: the entries expire by
 * themselves (nf_conntrack_udp_timeout, 30 s; 120 s for "streams").
 */
export class ExecConntrack implements Conntrack {
  private present: Promise<boolean> | undefined;

  constructor(private readonly opts: { netns?: string } = {}) {}

  available(): Promise<boolean> {
    this.present ??= run('conntrack', ['--version'], this.opts).then(
      (r) => r.code === 0,
      () => false,
    );
    return this.present;
  }

  async clearUdpNat(origDst: string, dnatTo: string): Promise<void> {
    if (!(await this.available())) return;
    // Exit 1 with "0 flow entries have been deleted" is not an error.
    await run('conntrack', ['-D', '-p', 'udp', '--orig-dst', origDst, '--dst-nat', dnatTo], this.opts);
  }
}
