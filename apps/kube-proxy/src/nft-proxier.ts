// SPDX-License-Identifier: Apache-2.0
import type { Nft } from '@berth/iptables';
import {
  NftBuildCache,
  buildNftRulesetFromPorts,
  diffNftRulesets,
  nftRuleCount,
  renderNftFull,
  renderNftIncremental,
  type BuildOptions,
  type NftRuleset,
  type ServicePort,
} from '@berth/proxy-rules';
import { ProxierBase, type ApplyResult, type BaseProxierOptions } from './proxier-base';

/** Options of NftProxier. */
export interface NftProxierOptions extends BaseProxierOptions {
  nft: Nft;
}

/**
 * NftProxier is kube-proxy's nftables mode: everything lives in `table ip kube-proxy`,
 * services are found with one verdict-map lookup (@service-ips, @service-nodeports) instead
 * of a list of rules, and each sync is one `nft -f` transaction.
 *
 * - The first sync, and the first after a failure, deletes and re-creates the whole table
 *   in one transaction: whatever an earlier run or a half-known state left is replaced.
 * - A periodic full resync keeps the table: it flushes the rules and the maps, deletes the
 *   chains and sets the previous sync wrote and no longer wants, and writes everything
 *   again, so the ClientIP affinity entries (kept by the kernel) survive.
 * - Every other sync is incremental (kube-proxy's partial sync): only the service chains
 *   that changed are flushed and refilled, only the map and set elements that changed are
 *   deleted or added. An endpoint change writes about half a kilobyte, whatever the number
 *   of services.
 */
export class NftProxier extends ProxierBase {
  readonly mode = 'nftables' as const;
  private applied: NftRuleset | undefined;
  /** Re-create the table on the next full sync (start, and after a failure). */
  private fresh = true;
  private readonly cache = new NftBuildCache();

  constructor(private readonly opts: NftProxierOptions) {
    super(opts);
  }

  protected hasApplied(): boolean {
    return this.applied !== undefined;
  }

  protected override onFailure(): void {
    this.fresh = true;
  }

  protected async apply(ports: ServicePort[], build: BuildOptions, full: boolean): Promise<ApplyResult> {
    const rs = buildNftRulesetFromPorts(ports, build, this.cache);
    let text: string;
    let chainsWritten: number;
    let chainsDeleted = 0;
    const previous = this.applied;
    if (full || !previous) {
      const resync = !this.fresh && previous !== undefined;
      text = renderNftFull(rs, resync ? { previous } : {});
      chainsWritten = rs.chains.size;
      if (resync) for (const name of previous.chains.keys()) if (!rs.chains.has(name)) chainsDeleted++;
    } else {
      const diff = diffNftRulesets(previous, rs, this.cache.changes);
      text = renderNftIncremental(diff);
      chainsWritten = diff.addedChains.length + diff.changedChains.length;
      chainsDeleted = diff.deletedChains.length;
    }
    if (text) await this.opts.nft.apply(text);
    this.applied = rs;
    this.fresh = false;
    return { restoreBytes: Buffer.byteLength(text), chainsWritten, chainsDeleted, rules: nftRuleCount(rs) };
  }
}
