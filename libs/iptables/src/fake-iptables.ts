// SPDX-License-Identifier: Apache-2.0
import {
  BUILTIN_CHAINS,
  IptablesError,
  splitArgs,
  type Iptables,
  type IptablesTable,
  type RestoreOptions,
  type RulePosition,
} from './iptables';

type Chains = Map<string, string[][]>;

/** Targets that are not chains (a jump to anything else must name an existing chain). */
const TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'LOG', 'CONNMARK', 'NOTRACK', 'CT']);

/**
 * FakeIptables keeps tables in memory and applies iptables-restore text the way
 * `iptables-restore --noflush` does: a chain declaration creates or flushes that chain,
 * -A/-I/-D/-X/-F/-N act on it, and a restore is all-or-nothing (a bad line leaves every
 * table as it was, like the nft backend's single transaction). It also checks what the
 * kernel would refuse: rules in missing chains, jumps to missing chains, deleting a chain
 * that is still referenced or not empty. Tests read `restores` (every payload) and the
 * resulting chains, so the proxier is tested without root.
 */
export class FakeIptables implements Iptables {
  private tables = new Map<IptablesTable, Chains>();
  /** Every restore payload, in order. */
  readonly restores: string[] = [];
  /** Every single command run (ensureChain/ensureRule/deleteRule), as "iptables" arguments. */
  readonly commands: string[][] = [];
  /** When set, the next restore fails with this message (then it is cleared). */
  failNextRestore?: string;

  constructor() {
    for (const t of Object.keys(BUILTIN_CHAINS) as IptablesTable[]) this.tables.set(t, freshTable(t));
  }

  restore(text: string, opts: RestoreOptions): Promise<void> {
    if (opts.noflush !== true) return Promise.reject(new Error('restore without noflush'));
    this.restores.push(text);
    if (this.failNextRestore) {
      const msg = this.failNextRestore;
      delete this.failNextRestore;
      return Promise.reject(new IptablesError(msg, 1, msg));
    }
    try {
      this.tables = applyRestore(this.tables, text);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e instanceof IptablesError ? e : new IptablesError((e as Error).message, 1, (e as Error).message));
    }
  }

  ensureChain(table: IptablesTable, chain: string): Promise<boolean> {
    this.commands.push(['-t', table, '-N', chain]);
    const t = this.table(table);
    if (t.has(chain)) return Promise.resolve(false);
    t.set(chain, []);
    return Promise.resolve(true);
  }

  ensureRule(table: IptablesTable, chain: string, position: RulePosition, args: readonly string[]): Promise<boolean> {
    this.commands.push(['-t', table, position === 'prepend' ? '-I' : '-A', chain, ...args]);
    const rules = this.table(table).get(chain);
    if (!rules) return Promise.reject(new IptablesError(`No chain/target/match by that name: ${table} ${chain}`, 1, ''));
    if (rules.some((r) => same(r, args))) return Promise.resolve(false);
    checkJump(this.table(table), table, args);
    if (position === 'prepend') rules.unshift([...args]);
    else rules.push([...args]);
    return Promise.resolve(true);
  }

  deleteRule(table: IptablesTable, chain: string, args: readonly string[]): Promise<boolean> {
    this.commands.push(['-t', table, '-D', chain, ...args]);
    const rules = this.table(table).get(chain);
    const i = rules ? rules.findIndex((r) => same(r, args)) : -1;
    if (!rules || i < 0) return Promise.resolve(false);
    rules.splice(i, 1);
    return Promise.resolve(true);
  }

  save(table: IptablesTable): Promise<string> {
    const t = this.table(table);
    const lines = [`*${table}`];
    for (const c of t.keys()) lines.push(`:${c} ${BUILTIN_CHAINS[table].includes(c) ? 'ACCEPT' : '-'} [0:0]`);
    for (const [c, rules] of t) for (const r of rules) lines.push(`-A ${c} ${r.map(quote).join(' ')}`);
    lines.push('COMMIT');
    return Promise.resolve(lines.join('\n') + '\n');
  }

  /** Names of the chains of a table, built-in ones included. */
  chains(table: IptablesTable): string[] {
    return [...this.table(table).keys()];
  }

  /** The rules of one chain (argument arrays), or undefined when the chain does not exist. */
  rules(table: IptablesTable, chain: string): string[][] | undefined {
    return this.table(table).get(chain)?.map((r) => [...r]);
  }

  private table(name: IptablesTable): Chains {
    return this.tables.get(name) as Chains;
  }
}

function freshTable(t: IptablesTable): Chains {
  return new Map(BUILTIN_CHAINS[t].map((c) => [c, []]));
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function quote(a: string): string {
  return a !== '' && !/[\s"]/.test(a) ? a : `"${a.replace(/"/g, '\\"')}"`;
}

function checkJump(t: Chains, table: string, args: readonly string[]): void {
  const j = args.indexOf('-j');
  const target = j >= 0 ? args[j + 1] : undefined;
  if (target && !TARGETS.has(target) && !t.has(target)) {
    throw new IptablesError(`Couldn't load target \`${target}' in table ${table}`, 2, '');
  }
}

/** Applies restore text to a copy of the tables and returns the copy; throws on the first bad line. */
function applyRestore(tables: Map<IptablesTable, Chains>, text: string): Map<IptablesTable, Chains> {
  const next = new Map<IptablesTable, Chains>();
  for (const [k, v] of tables) next.set(k, new Map([...v].map(([c, r]) => [c, r.map((x) => [...x])])));
  let table: IptablesTable | undefined;
  let t: Chains | undefined;
  const lines = text.split('\n');
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    const fail = (msg: string): never => {
      throw new IptablesError(`iptables-restore: line ${idx + 1} failed: ${msg}: ${line}`, 1, msg);
    };
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      if (t) fail('table not committed');
      table = line.slice(1) as IptablesTable;
      t = next.get(table);
      if (!t) fail(`unknown table ${table}`);
      return;
    }
    if (!t || !table) return fail('line outside a table');
    if (line === 'COMMIT') {
      t = undefined;
      table = undefined;
      return;
    }
    if (line.startsWith(':')) {
      const name = line.slice(1).split(/\s+/)[0] ?? '';
      if (!/^[A-Za-z0-9_.-]{1,28}$/.test(name)) fail(`invalid chain name ${name}`);
      // --noflush: declaring a chain creates it or flushes it; other chains are untouched.
      t.set(name, []);
      return;
    }
    const args = splitArgs(line);
    const op = args[0];
    const chain = args[1] ?? '';
    const rules = t.get(chain);
    switch (op) {
      case '-A':
      case '-I': {
        if (!rules) return fail(`chain ${chain} does not exist`);
        let rest = args.slice(2);
        let pos = op === '-A' ? rules.length : 0;
        if (op === '-I' && /^\d+$/.test(rest[0] ?? '')) {
          pos = Number(rest[0]) - 1;
          rest = rest.slice(1);
        }
        checkJump(t, table, rest);
        rules.splice(pos, 0, rest);
        return;
      }
      case '-D': {
        if (!rules) return fail(`chain ${chain} does not exist`);
        const rest = args.slice(2);
        const i = /^\d+$/.test(rest[0] ?? '') && rest.length === 1 ? Number(rest[0]) - 1 : rules.findIndex((r) => same(r, rest));
        if (i < 0 || i >= rules.length) return fail('rule does not exist');
        rules.splice(i, 1);
        return;
      }
      case '-F':
        if (!rules) return fail(`chain ${chain} does not exist`);
        t.set(chain, []);
        return;
      case '-N':
        if (rules) return fail(`chain ${chain} already exists`);
        t.set(chain, []);
        return;
      case '-X': {
        if (!rules) return fail(`chain ${chain} does not exist`);
        if (BUILTIN_CHAINS[table].includes(chain)) return fail('cannot delete a built-in chain');
        if (rules.length > 0) return fail(`chain ${chain} is not empty`);
        for (const [other, rs] of t) {
          if (rs.some((r) => r[r.indexOf('-j') + 1] === chain && r.includes('-j'))) fail(`chain ${chain} is referenced by ${other}`);
        }
        t.delete(chain);
        return;
      }
      default:
        return fail(`unknown command ${String(op)}`);
    }
  });
  if (t) throw new IptablesError('iptables-restore: missing COMMIT', 1, 'missing COMMIT');
  return next;
}
