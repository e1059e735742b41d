// SPDX-License-Identifier: Apache-2.0
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port';

/** A running single-member etcd started by startEtcd. */
export interface EtcdServer {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  clientPort: number;
  dataDir: string;
  /** SIGTERM (SIGKILL after 3 s), waits for the exit, removes the data dir when startEtcd made it. */
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Data directory to use (kept on stop). Default: a fresh temp dir, removed on stop. */
  dataDir?: string;
}

const READY_TIMEOUT_MS = 15_000;
const POLL_MS = 20;
const STOP_GRACE_MS = 3_000;
const LOG_TAIL_BYTES = 4_000;

/**
 * Starts a throwaway etcd on free loopback ports for tests. Election timings are shortened
 * (ready in ~0.1 s instead of ~0.7 s), and watch progress notifications are sent every 100 ms
 * so watch caches can prove freshness quickly (production etcd needs the same flag for
 * consistent lists from the watch cache; see libs/storage/src/watch-cache.ts).
 * Every started server is killed when the test process exits, even if stop() was not called.
 */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdServer> {
  const binary = findEtcd();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-etcd-')));
  if (ownDir) ownedDirs.add(dataDir);
  let lastError: unknown;
  // A free port can be taken by someone else before etcd binds it; retry with new ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(binary, dataDir, ownDir);
    } catch (e) {
      lastError = e;
      if (!(e instanceof Error && /address already in use/i.test(e.message))) break;
    }
  }
  if (ownDir) await removeDir(dataDir);
  throw lastError;
}

async function launch(binary: string, dataDir: string, ownDir: boolean): Promise<EtcdServer> {
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'berth-test',
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `berth-test=${peer}`,
    '--initial-cluster-state', 'new',
    '--logger', 'zap',
    '--log-level', 'warn',
    '--heartbeat-interval', '10',
    '--election-timeout', '100',
    '--experimental-watch-progress-notify-interval', '100ms',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onLog = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  child.stdout?.on('data', onLog);
  child.stderr?.on('data', onLog);
  // The server must not keep the test process alive; the exit hook below kills it.
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  running.add(child);
  exited.then(() => running.delete(child), () => undefined);
  installExitHook();

  const kill = () => terminate(child, exited);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError) {
      await kill();
      throw new Error(`etcd failed to start (${binary}): ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await kill();
      throw new Error(`etcd exited during startup (code ${child.exitCode ?? child.signalCode}):\n${log}`);
    }
    if (await healthy(endpoint)) break;
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`etcd did not become healthy within ${READY_TIMEOUT_MS / 1000} s at ${endpoint}:\n${log}`);
    }
    await sleep(POLL_MS);
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    clientPort,
    dataDir,
    stop: () =>
      (stopping ??= (async () => {
        await kill();
        if (ownDir) await removeDir(dataDir);
      })()),
  };
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
  });
  // A member that lost quorum can take seconds to exit on SIGTERM (infra-notes §1.2).
  if ((await Promise.race([exited, killed])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** /usr/bin/etcd (Debian's etcd-server), else `etcd` on PATH. */
function findEtcd(): string {
  const candidates = ['/usr/bin/etcd', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'etcd'))];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new Error("etcd not found: install Debian's etcd-server (apt-get install etcd-server)");
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  ownedDirs.delete(dir);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const running = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let hookInstalled = false;

/** Kills every server still running when the process exits, so no etcd outlives its tests. */
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      for (const child of running) child.kill('SIGKILL');
      process.off(signal, onSignal);
      // Re-raise so the default behaviour (or another handler) still ends the process.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
