// SPDX-License-Identifier: Apache-2.0
import type { Iptables, IptablesTable, RestoreOptions, RulePosition } from '@berth/iptables';

/**
 * DryRunIptables prints what would be done instead of doing it (--iptables-dry-run), for
 * development without root: restore payloads verbatim, single commands as shell lines.
 * It claims that nothing exists, so every full sync prints the hooks again.
 */
export class DryRunIptables implements Iptables {
  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  restore(text: string, _opts: RestoreOptions): Promise<void> {
    this.write(`# iptables-restore -w --noflush <<'EOF'\n${text}EOF\n`);
    return Promise.resolve();
  }

  ensureChain(table: IptablesTable, chain: string): Promise<boolean> {
    this.write(`iptables -w -t ${table} -N ${chain} 2>/dev/null || true\n`);
    return Promise.resolve(true);
  }

  ensureRule(table: IptablesTable, chain: string, position: RulePosition, args: readonly string[]): Promise<boolean> {
    const a = args.map((x) => (/[\s"]/.test(x) ? JSON.stringify(x) : x)).join(' ');
    this.write(`iptables -w -t ${table} -C ${chain} ${a} 2>/dev/null || iptables -w -t ${table} ${position === 'prepend' ? '-I' : '-A'} ${chain} ${a}\n`);
    return Promise.resolve(true);
  }

  deleteRule(): Promise<boolean> {
    return Promise.resolve(false);
  }

  save(table: IptablesTable): Promise<string> {
    return Promise.resolve(`*${table}\nCOMMIT\n`);
  }
}
