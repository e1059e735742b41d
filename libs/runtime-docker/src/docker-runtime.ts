// SPDX-License-Identifier: Apache-2.0
import Docker from 'dockerode';
import { type Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  IpPool,
  ImagePullError,
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_KIND,
  LABEL_MANAGED_BY,
  LABEL_POD_UID,
  LABEL_SANDBOX_ID,
  containerRuntimeName,
  podLabels,
  podRefFromLabels,
  sandboxRuntimeName,
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
  type PodRef,
  type SandboxConfig,
  type SandboxInfo,
} from '@berth/runtime';
import { demuxDockerStream, rawStream } from './demux';
import { InlineSandboxes } from './inline-sandboxes';

export interface DockerRuntimeOptions {
  /** dockerd's unix socket; default /var/run/docker.sock. */
  socketPath?: string;
  /** Labels every container with this node name, and lists only this node's containers. */
  nodeName: string;
  /** The node's pod CIDR (e.g. 10.244.1.0/24): the subnet of the node's docker network. */
  podCidr: string;
  /** Docker network for the node's pods; default berth-<nodeName>. */
  networkName?: string;
  /** Linux bridge name (≤ 15 chars); default derived from the network name. */
  bridgeName?: string;
  /** The sandbox image; default berth/pause:3.9. */
  pauseImage?: string;
  /** Try registries for missing images. Off by default: the project has no registry. */
  allowPull?: boolean;
  /**
   * Where each sandbox's /etc/hosts and /etc/resolv.conf are written (bind-mounted into its
   * containers, since Docker's user-defined networks would otherwise point resolv.conf at
   * its embedded 127.0.0.11). Default /var/lib/berth/runtime/<nodeName>.
   */
  stateDir?: string;
}

const NS = 1e9;

/**
 * DockerRuntime runs pods as Docker containers: one pause container per pod on the node's
 * user-defined bridge network with a static IP from the pod CIDR, and the pod's containers
 * joined to its network and IPC namespaces (infra-notes §3). A pod of one container has no
 * pause container: that container is on the network itself (InlineSandboxes). The only
 * importer of dockerode.
 */
export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  readonly network: string;
  private readonly ips: IpPool;
  private readonly pauseImage: string;
  private readonly inspectCache = new Map<string, { state: string; info: ContainerInfo }>();
  /** Each sandbox's pod, so creating a container in it needs no inspect. */
  private readonly sandboxPods = new Map<string, PodRef>();
  private readonly listeners = new Set<(podUid: string) => void>();
  /** Containers with an event since their last inspect: dockerd's list may lag behind its events. */
  private readonly dirty = new Set<string>();
  private readonly inline: InlineSandboxes;
  private eventsAbort?: AbortController;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
    this.network = opts.networkName ?? `berth-${opts.nodeName}`;
    this.ips = new IpPool(opts.podCidr);
    this.pauseImage = opts.pauseImage ?? 'berth/pause:3.9';
    this.inline = new InlineSandboxes(this.stateRoot());
  }

  /**
   * Creates the node's pod network if missing (fails if it exists with another subnet), and
   * reserves the IPs of sandboxes that already run (kubelet restart).
   */
  async init(): Promise<void> {
    const net = this.docker.getNetwork(this.network);
    let existing: Docker.NetworkInspectInfo | undefined;
    try {
      existing = await net.inspect();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    if (existing) {
      const subnet = existing.IPAM?.Config?.[0]?.Subnet;
      if (subnet !== this.ips.cidr) {
        throw new Error(`docker network ${this.network} has subnet ${subnet}, want ${this.ips.cidr}; remove it or pick another --pod-cidr`);
      }
    } else {
      const bridge = this.opts.bridgeName ?? `br-${this.opts.nodeName}`.slice(0, 15);
      await this.docker.createNetwork({
        Name: this.network,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: this.ips.cidr, Gateway: this.ips.gateway() }] },
        Options: {
          'com.docker.network.bridge.name': bridge,
          // Pod IPs stay visible end to end (infra-notes §5c); the cluster network adds NAT for egress.
          'com.docker.network.bridge.enable_ip_masquerade': 'false',
        },
        Labels: { [LABEL_MANAGED_BY]: this.opts.nodeName },
      });
    }
    await this.inline.load();
    for (const s of await this.listSandboxes()) if (s.state === 'ready' && s.ip) this.ips.reserve(s.ip);
    this.watchEvents();
  }

  /** Stops the docker event subscription. */
  close(): void {
    this.eventsAbort?.abort();
  }

  /** Removes the node's pod network (tests; every container on it must be gone). */
  async removeNetwork(): Promise<void> {
    try {
      await this.docker.getNetwork(this.network).remove();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async version(): Promise<{ name: string; version: string }> {
    const v = await this.docker.version();
    return { name: 'docker', version: v.Version };
  }

  /** GET /_ping: `docker version` would make dockerd run runc and docker-init to ask theirs. */
  async ping(): Promise<void> {
    await this.docker.ping();
  }

  // ---- sandboxes ----

  async runSandbox(config: SandboxConfig): Promise<SandboxInfo> {
    if (config.singleContainer) return this.runInlineSandbox(config);
    const name = sandboxRuntimeName(config.pod, config.attempt);
    const ip = this.ips.allocate();
    try {
      const c = await this.createReplacing(name, {
        name,
        Image: this.pauseImage,
        Hostname: podHostname(config.hostname),
        Labels: {
          ...config.labels,
          ...podLabels(config.pod),
          [LABEL_MANAGED_BY]: this.opts.nodeName,
          [LABEL_KIND]: 'sandbox',
          [LABEL_ATTEMPT]: String(config.attempt),
        },
        HostConfig: { NetworkMode: this.network, IpcMode: 'shareable', ...dnsHostConfig(config) },
        NetworkingConfig: { EndpointsConfig: { [this.network]: { IPAMConfig: { IPv4Address: ip } } } },
      });
      await c.start();
      const info = await c.inspect();
      const sandbox = this.sandboxFromInspect(info);
      await this.writeSandboxFiles(sandbox.id, config, sandbox.ip);
      this.sandboxPods.set(sandbox.id, sandbox.pod);
      return sandbox;
    } catch (err) {
      this.ips.release(ip);
      throw err;
    }
  }

  /** A sandbox of a single-container pod: an IP, its hosts and resolv.conf, and a record; no container. */
  private async runInlineSandbox(config: SandboxConfig): Promise<SandboxInfo> {
    const ip = this.ips.allocate();
    try {
      const id = randomBytes(32).toString('hex');
      const sandbox = { id, config, ip, ready: true, createdAt: new Date().toISOString() };
      await this.writeSandboxFiles(id, config, ip);
      await this.inline.save(sandbox);
      return InlineSandboxes.info(sandbox);
    } catch (err) {
      this.ips.release(ip);
      throw err;
    }
  }

  async stopSandbox(id: string): Promise<void> {
    const inline = this.inline.get(id);
    if (inline) {
      // Released once: a second stop must not free an IP another pod has taken since.
      if (!inline.ready) return;
      await this.inline.save({ ...inline, ready: false });
      this.ips.release(inline.ip);
      return;
    }
    const c = this.docker.getContainer(id);
    let ip = '';
    try {
      ip = (await c.inspect()).NetworkSettings.Networks[this.network]?.IPAddress ?? '';
      await c.stop({ t: 2 });
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 304) throw err;
    }
    if (ip) this.ips.release(ip);
  }

  async removeSandbox(id: string): Promise<void> {
    this.sandboxPods.delete(id);
    await this.stopSandbox(id);
    if (this.inline.get(id)) await this.inline.delete(id);
    else await this.removeContainer(id);
    await rm(this.sandboxDir(id), { recursive: true, force: true });
  }

  private stateRoot(): string {
    return this.opts.stateDir ?? `/var/lib/berth/runtime/${this.opts.nodeName}`;
  }

  private sandboxDir(id: string): string {
    return join(this.stateRoot(), id);
  }

  /** The pod's hosts file and resolv.conf, as the kubelet writes them. */
  private async writeSandboxFiles(id: string, config: SandboxConfig, ip: string): Promise<void> {
    const dir = this.sandboxDir(id);
    await mkdir(dir, { recursive: true });
    const hostname = podHostname(config.hostname);
    const hosts = [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      `${ip}\t${hostname}`,
      ...(config.extraHosts ?? []).map((l) => l.replace(/\s+/, '\t')),
    ];
    const resolv = [
      ...(config.dnsSearches.length ? [`search ${config.dnsSearches.join(' ')}`] : []),
      ...config.dnsServers.map((s) => `nameserver ${s}`),
      ...(config.dnsOptions.length ? [`options ${config.dnsOptions.join(' ')}`] : []),
    ];
    await writeFile(join(dir, 'hosts'), hosts.join('\n') + '\n');
    await writeFile(join(dir, 'resolv.conf'), resolv.join('\n') + '\n');
  }

  async listSandboxes(filter: { podUid?: string } = {}): Promise<SandboxInfo[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: this.labelFilter('sandbox', filter.podUid) } });
    const inline = this.inline.list(filter.podUid).map((s) => InlineSandboxes.info(s));
    return inline.concat(list.map((c) => {
      const labels = c.Labels ?? {};
      const running = c.State === 'running';
      return {
        id: c.Id,
        pod: podRefFromLabels(labels),
        attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
        state: running ? 'ready' : 'notready',
        ip: running ? (c.NetworkSettings?.Networks?.[this.network]?.IPAddress ?? '') : '',
        createdAt: new Date(c.Created * 1000),
        labels,
      } satisfies SandboxInfo;
    }));
  }

  private sandboxFromInspect(info: Docker.ContainerInspectInfo): SandboxInfo {
    const labels = info.Config.Labels ?? {};
    return {
      id: info.Id,
      pod: podRefFromLabels(labels),
      attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
      state: info.State.Running ? 'ready' : 'notready',
      ip: info.NetworkSettings.Networks[this.network]?.IPAddress ?? '',
      createdAt: new Date(info.Created),
      labels,
    };
  }

  // ---- containers ----

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const inline = this.inline.get(sandboxId);
    let pod = inline?.config.pod ?? this.sandboxPods.get(sandboxId);
    if (!pod) {
      pod = podRefFromLabels((await this.docker.getContainer(sandboxId).inspect()).Config.Labels ?? {});
      this.sandboxPods.set(sandboxId, pod);
    }
    const name = containerRuntimeName(pod, config.name, config.attempt);
    const c = await this.createReplacing(name, {
      name,
      Image: config.image,
      Entrypoint: config.command && config.command.length > 0 ? config.command : undefined,
      Cmd: config.args && config.args.length > 0 ? config.args : undefined,
      Env: config.env.map((e) => `${e.name}=${e.value}`),
      WorkingDir: config.workingDir || undefined,
      Tty: config.tty ?? false,
      OpenStdin: config.stdin ?? false,
      StdinOnce: config.stdinOnce ?? false,
      AttachStdin: false,
      Labels: {
        ...config.labels,
        ...podLabels(pod),
        [LABEL_MANAGED_BY]: this.opts.nodeName,
        [LABEL_KIND]: 'container',
        [LABEL_CONTAINER_NAME]: config.name,
        [LABEL_ATTEMPT]: String(config.attempt),
        [LABEL_SANDBOX_ID]: sandboxId,
      },
      // A single-container pod's container is on the network itself, with its sandbox's IP and hostname.
      ...(inline && {
        Hostname: podHostname(inline.config.hostname),
        NetworkingConfig: { EndpointsConfig: { [this.network]: { IPAMConfig: { IPv4Address: inline.ip } } } },
      }),
      HostConfig: {
        ...(inline ? { NetworkMode: this.network, ...dnsHostConfig(inline.config) } : { NetworkMode: `container:${sandboxId}`, IpcMode: `container:${sandboxId}` }),
        Binds: [
          `${join(this.sandboxDir(sandboxId), 'hosts')}:/etc/hosts`,
          `${join(this.sandboxDir(sandboxId), 'resolv.conf')}:/etc/resolv.conf`,
          ...config.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
        ],
        Tmpfs: config.tmpfs,
        Memory: config.memoryLimitBytes ?? 0,
        // Without swap accounting limits, Docker allows memory+swap = 2×Memory; the book expects OOM at the limit.
        MemorySwap: config.memoryLimitBytes ? config.memoryLimitBytes : undefined,
        NanoCpus: config.nanoCpus ?? 0,
        CpuShares: config.cpuShares ?? 0,
        LogConfig: { Type: 'json-file', Config: {} },
      },
    });
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceSeconds)) });
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 304) throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    this.inspectCache.delete(id);
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (statusOf(err) !== 404 && !/already in progress/.test(String(err))) throw err;
    }
  }

  async listContainers(filter: { podUid?: string } = {}): Promise<ContainerInfo[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: this.labelFilter('container', filter.podUid) } });
    const out: ContainerInfo[] = [];
    const seen = new Set<string>();
    await Promise.all(
      list.map(async (c) => {
        seen.add(c.Id);
        // Inspect only containers whose state changed since the last look: a relist of a busy node stays cheap.
        const cached = this.inspectCache.get(c.Id);
        if (cached && cached.state === c.State && c.State !== 'created' && !this.dirty.has(c.Id)) {
          out.push(structuredClone(cached.info));
          return;
        }
        try {
          const info = await this.inspectContainer(c.Id);
          out.push(info);
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }),
    );
    if (!filter.podUid) for (const id of this.inspectCache.keys()) if (!seen.has(id)) this.inspectCache.delete(id);
    return out;
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    this.dirty.delete(id);
    const i = await this.docker.getContainer(id).inspect();
    const labels = i.Config.Labels ?? {};
    const st = i.State;
    const state: ContainerInfo['state'] = st.Running ? 'running' : st.Status === 'created' ? 'created' : st.Status === 'exited' || st.Status === 'dead' ? 'exited' : 'unknown';
    const info: ContainerInfo = {
      id: i.Id,
      sandboxId: labels[LABEL_SANDBOX_ID] ?? '',
      pod: podRefFromLabels(labels),
      name: labels[LABEL_CONTAINER_NAME] ?? '',
      attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
      image: i.Config.Image,
      imageRef: `docker://${i.Image}`,
      state,
      exitCode: st.ExitCode,
      oomKilled: st.OOMKilled,
      error: st.Error || undefined,
      createdAt: new Date(i.Created),
      startedAt: validDate(st.StartedAt),
      finishedAt: validDate(st.FinishedAt),
      labels,
    };
    this.inspectCache.set(id, { state: st.Status, info });
    return structuredClone(info);
  }

  // ---- logs, exec ----

  async *logs(id: string, options: LogOptions): AsyncIterable<LogChunk> {
    const c = this.docker.getContainer(id);
    const info = await c.inspect();
    const common = {
      stdout: true,
      stderr: true,
      timestamps: options.timestamps ?? false,
      tail: options.tail !== undefined ? options.tail : ('all' as unknown as number),
      since: options.since ? Math.floor(options.since.getTime() / 1000) : 0,
    };
    let source: AsyncIterable<Uint8Array | string>;
    if (options.follow) {
      const stream = (await c.logs({ ...common, follow: true })) as unknown as Readable;
      options.signal?.addEventListener('abort', () => stream.destroy(), { once: true });
      source = stream;
    } else {
      const buf = (await c.logs({ ...common, follow: false })) as unknown as Buffer;
      source = (async function* () {
        yield buf;
      })();
    }
    try {
      yield* info.Config.Tty ? rawStream(source) : demuxDockerStream(source);
    } catch (err) {
      if (!options.signal?.aborted) throw err;
    }
  }

  async exec(id: string, options: ExecOptions): Promise<ExecSession> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: options.command,
      AttachStdin: options.stdin ?? false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty ?? false,
    });
    const stream = (await exec.start({ hijack: true, stdin: options.stdin ?? false, Tty: options.tty ?? false })) as unknown as NodeJS.ReadWriteStream & Readable;
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    const exitCode = ended.then(async () => (await exec.inspect()).ExitCode ?? 0);
    return {
      output: options.tty ? rawStream(stream) : demuxDockerStream(stream),
      // The callback runs once the data is flushed to dockerd's socket (or the stream has failed).
      write: (data) => new Promise<void>((resolve) => void stream.write(Buffer.from(data), () => resolve())),
      closeStdin: () => stream.end(),
      resize: async (cols, rows) => {
        await exec.resize({ w: cols, h: rows });
      },
      exitCode,
      close: () => stream.destroy(),
    };
  }

  async execSync(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const session = await this.exec(id, { command });
    let output = '';
    const reading = (async () => {
      for await (const chunk of session.output) if (output.length < 10_240) output += Buffer.from(chunk.data).toString();
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all([reading, session.exitCode]).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      session.close();
      return { exitCode: -1, output, timedOut: true };
    }
    return { exitCode: await session.exitCode, output, timedOut: false };
  }

  // ---- images, stats ----

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(image).inspect();
      return { ref: image, id: i.Id, sizeBytes: i.Size };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async pullImage(image: string): Promise<ImageInfo> {
    const present = await this.imageStatus(image);
    if (present) return present;
    const repo = image.replace(/[:@][^/]*$/, '');
    if (!this.opts.allowPull) {
      // No registry on these machines: fail at once, as a pull of a missing repository would.
      throw new ImagePullError(image, `rpc error: code = Unknown desc = Error response from daemon: pull access denied for ${repo}, repository does not exist or may require 'docker login'`);
    }
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: unknown) => (err ? reject(err) : resolve())));
    } catch (err) {
      throw new ImagePullError(image, `rpc error: code = Unknown desc = ${(err as Error).message}`);
    }
    const got = await this.imageStatus(image);
    if (!got) throw new ImagePullError(image, `image ${image} not found after pull`);
    return got;
  }

  async stats(id: string): Promise<ContainerStats> {
    const s = await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true });
    const mem = s.memory_stats;
    // The kubelet's working set: usage minus inactive page cache (cgroup v1 names it
    // total_inactive_file, v2 inactive_file).
    const memStats = mem.stats as Record<string, number> | undefined;
    const inactive = memStats?.['total_inactive_file'] ?? memStats?.['inactive_file'] ?? 0;
    return {
      cpuUsageNanos: s.cpu_stats.cpu_usage.total_usage,
      memoryWorkingSetBytes: Math.max(0, (mem.usage ?? 0) - inactive),
      timestamp: new Date(s.read),
    };
  }

  // ---- events ----

  subscribe(listener: (podUid: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Follows docker events of this node's containers, reconnecting after failures. */
  private watchEvents(): void {
    if (this.eventsAbort) return;
    const abort = (this.eventsAbort = new AbortController());
    const loop = async (): Promise<void> => {
      while (!abort.signal.aborted) {
        try {
          const stream = (await this.docker.getEvents({
            filters: { type: ['container'], label: [`${LABEL_MANAGED_BY}=${this.opts.nodeName}`], event: ['die', 'oom', 'destroy'] },
          })) as unknown as Readable;
          abort.signal.addEventListener('abort', () => stream.destroy(), { once: true });
          let rest = '';
          for await (const piece of stream) {
            rest += String(piece);
            let nl: number;
            while ((nl = rest.indexOf('\n')) >= 0) {
              const line = rest.slice(0, nl);
              rest = rest.slice(nl + 1);
              try {
                const ev = JSON.parse(line) as { id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
                const cid = ev.Actor?.ID ?? ev.id;
                if (cid) this.dirty.add(cid);
                const uid = ev.Actor?.Attributes?.[LABEL_POD_UID];
                if (uid) for (const l of this.listeners) l(uid);
              } catch {
                // partial or foreign line: ignore
              }
            }
          }
        } catch {
          // dockerd restarting: retry below
        }
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 1000).unref());
      }
    };
    void loop();
  }

  // ---- helpers ----

  private labelFilter(kind: 'sandbox' | 'container', podUid?: string): string[] {
    const f = [`${LABEL_MANAGED_BY}=${this.opts.nodeName}`, `${LABEL_KIND}=${kind}`];
    if (podUid) f.push(`${LABEL_POD_UID}=${podUid}`);
    return f;
  }

  /**
   * Creates a container, replacing a leftover of the same name (a crashed create, a kubelet
   * killed mid-way) when Docker reports the name taken: one call in the usual case.
   */
  private async createReplacing(name: string, spec: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer({ ...spec, name });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      await this.removeByName(name);
      return this.docker.createContainer({ ...spec, name });
    }
  }

  /** Removes a leftover container with this name. */
  private async removeByName(name: string): Promise<void> {
    try {
      await this.docker.getContainer(name).remove({ force: true, v: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}

/** Kubernetes truncates hostnames to 63 characters (a DNS label). */
function podHostname(hostname: string): string {
  return hostname.slice(0, 63).replace(/[-.]+$/, '');
}

/** The sandbox's DNS for Docker (its resolv.conf and hosts are bind-mounted over Docker's own). */
function dnsHostConfig(config: SandboxConfig): Docker.HostConfig {
  return {
    Dns: config.dnsServers,
    DnsSearch: config.dnsSearches,
    DnsOptions: config.dnsOptions,
    ExtraHosts: (config.extraHosts ?? []).flatMap((l) => {
      const [hostIp, ...names] = l.split(/\s+/);
      return names.map((n) => `${n}:${hostIp}`);
    }),
  };
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

function validDate(s: string | undefined): Date | undefined {
  if (!s || s.startsWith('0001-')) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** CPU seconds as Docker NanoCpus. */
export function nanoCpus(cpus: number): number {
  return Math.round(cpus * NS);
}
