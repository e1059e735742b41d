// SPDX-License-Identifier: Apache-2.0
import type { Iptables, Nft } from '@berth/iptables';
import { JUMP_HOOKS, FIXED_CHAINS, NFT_FAMILY, NFT_TABLE, isGeneratedChain } from '@berth/proxy-rules';

/**
 * Removes everything the iptables mode wrote: the jumps from the built-in chains, then every
 * KUBE-* chain of ours in nat and filter (flushed and deleted in one restore per table).
 * Chains of other software are left alone. Returns the number of chains deleted.
 */
export async function cleanupRules(ipt: Iptables): Promise<number> {
  for (const h of JUMP_HOOKS) await ipt.deleteRule(h.table, h.chain, h.args);
  let deleted = 0;
  for (const table of ['nat', 'filter'] as const) {
    const saved = await ipt.save(table);
    const ours = [...saved.matchAll(/^:(KUBE-[A-Z0-9-]+) /gm)]
      .map((m) => m[1] as string)
      .filter((c) => FIXED_CHAINS[table].includes(c) || isGeneratedChain(c));
    if (ours.length === 0) continue;
    const text = [`*${table}`, ...ours.map((c) => `:${c} - [0:0]`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    await ipt.restore(text, { noflush: true });
    deleted += ours.length;
  }
  return deleted;
}

/**
 * Removes everything the nftables mode wrote: the table `ip kube-proxy` (kube-proxy's
 * CleanupLeftovers). Returns true when there was a table to remove.
 */
export async function cleanupNft(nft: Nft): Promise<boolean> {
  const existed = (await nft.listTable(NFT_FAMILY, NFT_TABLE)) !== undefined;
  if (existed) await nft.deleteTable(NFT_FAMILY, NFT_TABLE);
  return existed;
}
