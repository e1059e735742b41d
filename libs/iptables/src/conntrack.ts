// SPDX-License-Identifier: Apache-2.0
import { run } from './exec';

/** Removes conntrack entries that would keep sending packets to endpoints that are gone. */
export interface Conntrack {
  /** False when the `conntrack` tool is not installed (then clearing is skipped). */
  available(): Promise<boolean>;
  /** Deletes UDP entries originally to `origDst` that were DNATed to `dnatTo` (an IP). */
  clearUdpNat(origDst: string, dnatTo: string): Promise<void>;
  /** Deletes UDP entries originally to node port `port` that were DNATed to `dnatTo`. */
  clearUdpPortNat(port: number, dnatTo: string): Promise<void>;
  /**
   * Deletes every UDP entry originally to `origDst`, or to node port `port`: for a UDP
   * service that just got endpoints, whatever a client sent while it had none (or before
   * the rules existed) left an entry without DNAT that would keep its flow from them.
   */
  clearUdpTo(target: { ip: string } | { port: number }): Promise<void>;
  /**
   * Deletes TCP entries DNATed to `dnatTo` that never got an answer (SYN_SENT). A client
   * that reuses the source port of such an attempt would match the entry and be sent to
   * the dead endpoint again, renewing it: a black hole that feeds itself (Kubernetes
   * issue 101607). Established connections are left alone, so graceful shutdown holds.
   */
  clearTcpUnreplied(dnatTo: string): Promise<void>;
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

  async clearUdpPortNat(port: number, dnatTo: string): Promise<void> {
    if (!(await this.available())) return;
    await run('conntrack', ['-D', '-p', 'udp', '--orig-port-dst', String(port), '--dst-nat', dnatTo], this.opts);
  }

  async clearUdpTo(target: { ip: string } | { port: number }): Promise<void> {
    if (!(await this.available())) return;
    const match = 'ip' in target ? ['--orig-dst', target.ip] : ['--orig-port-dst', String(target.port)];
    await run('conntrack', ['-D', '-p', 'udp', ...match], this.opts);
  }

  async clearTcpUnreplied(dnatTo: string): Promise<void> {
    if (!(await this.available())) return;
    await run('conntrack', ['-D', '-p', 'tcp', '--state', 'SYN_SENT', '--dst-nat', dnatTo], this.opts);
  }
}

/**
 * Records what would be cleared, as lines: "udp ORIG->DNAT", "udp :PORT->DNAT", "udp-to ORIG",
 * "udp-to :PORT" and "tcp-unreplied DNAT".
 */
export class FakeConntrack implements Conntrack {
  readonly cleared: string[] = [];

  async available(): Promise<boolean> {
    return true;
  }

  async clearUdpNat(origDst: string, dnatTo: string): Promise<void> {
    this.cleared.push(`udp ${origDst}->${dnatTo}`);
  }

  async clearUdpPortNat(port: number, dnatTo: string): Promise<void> {
    this.cleared.push(`udp :${port}->${dnatTo}`);
  }

  async clearUdpTo(target: { ip: string } | { port: number }): Promise<void> {
    this.cleared.push(`udp-to ${'ip' in target ? target.ip : `:${target.port}`}`);
  }

  async clearTcpUnreplied(dnatTo: string): Promise<void> {
    this.cleared.push(`tcp-unreplied ${dnatTo}`);
  }
}
