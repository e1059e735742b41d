// SPDX-License-Identifier: Apache-2.0
import { randomBytes } from 'node:crypto';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_KIND,
  LABEL_SANDBOX_ID,
  podLabels,
} from './labels';
import { IpPool } from './ip-pool';
import {
  ImagePullError,
  type ContainerConfig,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerStats,
  type ExecOptions,
  type ExecResult,
  type ExecSession,
  type ImageInfo,
  type LogChunk,
  type LogOptions,
  type SandboxConfig,
  type SandboxInfo,
} from './runtime';

/** How a simulated container's process behaves once started. */
export interface ProcessBehavior {
  /** Exit by itself this many ms after start (undefined: runs until stopped). */
  exitAfterMs?: number;
  exitCode?: number;
  oomKilled?: boolean;
  /** Lines written to stdout at start. */
  output?: string[];
  /** startContainer fails with this message (e.g. a missing executable). */
  startError?: string;
}

export interface MemoryRuntimeOptions {
  /** Pod CIDR for sandbox IPs; default 10.244.0.0/24. */
  podCidr?: string;
  /** Images present from the start. */
  images?: string[];
  /** Whether an image can be pulled; default: anything whose tag is not "does-not-exist". */
  pullable?: (image: string) => boolean;
  /** How a container behaves when started; default: runs until stopped. */
  behavior?: (config: ContainerConfig, sandbox: SandboxInfo) => ProcessBehavior | undefined;
  /** Answers exec calls (exec probes, kubectl exec); default: exit 0, no output. */
  execHandler?: (container: ContainerInfo, command: string[]) => { exitCode: number; output?: string };
  /**
   * Runs exec sessions as streams (kubectl exec -i/-t): reads stdin, writes stdout and
   * stderr as it goes, resolves with the exit code. Returning undefined leaves the command
   * to execHandler. execSync (exec probes, lifecycle hooks) runs it too, to completion or
   * its timeout, with stdout and stderr as one output.
   */
  interactiveExec?: (container: ContainerInfo, command: string[], io: MemoryExecIo) => Promise<number> | undefined;
  /** Simulated latency of pulls, in ms (default 0). */
  pullDelayMs?: number;
}

/** What an interactiveExec handler sees of its session. */
export interface MemoryExecIo {
  /** The bytes written to stdin; ends when stdin is closed (at once when it is not attached). */
  stdin: AsyncIterable<Uint8Array>;
  stdout(data: string | Uint8Array): void;
  stderr(data: string | Uint8Array): void;
  tty: boolean;
  /** Every terminal size set so far, the latest last. */
  sizes: Array<{ cols: number; rows: number }>;
  /** Aborts when the session is closed (the process is then killed: exit code 137). */
  signal: AbortSignal;
}

interface MemContainer {
  info: ContainerInfo;
  config: ContainerConfig;
  logs: Array<{ at: Date; chunk: LogChunk }>;
  timer?: NodeJS.Timeout;
  usage: SimulatedUsage;
  /** Kills of the exec sessions in progress: a process that ends takes its execs with it. */
  sessions: Set<() => void>;
}

/** What a simulated container consumes while it runs (see MemoryRuntime.setUsage). */
interface SimulatedUsage {
  cpuMillicores: number;
  memoryWorkingSetBytes: number;
  /** CPU time used up to `since` (ms since the epoch); the rate applies after it while running. */
  cpuNanos: number;
  since: number;
}

interface MemSandbox {
  info: SandboxInfo;
  config: SandboxConfig;
}

/**
 * MemoryRuntime is a ContainerRuntime that runs nothing: containers are records whose
 * state changes when the kubelet starts or stops them, when a scripted behaviour says so,
 * or when a test calls `exit` / `killSandbox`. Used by kubelet unit tests and hollow nodes.
 */
export class MemoryRuntime implements ContainerRuntime {
  private readonly sandboxes = new Map<string, MemSandbox>();
  private readonly containers = new Map<string, MemContainer>();
  private readonly images = new Map<string, ImageInfo>();
  private readonly listeners = new Set<(podUid: string) => void>();
  private readonly ips: IpPool;
  /** Every call, as "verb arg" strings, for tests that assert what the kubelet did. */
  readonly calls: string[] = [];
  /** The same calls with the time each was made (ms since the epoch), for tests of order and timing. */
  readonly timeline: Array<{ at: number; call: string }> = [];

  constructor(private readonly opts: MemoryRuntimeOptions = {}) {
    this.ips = new IpPool(opts.podCidr ?? '10.244.0.0/24');
    for (const img of opts.images ?? []) this.addImage(img);
  }

  // ---- test hooks ----

  /** Makes an image present. */
  addImage(ref: string): ImageInfo {
    const info: ImageInfo = { ref, id: `sha256:${hashOf(ref)}`, sizeBytes: 1 << 20 };
    this.images.set(ref, info);
    return info;
  }

  /** Ends a running container's process as if it exited by itself. */
  exit(id: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const c = this.mustContainer(id);
    if (c.info.state !== 'running') return;
    this.finish(c, exitCode, opts.oomKilled ?? false);
  }

  /**
   * Sets what a container consumes from now on: CPU in millicores (its cumulative CPU time
   * grows at that rate while it runs) and its memory working set. Default: 1m and 4 MiB.
   */
  setUsage(id: string, usage: { cpuMillicores?: number; memoryWorkingSetBytes?: number }): void {
    const c = this.mustContainer(id);
    settleUsage(c, Date.now());
    if (usage.cpuMillicores !== undefined) c.usage.cpuMillicores = usage.cpuMillicores;
    if (usage.memoryWorkingSetBytes !== undefined) c.usage.memoryWorkingSetBytes = usage.memoryWorkingSetBytes;
  }

  /** The newest running container of a pod's named container. */
  running(podUid: string, name: string): ContainerInfo | undefined {
    return [...this.containers.values()]
      .map((c) => c.info)
      .filter((c) => c.pod.uid === podUid && c.name === name && c.state === 'running')
      .sort((a, b) => b.attempt - a.attempt)[0];
  }

  /** Kills a pod's pause container (the sandbox dies, its containers lose the network). */
  killSandbox(podUid: string): void {
    for (const s of this.sandboxes.values()) {
      if (s.info.pod.uid === podUid && s.info.state === 'ready') {
        s.info.state = 'notready';
        this.ips.release(s.info.ip);
        this.notify(podUid);
      }
    }
  }

  // ---- ContainerRuntime ----

  async version(): Promise<{ name: string; version: string }> {
    return { name: 'memory', version: '0.1.0' };
  }

  async ping(): Promise<void> {}

  async runSandbox(config: SandboxConfig): Promise<SandboxInfo> {
    this.record(`runSandbox ${config.pod.namespace}/${config.pod.name}${config.singleContainer ? ' (single container)' : ''}`);
    const id = newId();
    const info: SandboxInfo = {
      id,
      pod: { ...config.pod },
      attempt: config.attempt,
      state: 'ready',
      ip: this.ips.allocate(),
      createdAt: new Date(),
      labels: { ...config.labels, ...podLabels(config.pod), [LABEL_KIND]: 'sandbox' },
    };
    this.sandboxes.set(id, { info, config });
    this.notify(config.pod.uid);
    return structuredClone(info);
  }

  async stopSandbox(id: string): Promise<void> {
    this.record(`stopSandbox ${id}`);
    const s = this.sandboxes.get(id);
    if (!s || s.info.state !== 'ready') return;
    s.info.state = 'notready';
    this.ips.release(s.info.ip);
    this.notify(s.info.pod.uid);
  }

  async removeSandbox(id: string): Promise<void> {
    this.record(`removeSandbox ${id}`);
    const s = this.sandboxes.get(id);
    if (!s) return;
    if (s.info.state === 'ready') this.ips.release(s.info.ip);
    this.sandboxes.delete(id);
  }

  async listSandboxes(filter: { podUid?: string } = {}): Promise<SandboxInfo[]> {
    return [...this.sandboxes.values()]
      .filter((s) => !filter.podUid || s.info.pod.uid === filter.podUid)
      .map((s) => ({ ...structuredClone(s.info), ip: s.info.state === 'ready' ? s.info.ip : '' }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.record(`createContainer ${config.name}#${config.attempt}`);
    const s = this.sandboxes.get(sandboxId);
    if (!s) throw new Error(`no such sandbox ${sandboxId}`);
    const image = this.images.get(config.image);
    if (!image) throw new Error(`No such image: ${config.image}`);
    const id = newId();
    const info: ContainerInfo = {
      id,
      sandboxId,
      pod: { ...s.info.pod },
      name: config.name,
      attempt: config.attempt,
      image: config.image,
      imageRef: image.id,
      state: 'created',
      exitCode: 0,
      oomKilled: false,
      createdAt: new Date(),
      labels: {
        ...config.labels,
        ...podLabels(s.info.pod),
        [LABEL_CONTAINER_NAME]: config.name,
        [LABEL_ATTEMPT]: String(config.attempt),
        [LABEL_SANDBOX_ID]: sandboxId,
        [LABEL_KIND]: 'container',
      },
    };
    this.containers.set(id, { info, config: structuredClone(config), logs: [], usage: { cpuMillicores: 1, memoryWorkingSetBytes: 4 << 20, cpuNanos: 0, since: 0 }, sessions: new Set() });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.mustContainer(id);
    this.record(`startContainer ${c.info.name}#${c.info.attempt}`);
    const sandbox = this.sandboxes.get(c.info.sandboxId);
    const behavior = sandbox ? this.opts.behavior?.(c.config, sandbox.info) : undefined;
    if (behavior?.startError) {
      c.info.state = 'exited';
      c.info.exitCode = 128;
      c.info.error = behavior.startError;
      c.info.finishedAt = new Date();
      this.notify(c.info.pod.uid);
      throw new Error(behavior.startError);
    }
    c.info.state = 'running';
    c.info.startedAt = new Date();
    c.usage.since = c.info.startedAt.getTime();
    for (const line of behavior?.output ?? []) {
      c.logs.push({ at: new Date(), chunk: { stream: 'stdout', data: Buffer.from(line + '\n') } });
    }
    if (behavior?.exitAfterMs !== undefined) {
      c.timer = setTimeout(() => this.finish(c, behavior.exitCode ?? 0, behavior.oomKilled ?? false), behavior.exitAfterMs);
      c.timer.unref();
    }
    this.notify(c.info.pod.uid);
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const c = this.mustContainer(id);
    this.record(`stopContainer ${c.info.name}#${c.info.attempt} grace=${graceSeconds}`);
    if (c.info.state === 'running') this.finish(c, 143, false);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.record(`removeContainer ${c.info.name}#${c.info.attempt}`);
    clearTimeout(c.timer);
    this.containers.delete(id);
  }

  async listContainers(filter: { podUid?: string } = {}): Promise<ContainerInfo[]> {
    return [...this.containers.values()]
      .filter((c) => !filter.podUid || c.info.pod.uid === filter.podUid)
      .map((c) => structuredClone(c.info));
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    return structuredClone(this.mustContainer(id).info);
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<LogChunk> {
    const c = this.mustContainer(id);
    let entries = c.logs.filter((e) => !options.since || e.at >= options.since);
    if (options.tail !== undefined) entries = entries.slice(Math.max(0, entries.length - options.tail));
    for (const e of entries) {
      yield options.timestamps
        ? { stream: e.chunk.stream, data: Buffer.concat([Buffer.from(e.at.toISOString() + ' '), e.chunk.data]) }
        : e.chunk;
    }
  }

  async exec(id: string, options: ExecOptions): Promise<ExecSession> {
    const c = this.mustContainer(id);
    this.record(`exec ${c.info.name}#${c.info.attempt} ${options.command.join(' ')}`);
    const session = this.interactiveSession(c, options);
    if (session) return session;
    const r = this.runExec(c, options.command);
    const chunks: LogChunk[] = r.output ? [{ stream: 'stdout', data: Buffer.from(r.output) }] : [];
    return {
      output: (async function* () {
        yield* chunks;
      })(),
      write: async () => {},
      closeStdin: () => {},
      resize: async () => {},
      exitCode: Promise.resolve(r.exitCode),
      close: () => {},
    };
  }

  async execSync(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const c = this.mustContainer(id);
    this.record(`exec ${c.info.name}#${c.info.attempt} ${command.join(' ')}`);
    const session = this.interactiveSession(c, { command });
    if (!session) {
      const r = this.runExec(c, command);
      return { exitCode: r.exitCode, output: r.output ?? '', timedOut: false };
    }
    let output = '';
    const reading = (async () => {
      for await (const chunk of session.output) output += Buffer.from(chunk.data).toString();
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all([reading, session.exitCode]).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      session.close();
      return { exitCode: -1, output, timedOut: true };
    }
    return { exitCode: await session.exitCode, output, timedOut: false };
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    return this.images.get(image);
  }

  async pullImage(image: string): Promise<ImageInfo> {
    this.record(`pullImage ${image}`);
    if (this.opts.pullDelayMs) await new Promise((r) => setTimeout(r, this.opts.pullDelayMs));
    const pullable = this.opts.pullable ?? ((ref: string) => !ref.endsWith(':does-not-exist'));
    if (!pullable(image)) {
      const repo = image.split(':')[0] ?? image;
      throw new ImagePullError(image, `pull access denied for ${repo}, repository does not exist or may require 'docker login'`);
    }
    return this.images.get(image) ?? this.addImage(image);
  }

  async stats(id: string): Promise<ContainerStats> {
    const c = this.mustContainer(id);
    // One clock reading for both, so two samples give exactly the simulated rate.
    const now = Date.now();
    const running = c.info.state === 'running';
    return { cpuUsageNanos: cpuNanosAt(c, now), memoryWorkingSetBytes: running ? c.usage.memoryWorkingSetBytes : 0, timestamp: new Date(now) };
  }

  subscribe(listener: (podUid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals ----

  /** An exec session run by opts.interactiveExec, when it takes the command. */
  private interactiveSession(c: MemContainer, options: ExecOptions): ExecSession | undefined {
    if (!this.opts.interactiveExec) return undefined;
    if (c.info.state !== 'running') throw new Error(`container ${c.info.id} is not running`);
    const output = new Channel<LogChunk>();
    const stdin = new Channel<Uint8Array>();
    if (!options.stdin) stdin.close();
    const ac = new AbortController();
    const bytes = (d: string | Uint8Array): Uint8Array => (typeof d === 'string' ? Buffer.from(d) : d);
    const io: MemoryExecIo = {
      stdin,
      // A terminal has one output stream, as in Docker.
      stdout: (d) => output.push({ stream: 'stdout', data: bytes(d) }),
      stderr: (d) => output.push({ stream: options.tty ? 'stdout' : 'stderr', data: bytes(d) }),
      tty: options.tty ?? false,
      sizes: [],
      signal: ac.signal,
    };
    const run = this.opts.interactiveExec(structuredClone(c.info), [...options.command], io);
    if (!run) return undefined;
    const killed = new Promise<number>((resolve) => ac.signal.addEventListener('abort', () => resolve(137), { once: true }));
    const kill = (): void => {
      stdin.close();
      ac.abort();
    };
    c.sessions.add(kill);
    const exitCode = Promise.race([
      run.catch((err: unknown) => {
        io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
        return 126;
      }),
      killed,
    ]).finally(() => {
      c.sessions.delete(kill);
      output.close();
    });
    return {
      output,
      write: async (d) => {
        if (options.stdin) await stdin.push(d);
      },
      closeStdin: () => stdin.close(),
      resize: async (cols, rows) => {
        io.sizes.push({ cols, rows });
      },
      exitCode,
      close: kill,
    };
  }

  private runExec(c: MemContainer, command: string[]): { exitCode: number; output?: string } {
    if (c.info.state !== 'running') throw new Error(`container ${c.info.id} is not running`);
    return this.opts.execHandler?.(structuredClone(c.info), command) ?? { exitCode: 0 };
  }

  private record(call: string): void {
    this.calls.push(call);
    this.timeline.push({ at: Date.now(), call });
  }

  private finish(c: MemContainer, exitCode: number, oomKilled: boolean): void {
    clearTimeout(c.timer);
    for (const kill of [...c.sessions]) kill();
    settleUsage(c, Date.now());
    c.info.state = 'exited';
    c.info.exitCode = exitCode;
    c.info.oomKilled = oomKilled;
    c.info.finishedAt = new Date();
    this.notify(c.info.pod.uid);
  }

  private mustContainer(id: string): MemContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return c;
  }

  private notify(podUid: string): void {
    for (const l of this.listeners) queueMicrotask(() => l(podUid));
  }
}

/** A simulated container's cumulative CPU time at `now`: 1 millicore is 1000 ns of CPU per ms. */
function cpuNanosAt(c: MemContainer, now: number): number {
  const running = c.info.state === 'running';
  return c.usage.cpuNanos + (running ? Math.max(0, now - c.usage.since) * c.usage.cpuMillicores * 1000 : 0);
}

/** Books the CPU time used so far, before the rate or the state changes. */
function settleUsage(c: MemContainer, now: number): void {
  c.usage.cpuNanos = cpuNanosAt(c, now);
  c.usage.since = now;
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

function hashOf(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0').repeat(8);
}

/** An unbounded queue read as an async iterable (one reader); close() ends it after what is queued. */
class Channel<T> implements AsyncIterable<T> {
  private readonly items: Array<{ item: T; taken: () => void }> = [];
  private closed = false;
  private wake?: () => void;

  /** Queues an item; resolves when the reader has taken it (or the channel closed). */
  push(item: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((taken) => {
      this.items.push({ item, taken });
      this.notify();
    });
  }

  /** No more items; the reader still gets those queued, and no pusher waits any longer. */
  close(): void {
    this.closed = true;
    for (const e of this.items) e.taken();
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const e = this.items.shift();
      if (e) {
        e.taken();
        yield e.item;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
