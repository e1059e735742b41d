// SPDX-License-Identifier: Apache-2.0
import type { Iptables } from '@berth/iptables';
import {
  BuildCache,
  JUMP_HOOKS,
  buildRulesFromPorts,
  chainKey,
  diffRuleSets,
  isGeneratedChain,
  renderRestore,
  ruleCount,
  type BuildOptions,
  type RuleSet,
  type ServicePort,
} from '@berth/proxy-rules';
import { ProxierBase, type ApplyResult, type BaseProxierOptions } from './proxier-base';

export type { SyncResult, ProxierLogger } from './proxier-base';

/** Options of Proxier (the iptables mode). */
export interface ProxierOptions extends BaseProxierOptions {
  iptables: Iptables;
}

/**
 * Proxier is kube-proxy's iptables mode: it turns the cached Services and EndpointSlices
 * into rules (pure, @berth/proxy-rules) and applies them with one iptables-restore per sync.
 *
 * Syncs are incremental: only the chains whose content differs from what the last
 * successful sync wrote are rewritten, and chains that disappeared are deleted. A full
 * sync (the first one, after any failure, and every maxSyncInterval) rewrites every chain,
 * deletes generated chains it finds in iptables but no longer wants (left by a previous
 * run), and re-checks the jumps from the built-in chains. A failed restore changes
 * nothing (it is one transaction), so the next sync is simply a full one.
 */
export class Proxier extends ProxierBase {
  readonly mode = 'iptables' as const;
  private applied: RuleSet | undefined;
  private readonly cache = new BuildCache();

  constructor(private readonly opts: ProxierOptions) {
    super(opts);
  }

  protected hasApplied(): boolean {
    return this.applied !== undefined;
  }

  protected async apply(ports: ServicePort[], build: BuildOptions, full: boolean): Promise<ApplyResult> {
    const rules = buildRulesFromPorts(ports, build, this.cache);
    let text: string;
    let chainsWritten: number;
    let chainsDeleted: number;
    if (full || !this.applied) {
      const deletedChains = await this.staleChains(rules);
      text = renderRestore(rules, { deletedChains });
      chainsWritten = rules.nat.size + rules.filter.size;
      chainsDeleted = deletedChains.size;
    } else {
      const diff = diffRuleSets(this.applied, rules);
      text = renderRestore(rules, diff);
      chainsWritten = diff.changedChains.size;
      chainsDeleted = diff.deletedChains.size;
    }
    if (text) await this.opts.iptables.restore(text, { noflush: true });
    if (full) await this.ensureHooks();
    this.applied = rules;
    return { restoreBytes: Buffer.byteLength(text), chainsWritten, chainsDeleted, rules: ruleCount(rules) };
  }

  /** Generated chains present in iptables (e.g. from before a restart) that the new rules do not have. */
  private async staleChains(rules: RuleSet): Promise<Set<string>> {
    const stale = new Set<string>();
    for (const table of ['nat', 'filter'] as const) {
      const saved = await this.opts.iptables.save(table);
      for (const m of saved.matchAll(/^:(KUBE-[A-Z0-9-]+) /gm)) {
        const name = m[1] as string;
        if (isGeneratedChain(name) && !rules[table].has(name)) stale.add(chainKey(table, name));
      }
    }
    // Also the ones the previous sync wrote, in case save and apply raced with nothing else.
    if (this.applied) for (const k of diffRuleSets(this.applied, rules).deletedChains) stale.add(k);
    return stale;
  }

  private async ensureHooks(): Promise<void> {
    for (const h of JUMP_HOOKS) {
      await this.opts.iptables.ensureChain(h.table, h.target);
      await this.opts.iptables.ensureRule(h.table, h.chain, 'prepend', h.args);
    }
  }
}
