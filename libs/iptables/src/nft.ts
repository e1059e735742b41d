// SPDX-License-Identifier: Apache-2.0
import { run } from './exec';

/**
 * Nft is what the proxy needs from nftables: atomic transactions (`nft -f`) on the table
 * it owns, a listing of that table, and its removal. Implementations: ExecNft (the `nft`
 * binary) and FakeNft (in memory, for tests without root).
 */
export interface Nft {
  /** Runs an nft script (`nft -f -`, script on stdin): all of it is applied, or nothing. */
  apply(script: string): Promise<void>;
  /** `nft list table <family> <name>`, or undefined when the table does not exist. */
  listTable(family: string, name: string): Promise<string | undefined>;
  /** Removes the table if it exists (`add table` + `delete table` in one transaction). */
  deleteTable(family: string, name: string): Promise<void>;
}

/** An nft command failed; `stderr` holds what nft said (with the offending line). */
export class NftError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'NftError';
  }
}

/** Options of ExecNft. */
export interface ExecNftOptions {
  /** Run every command inside this network namespace (tests, benchmarks). */
  netns?: string;
  /** Kill a command after this long; default 2 minutes. */
  timeoutMs?: number;
  /** The binary; default "nft" (Debian: /usr/sbin/nft, package nftables). */
  binary?: string;
}

/** First lines of nft's error output: it repeats the failing line and marks the spot. */
function summarize(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.slice(0, 6).join('\n') + (lines.length > 6 ? `\n… (${lines.length - 6} more lines)` : '');
}

/**
 * ExecNft runs the `nft` binary (nftables 1.0.6 on Debian 12). A script goes to
 * `nft -f -` on stdin and is one netlink batch: the kernel applies all of it or none, so a
 * failed sync leaves the previous rules in place.
 */
export class ExecNft implements Nft {
  constructor(private readonly opts: ExecNftOptions = {}) {}

  async apply(script: string): Promise<void> {
    const r = await this.nft(['-f', '-'], script);
    if (r.code !== 0) throw new NftError(`nft -f failed (exit ${String(r.code)}): ${summarize(r.stderr)}`, r.code, r.stderr);
  }

  async listTable(family: string, name: string): Promise<string | undefined> {
    const r = await this.nft(['list', 'table', family, name]);
    if (r.code === 0) return r.stdout;
    if (/No such file or directory/.test(r.stderr)) return undefined;
    throw new NftError(`nft list table ${family} ${name} failed: ${summarize(r.stderr)}`, r.code, r.stderr);
  }

  async deleteTable(family: string, name: string): Promise<void> {
    // nft 1.0.6 has no "destroy": adding first makes the delete succeed whether or not it existed.
    await this.apply(`add table ${family} ${name}\ndelete table ${family} ${name}\n`);
  }

  private nft(args: string[], stdin?: string): ReturnType<typeof run> {
    return run(this.opts.binary ?? 'nft', args, {
      ...(this.opts.netns ? { netns: this.opts.netns } : {}),
      ...(stdin !== undefined ? { stdin } : {}),
      timeoutMs: this.opts.timeoutMs ?? 120_000,
    });
  }
}

/**
 * True when the `nft` binary runs (`nft --version`). kube-proxy uses the nftables mode
 * by default when it does.
 */
export async function nftAvailable(opts: { netns?: string; binary?: string } = {}): Promise<boolean> {
  try {
    const r = await run(opts.binary ?? 'nft', ['--version'], { ...(opts.netns ? { netns: opts.netns } : {}), timeoutMs: 10_000 });
    return r.code === 0;
  } catch {
    return false;
  }
}
