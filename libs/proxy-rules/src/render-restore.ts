// SPDX-License-Identifier: Apache-2.0
import { chainKey, type Rule, type RuleSet, type Table, type TableName } from './rule-set';

/** Options of renderRestore. */
export interface RenderOptions {
  /**
   * Only these chains ("nat:KUBE-SVC-…", see chainKey) are written; undefined writes all
   * (a full sync). A written chain is declared, which flushes it under --noflush, then
   * refilled, so the restore replaces exactly those chains and leaves every other alone.
   */
  changedChains?: ReadonlySet<string>;
  /** Chains to delete ("nat:KUBE-SEP-…"): declared (flushed) and then removed with -X. */
  deletedChains?: ReadonlySet<string>;
}

/** Quotes a token for iptables-restore when it holds spaces or quotes (comments). */
export function quoteArg(arg: string): string {
  if (arg !== '' && !/[\s"'\\]/.test(arg)) return arg;
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** "-A CHAIN args…" for one rule. Comments are always quoted, as iptables-save prints them. */
export function renderRule(chain: string, rule: Rule): string {
  let line = `-A ${chain}`;
  for (let i = 0; i < rule.length; i++) {
    const a = rule[i] as string;
    line += ' ' + (rule[i - 1] === '--comment' ? `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : quoteArg(a));
  }
  return line;
}

/**
 * Renders iptables-restore input for the filter and nat tables, meant for
 * `iptables-restore -w --noflush` (never without --noflush: that would flush chains that
 * are not ours, Docker's included). A table with nothing to write is left out.
 */
export function renderRestore(ruleSet: RuleSet, opts: RenderOptions = {}): string {
  const parts: string[] = [];
  for (const name of ['filter', 'nat'] as const) {
    const text = renderTable(name, ruleSet[name], opts);
    if (text) parts.push(text);
  }
  return parts.join('');
}

function renderTable(name: TableName, table: Table, opts: RenderOptions): string {
  const chains: string[] = [];
  for (const chain of table.keys()) {
    if (!opts.changedChains || opts.changedChains.has(chainKey(name, chain))) chains.push(chain);
  }
  const deleted: string[] = [];
  const prefix = `${name}:`;
  for (const key of opts.deletedChains ?? []) {
    if (key.startsWith(prefix) && !table.has(key.slice(prefix.length))) deleted.push(key.slice(prefix.length));
  }
  if (chains.length === 0 && deleted.length === 0) return '';
  const lines: string[] = [`*${name}`];
  for (const c of chains) lines.push(`:${c} - [0:0]`);
  for (const c of deleted) lines.push(`:${c} - [0:0]`);
  for (const c of chains) for (const rule of table.get(c) ?? []) lines.push(renderRule(c, rule));
  // Deleted last: by now the chains that jumped to them have been rewritten without the jump.
  for (const c of deleted) lines.push(`-X ${c}`);
  lines.push('COMMIT');
  return lines.join('\n') + '\n';
}

/** What changed between two rule sets, as chain keys for renderRestore. */
export interface RuleSetDiff {
  /** Chains that are new or whose rules differ. */
  changedChains: Set<string>;
  /** Chains in `prev` that `next` no longer has. */
  deletedChains: Set<string>;
}

/**
 * Compares two rule sets chain by chain. An endpoint change touches only its service's
 * KUBE-SVC chain and the KUBE-SEP chains that come and go, so an incremental restore stays
 * small even with thousands of services (KUBE-SERVICES is rewritten only when a service
 * appears, disappears or gains/loses all endpoints).
 */
export function diffRuleSets(prev: RuleSet | undefined, next: RuleSet): RuleSetDiff {
  const changedChains = new Set<string>();
  const deletedChains = new Set<string>();
  for (const name of ['filter', 'nat'] as const) {
    const before = prev?.[name];
    const after = next[name];
    for (const [chain, rules] of after) {
      const old = before?.get(chain);
      if (!old || !sameRules(old, rules)) changedChains.add(chainKey(name, chain));
    }
    if (before) for (const chain of before.keys()) if (!after.has(chain)) deletedChains.add(chainKey(name, chain));
  }
  return { changedChains, deletedChains };
}

function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Rule;
    const y = b[i] as Rule;
    if (x === y) continue;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}
