// SPDX-License-Identifier: Apache-2.0
import { spawn } from 'node:child_process';

/** Result of a finished command. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of run. */
export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  stdin?: string;
  /** Run inside this network namespace (`ip netns exec <netns> …`). */
  netns?: string;
  /** Kill the command after this long (default 5 minutes: big restores on nft are slow). */
  timeoutMs?: number;
}

/**
 * Runs a command and collects its output; never rejects for a non-zero exit (callers
 * decide what a code means, e.g. `iptables -C` exits 1 for "no such rule"). Rejects only
 * when the command cannot be started. With netns.ts (spawnInNetns), the only child_process user of the proxy code.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = opts.netns ? ['netns', 'exec', opts.netns, cmd, ...args] : [...args];
  const bin = opts.netns ? 'ip' : cmd;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    // EPIPE when the command exits without reading stdin: its exit code tells the story.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Runs a command in a network namespace: `ip netns exec <netns> <cmd> <args…>`. */
export function netnsExec(netns: string, cmd: string, args: readonly string[], opts: Omit<RunOptions, 'netns'> = {}): Promise<RunResult> {
  return run(cmd, args, { ...opts, netns });
}

/** Runs a command and rejects with its stderr when it exits non-zero. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const where = opts.netns ? ` (in netns ${opts.netns})` : '';
    throw new Error(`${cmd} ${args.join(' ')}${where} exited ${String(r.code)}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}
