// SPDX-License-Identifier: Apache-2.0

/** The tables the proxy touches. */
export type IptablesTable = 'nat' | 'filter' | 'mangle' | 'raw';

/** Where ensureRule puts a missing rule: first in the chain (-I) or last (-A). */
export type RulePosition = 'prepend' | 'append';

/** Options of Iptables.restore. */
export interface RestoreOptions {
  /**
   * Must be true: with --noflush only the chains the text declares are replaced. Without it
   * iptables-restore flushes whole tables, Docker's chains included, so the type forbids it.
   */
  noflush: true;
}

/**
 * Iptables is what the proxy needs from iptables: atomic restores of its own chains, and
 * idempotent hooks into the built-in chains (check with -C, then insert), the way
 * kube-proxy's utiliptables.Interface does. Implementations: ExecIptables (the real
 * binaries, nft backend) and FakeIptables (in memory, for tests without root).
 */
export interface Iptables {
  /** Applies iptables-restore input (`iptables-restore -w --noflush`, text on stdin). */
  restore(text: string, opts: RestoreOptions): Promise<void>;
  /** Creates the chain if it does not exist; true when it was created. */
  ensureChain(table: IptablesTable, chain: string): Promise<boolean>;
  /** Adds the rule unless an identical one exists (-C, then -I or -A); true when it was added. */
  ensureRule(table: IptablesTable, chain: string, position: RulePosition, args: readonly string[]): Promise<boolean>;
  /** Deletes one copy of the rule if present; true when one was deleted. */
  deleteRule(table: IptablesTable, chain: string, args: readonly string[]): Promise<boolean>;
  /** iptables-save output of one table. */
  save(table: IptablesTable): Promise<string>;
}

/** An iptables command failed; `stderr` holds what it said. */
export class IptablesError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'IptablesError';
  }
}

/** Built-in chains of each table (they exist before any rule is written and cannot be deleted). */
export const BUILTIN_CHAINS: Record<IptablesTable, readonly string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

/**
 * Splits one iptables-restore line into arguments the way iptables-restore does:
 * whitespace separates, double quotes group (with \" and \\ escapes inside).
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) {
        cur += line[++i];
      } else if (c === '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (quoted) throw new Error(`unterminated quote in: ${line}`);
  if (inToken) out.push(cur);
  return out;
}
