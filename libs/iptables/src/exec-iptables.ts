// SPDX-License-Identifier: Apache-2.0
import { run } from './exec';
import { IptablesError, type Iptables, type IptablesTable, type RestoreOptions, type RulePosition } from './iptables';

/** Options of ExecIptables. */
export interface ExecIptablesOptions {
  /** Run every command inside this network namespace (tests, benchmarks). */
  netns?: string;
  /** Seconds to wait for the xtables lock (-w); default 5. */
  lockWaitSeconds?: number;
  /** Kill a command after this long; default 5 minutes (a 10,000-service --noflush restore on nft takes minutes). */
  timeoutMs?: number;
}

/**
 * ExecIptables runs the distribution's `iptables`, `iptables-restore` and `iptables-save`
 * (on Debian 12 the nf_tables backend, the same one Docker uses). It never calls the
 * -legacy tools: a single legacy call creates legacy tables in the kernel and every later
 * iptables-nft listing warns about them until reboot. Every command takes the xtables lock
 * with -w so it waits for Docker or another writer instead of failing.
 */
export class ExecIptables implements Iptables {
  private readonly wait: string[];

  constructor(private readonly opts: ExecIptablesOptions = {}) {
    this.wait = ['-w', String(opts.lockWaitSeconds ?? 5)];
  }

  async restore(text: string, opts: RestoreOptions): Promise<void> {
    if (opts.noflush !== true) throw new Error('iptables-restore without --noflush would flush tables that are not ours');
    // The text goes on stdin: `iptables-restore -w FILE` takes FILE as -w's argument and
    // then reads an empty stdin, "succeeding" without doing anything.
    const r = await run('iptables-restore', [...this.wait, '--noflush'], this.runOpts(text));
    if (r.code !== 0) {
      throw new IptablesError(`iptables-restore failed (exit ${String(r.code)}): ${r.stderr.trim()}`, r.code, r.stderr);
    }
  }

  async ensureChain(table: IptablesTable, chain: string): Promise<boolean> {
    const r = await run('iptables', [...this.wait, '-t', table, '-N', chain], this.runOpts());
    if (r.code === 0) return true;
    if (/exists/i.test(r.stderr)) return false;
    throw new IptablesError(`iptables -t ${table} -N ${chain} failed: ${r.stderr.trim()}`, r.code, r.stderr);
  }

  async ensureRule(table: IptablesTable, chain: string, position: RulePosition, args: readonly string[]): Promise<boolean> {
    const check = await run('iptables', [...this.wait, '-t', table, '-C', chain, ...args], this.runOpts());
    if (check.code === 0) return false;
    const op = position === 'prepend' ? '-I' : '-A';
    const r = await run('iptables', [...this.wait, '-t', table, op, chain, ...args], this.runOpts());
    if (r.code !== 0) {
      throw new IptablesError(`iptables -t ${table} ${op} ${chain} ${args.join(' ')} failed: ${r.stderr.trim()}`, r.code, r.stderr);
    }
    return true;
  }

  async deleteRule(table: IptablesTable, chain: string, args: readonly string[]): Promise<boolean> {
    const check = await run('iptables', [...this.wait, '-t', table, '-C', chain, ...args], this.runOpts());
    if (check.code !== 0) return false;
    const r = await run('iptables', [...this.wait, '-t', table, '-D', chain, ...args], this.runOpts());
    if (r.code !== 0) throw new IptablesError(`iptables -t ${table} -D ${chain} failed: ${r.stderr.trim()}`, r.code, r.stderr);
    return true;
  }

  async save(table: IptablesTable): Promise<string> {
    const r = await run('iptables-save', ['-t', table], this.runOpts());
    if (r.code !== 0) throw new IptablesError(`iptables-save -t ${table} failed: ${r.stderr.trim()}`, r.code, r.stderr);
    return r.stdout;
  }

  private runOpts(stdin?: string): { netns?: string; stdin?: string; timeoutMs?: number } {
    return {
      ...(this.opts.netns ? { netns: this.opts.netns } : {}),
      ...(stdin !== undefined ? { stdin } : {}),
      ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
    };
  }
}
