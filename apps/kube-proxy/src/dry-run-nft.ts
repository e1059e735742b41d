// SPDX-License-Identifier: Apache-2.0
import type { Nft } from '@berth/iptables';

/**
 * DryRunNft prints the nft scripts instead of running them (--dry-run in the nftables
 * mode), for development without root. It claims that no table exists.
 */
export class DryRunNft implements Nft {
  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  apply(script: string): Promise<void> {
    this.write(`# nft -f - <<'EOF'\n${script}EOF\n`);
    return Promise.resolve();
  }

  listTable(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  deleteTable(family: string, name: string): Promise<void> {
    return this.apply(`add table ${family} ${name}\ndelete table ${family} ${name}\n`);
  }
}
