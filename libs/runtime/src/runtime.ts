// SPDX-License-Identifier: Apache-2.0
/**
 * The container runtime seam: everything the kubelet asks of a container engine. Two
 * implementations: DockerRuntime (@berth/runtime-docker, real containers through dockerode)
 * and MemoryRuntime (./memory-runtime, for unit tests and hollow nodes).
 *
 * A pod is a sandbox (the pause container: it owns the network namespace, the pod IP,
 * hostname, /etc/hosts and resolv.conf) plus containers that join its namespaces; a pod of
 * one container may have a sandbox without a pause container (SandboxConfig.singleContainer). Every
 * container carries labels (./labels) so a restarted kubelet can rebuild its state from the
 * runtime alone.
 */

/** Identifies the pod a sandbox or container belongs to. */
export interface PodRef {
  uid: string;
  name: string;
  namespace: string;
}

/** What the kubelet wants from a pod sandbox. */
export interface SandboxConfig {
  pod: PodRef;
  /** Sandbox generation: bumped when a dead sandbox is recreated. */
  attempt: number;
  hostname: string;
  dnsServers: string[];
  dnsSearches: string[];
  dnsOptions: string[];
  /** Extra /etc/hosts lines as "ip hostname". */
  extraHosts?: string[];
  /** Stored as labels for the runtime's own bookkeeping (e.g. a hash of the pod spec). */
  labels?: Record<string, string>;
  /**
   * The pod has exactly one container and no init containers. A runtime may then let that
   * container hold the pod's namespaces itself instead of a pause container (DockerRuntime
   * does: one container per pod, as Docker Swarm runs a task, which halves the containers
   * dockerd starts and stops). The pod IP stays the sandbox's across container restarts.
   */
  singleContainer?: boolean;
}

export type SandboxState = 'ready' | 'notready';

/** A sandbox as the runtime sees it. */
export interface SandboxInfo {
  id: string;
  pod: PodRef;
  attempt: number;
  state: SandboxState;
  /** The pod IP (empty when the sandbox is not running). */
  ip: string;
  createdAt: Date;
  labels: Record<string, string>;
}

/** A bind mount from the host into a container. */
export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

/** What the kubelet wants from one container of a pod. */
export interface ContainerConfig {
  /** The container's name in the pod spec. */
  name: string;
  /** 0 for the first run, +1 for every restart. */
  attempt: number;
  image: string;
  /** Overrides the image's entrypoint (pod spec `command`). */
  command?: string[];
  /** Overrides the image's cmd (pod spec `args`). */
  args?: string[];
  env: Array<{ name: string; value: string }>;
  workingDir?: string;
  mounts: Mount[];
  /** tmpfs mounts (emptyDir medium: Memory): container path → options. */
  tmpfs?: Record<string, string>;
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  memoryLimitBytes?: number;
  /** CPU limit in billionths of a CPU (Docker NanoCpus). */
  nanoCpus?: number;
  /** Relative CPU weight from requests.cpu (Docker CpuShares). */
  cpuShares?: number;
  /** Extra labels (e.g. hash of the container spec, init container marker). */
  labels?: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** A container as the runtime sees it (Docker's inspect, trimmed to what the kubelet uses). */
export interface ContainerInfo {
  id: string;
  sandboxId: string;
  pod: PodRef;
  /** The container's name in the pod spec. */
  name: string;
  attempt: number;
  image: string;
  /** Digest-like reference of the image actually run (imageID in the pod status). */
  imageRef: string;
  state: ContainerState;
  exitCode: number;
  oomKilled: boolean;
  /** Runtime error text when the container could not start. */
  error?: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  labels: Record<string, string>;
}

/** Options of a log read (kubectl logs). */
export interface LogOptions {
  follow?: boolean;
  /** Last N lines only. */
  tail?: number;
  timestamps?: boolean;
  /** Only lines newer than this. */
  since?: Date;
  signal?: AbortSignal;
}

/** One piece of a container's output. */
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/** Options of an exec session (kubectl exec). */
export interface ExecOptions {
  command: string[];
  stdin?: boolean;
  tty?: boolean;
}

/** A running exec: write to stdin, resize the terminal, read the output, await the exit code. */
export interface ExecSession {
  output: AsyncIterable<LogChunk>;
  /** Resolves once the runtime has taken the data (so a writer can go no faster than the command reads). */
  write(data: Uint8Array): Promise<void>;
  closeStdin(): void;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the command's exit code once it ends. */
  exitCode: Promise<number>;
  /** Kills the session (best effort). */
  close(): void;
}

/** Result of a short exec (exec probes). */
export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

/** An image present on the node. */
export interface ImageInfo {
  /** The reference asked for (e.g. "mongo:3.3"). */
  ref: string;
  /** The image id (sha256:...). */
  id: string;
  sizeBytes: number;
}

/** One-shot resource usage of a container. */
export interface ContainerStats {
  /** Cumulative CPU time in nanoseconds (CPU% needs two samples). */
  cpuUsageNanos: number;
  /** Working set in bytes (usage minus inactive file cache). */
  memoryWorkingSetBytes: number;
  timestamp: Date;
}

/** The error a pull fails with; `reason` becomes the container's waiting reason. */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  readonly reason = 'ErrImagePull';
  constructor(
    readonly image: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the kubelet drives. All ids are the runtime's own. */
export interface ContainerRuntime {
  /** e.g. { name: 'docker', version: '20.10.24' } (nodeInfo.containerRuntimeVersion = name://version). */
  version(): Promise<{ name: string; version: string }>;
  /** Throws when the runtime does not answer; cheap enough for a health check every few seconds. */
  ping(): Promise<void>;

  /** Creates and starts a pause container holding the pod's namespaces, with a pod IP. */
  runSandbox(config: SandboxConfig): Promise<SandboxInfo>;
  /** Stops the sandbox (after its containers), releasing its IP. */
  stopSandbox(id: string): Promise<void>;
  removeSandbox(id: string): Promise<void>;
  /** Every sandbox this runtime manages (running or not), optionally of one pod. */
  listSandboxes(filter?: { podUid?: string }): Promise<SandboxInfo[]>;

  /** Creates (not starts) a container inside a sandbox; returns its id. */
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after graceSeconds. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** Every managed container (any state), optionally of one pod. */
  listContainers(filter?: { podUid?: string }): Promise<ContainerInfo[]>;
  inspectContainer(id: string): Promise<ContainerInfo>;

  logs(id: string, options: LogOptions): AsyncIterable<LogChunk>;
  exec(id: string, options: ExecOptions): Promise<ExecSession>;
  /** Runs a command to completion with a timeout (exec probes). */
  execSync(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;

  /** The image if present on the node. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /** Pulls an image; throws ImagePullError quickly when it cannot be had. */
  pullImage(image: string): Promise<ImageInfo>;

  stats(id: string): Promise<ContainerStats>;

  /**
   * Calls `listener` with the pod uid whenever one of the pod's containers or its sandbox
   * changes state (start, die, OOM), so the kubelet reacts without waiting for its relist.
   * Returns the unsubscribe function.
   */
  subscribe(listener: (podUid: string) => void): () => void;
}
