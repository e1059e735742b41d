// SPDX-License-Identifier: Apache-2.0
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Options for startNats. */
export interface StartNatsOptions {
  /** Enable JetStream with a temporary store dir (default true). */
  jetstream?: boolean;
  /** How long to wait for the server to report healthy (default 15 s). */
  readyTimeoutMs?: number;
  /** More configuration, appended as is (e.g. an `authorization { users = [...] }` block). */
  config?: string;
}

/**
 * A running nats-server started by startNats. `kill()` and `restart()` let tests simulate
 * an outage: the server comes back on the same ports with the same JetStream store, so
 * clients reconnect to `url` by themselves and streams survive.
 */
export interface NatsServer {
  /** Client URL, e.g. `nats://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** HTTP monitoring base URL (`/healthz`, `/jsz`, `/varz`). */
  monitorUrl: string;
  /** JetStream store dir ('' when JetStream is off). */
  storeDir: string;
  /** Stops the server, waits for it to exit and removes its temporary dirs. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL, like a crash) and waits for the exit; keeps the store. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and store (kills it first if it still runs). */
  restart(): Promise<void>;
}

const NOT_FOUND = "nats-server not found: install Debian's nats-server (apt-get install nats-server)";

/** Processes still alive, killed when this process exits so no test leaves a server behind. */
const live = new Set<ChildProcess>();
/** Temporary dirs still present, removed on exit too. */
const liveDirs = new Set<string>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const cleanup = (): void => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  // A signal ends node without 'exit' handlers: clean up, then die of the same signal.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      cleanup();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Finds the nats-server binary: $NATS_SERVER_BIN, then PATH, then Debian's /usr/sbin. */
function findBinary(): string {
  const fromEnv = process.env['NATS_SERVER_BIN'];
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`${NOT_FOUND} (NATS_SERVER_BIN=${fromEnv} does not exist)`);
  }
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin']) {
    const candidate = join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(NOT_FOUND);
}

/** A loopback port that was free a moment ago (the kernel picks it). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function writeConfig(dir: string, port: number, monitorPort: number, storeDir: string, extra = ''): string {
  const lines = [
    `listen: "127.0.0.1:${port}"`,
    `http: "127.0.0.1:${monitorPort}"`,
    // Without a name the server derives one from the ports; fix it so a restart keeps its identity.
    `server_name: "berth-test-${port}"`,
  ];
  if (storeDir) {
    // Default limits are 75% of RAM and disk; keep test servers small.
    lines.push(`jetstream {`, `  store_dir: "${storeDir}"`, `  max_memory_store: 256MB`, `  max_file_store: 1GB`, `}`);
  }
  if (extra) lines.push(extra);
  const file = join(dir, 'nats.conf');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Starts a real nats-server (with JetStream by default) on free loopback ports with a
 * temporary store dir, and resolves once `/healthz?js-enabled-only=true` answers ok.
 * Call `stop()` in an `after` hook; servers still running when the process exits are killed.
 */
export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServer> {
  const bin = findBinary();
  const jetstream = opts.jetstream ?? true;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  hookExit();

  const workDir = mkdtempSync(join(tmpdir(), 'berth-nats-'));
  liveDirs.add(workDir);
  const storeDir = jetstream ? join(workDir, 'jetstream') : '';
  let child: ChildProcess | undefined;
  let port = 0;
  let monitorPort = 0;
  let configFile = '';
  let stopped = false;

  const healthPath = jetstream ? '/healthz?js-enabled-only=true' : '/healthz';

  const launch = async (): Promise<void> => {
    const proc = spawn(bin, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    live.add(proc);
    let log = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      // Keep only the tail: enough to explain a failed start.
      log = (log + chunk.toString()).slice(-4000);
    });
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: Error | undefined;
    proc.once('error', (err) => {
      spawnError = err;
    });
    proc.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(proc);
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (spawnError) {
        const code = (spawnError as NodeJS.ErrnoException).code;
        throw new Error(code === 'ENOENT' ? NOT_FOUND : `nats-server failed to start: ${spawnError.message}`);
      }
      if (exited) {
        throw new Error(
          `nats-server exited during startup (code ${exited.code}, signal ${exited.signal}):\n${log.trim()}`,
        );
      }
      try {
        const res = await fetch(`http://127.0.0.1:${monitorPort}${healthPath}`);
        const body = await res.text();
        if (res.ok && body.includes('ok')) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`nats-server not healthy after ${readyTimeoutMs} ms:\n${log.trim()}`);
      }
      await sleep(10);
    }
  };

  const killChild = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    // SIGTERM exits in well under a second; do not let a stuck server hang the suite.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };

  // Ports are picked, then released, then bound by nats-server: another process may grab
  // one in between, so retry with fresh ports a couple of times.
  for (let attempt = 1; ; attempt++) {
    port = await freeLoopbackPort();
    monitorPort = await freeLoopbackPort();
    if (monitorPort === port) continue;
    configFile = writeConfig(workDir, port, monitorPort, storeDir, opts.config);
    try {
      await launch();
      break;
    } catch (err) {
      await killChild('SIGKILL');
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= 3 || message === NOT_FOUND || !/address already in use/i.test(message)) {
        liveDirs.delete(workDir);
        rmSync(workDir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    storeDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await killChild('SIGTERM');
      liveDirs.delete(workDir);
      rmSync(workDir, { recursive: true, force: true });
    },
    async kill() {
      await killChild('SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('nats-server was stopped; start a new one');
      await killChild('SIGTERM');
      await launch();
    },
  };
}
