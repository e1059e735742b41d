// SPDX-License-Identifier: Apache-2.0
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run, runChecked } from './exec';

/**
 * A network namespace created for a test or benchmark. Everything inside it (interfaces,
 * routes, iptables rules, conntrack entries) disappears with it, so the host's own rules
 * (Docker's) are never touched.
 */
export interface TestNetns {
  name: string;
  /** Runs a command inside the namespace and rejects when it exits non-zero. */
  exec(cmd: string, args: readonly string[], opts?: { stdin?: string }): Promise<string>;
  /** Deletes the namespace (idempotent). */
  remove(): Promise<void>;
}

/**
 * Creates `berth-test-<random>` (or the given name) with loopback up. Fails with a clear
 * message when network namespaces cannot be created (not root, no `ip`).
 */
export async function createTestNetns(name = `berth-test-${randomBytes(4).toString('hex')}`): Promise<TestNetns> {
  let r;
  try {
    r = await run('ip', ['netns', 'add', name]);
  } catch (e) {
    throw new Error(`cannot run "ip netns add ${name}": ${(e as Error).message} (is iproute2 installed?)`);
  }
  if (r.code !== 0) {
    throw new Error(`"ip netns add ${name}" failed (exit ${String(r.code)}): ${r.stderr.trim()}; these tests need root and network namespaces`);
  }
  let removed = false;
  const ns: TestNetns = {
    name,
    exec: (cmd, args, opts) => runChecked(cmd, args, { netns: name, ...(opts?.stdin !== undefined ? { stdin: opts.stdin } : {}) }),
    remove: async () => {
      if (removed) return;
      removed = true;
      await run('ip', ['netns', 'del', name]);
    },
  };
  try {
    await ns.exec('ip', ['link', 'set', 'lo', 'up']);
  } catch (e) {
    await ns.remove();
    throw e;
  }
  return ns;
}

/** Lists network namespaces (names only). */
export async function listNetns(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/**
 * Starts a long-running command inside a network namespace (test servers). The caller
 * must kill it (child.kill()) before removing the namespace.
 */
export function spawnInNetns(netns: string, cmd: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
