// SPDX-License-Identifier: Apache-2.0
import type { UserInfo } from './authorization';
import type { DeleteOptions, KubeObject, ObjectList, WatchEvent } from './object';

/** Which object or collection a request is about (the gRPC ResourceRef). */
export interface ResourceRef {
  group: string;
  version: string;
  /** Plural resource name, e.g. "pods". */
  resource: string;
  /** Empty: cluster-scoped, or all namespaces on list and watch. */
  namespace: string;
  /** Empty for collections. */
  name: string;
  /** "status", "scale", "binding", or empty. */
  subresource: string;
}

/** Who is asking, once authentication exists; also the request's cancellation. */
export interface RequestContext {
  user?: UserInfo;
  /**
   * Who the caller asks to act as (kubectl's --as and --as-group): the authorizing layer
   * checks that the caller may impersonate them, then replaces `user`.
   */
  impersonate?: { user: string; groups: string[] };
  signal?: AbortSignal;
}

export interface BackendWriteOptions {
  dryRun?: boolean;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  fieldManager?: string;
}

export interface BackendListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface BackendWatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface WriteResponse {
  object: KubeObject;
  warnings: string[];
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface ApiResourceInfo {
  name: string;
  singularName: string;
  namespaced: boolean;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
  shortNames: string[];
  categories: string[];
}

/** What `berth logs` asks for. */
export interface PodLogsOptions {
  namespace: string;
  name: string;
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
}

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/** What `berth exec` asks for. */
export interface PodExecOptions {
  namespace: string;
  name: string;
  /** Empty: the pod's only container. */
  container?: string;
  /** The command and its arguments (not run through a shell). */
  command: string[];
  /** Pass stdin to the command (-i); otherwise stdin input is dropped. */
  stdin?: boolean;
  /** Run the command in a terminal (-t): its output is then all stdout. */
  tty?: boolean;
}

/** Input of an exec session: stdin bytes, the end of stdin, a terminal resize. */
export type ExecInput =
  | { type: 'stdin'; data: Uint8Array }
  | { type: 'closeStdin' }
  | { type: 'resize'; cols: number; rows: number };

/** Output of an exec session: stdout and stderr bytes, then one `exit` last. */
export type ExecOutput =
  | { type: 'stdout' | 'stderr'; data: Uint8Array }
  | { type: 'exit'; exitCode: number };

/** Quantities by resource name, as a Kubernetes ResourceList: `{ cpu: '250m', memory: '64Mi' }`. */
export type ResourceUsage = Record<string, string>;

/** A node's usage as metrics.k8s.io/v1beta1 has it (NodeMetrics). */
export interface NodeMetrics {
  apiVersion: 'metrics.k8s.io/v1beta1';
  kind: 'NodeMetrics';
  metadata: { name: string };
  /** RFC 3339: when the usage was measured (the end of the window). */
  timestamp: string;
  /** The window CPU is averaged over, as a duration: "10s", "10.012s". */
  window: string;
  /** `cpu` (cores) and `memory` (working set bytes). */
  usage: ResourceUsage;
}

/** A container's usage inside PodMetrics. */
export interface ContainerMetrics {
  name: string;
  usage: ResourceUsage;
}

/** A pod's usage, per container, as metrics.k8s.io/v1beta1 has it (PodMetrics). */
export interface PodMetrics {
  apiVersion: 'metrics.k8s.io/v1beta1';
  kind: 'PodMetrics';
  metadata: { name: string; namespace: string };
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** What a node's kubelet measured over its last window (NodeProxy.Stats, `berth top`). */
export interface NodeStats {
  /** Absent until the kubelet has two samples. */
  node?: NodeMetrics;
  /** Pods on the node with usage. */
  pods: PodMetrics[];
}

/**
 * ApiBackend is the server side of the API, independent of the transport: the gRPC
 * service (and later a REST facade) translate requests into these calls. Objects are
 * Kubernetes JSON; `body` on create and update may still contain unknown fields, which
 * the backend rejects or drops according to fieldValidation. Failures are StatusErrors.
 */
export interface ApiBackend {
  create(ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<WriteResponse>;
  get(ctx: RequestContext, ref: ResourceRef, opts: { resourceVersion?: string }): Promise<KubeObject>;
  list(ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions): Promise<ObjectList>;
  update(ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<WriteResponse>;
  patch(ctx: RequestContext, ref: ResourceRef, patchType: string, patch: unknown, opts: BackendWriteOptions): Promise<WriteResponse>;
  delete(ctx: RequestContext, ref: ResourceRef, options: DeleteOptions): Promise<KubeObject>;
  deleteCollection(ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions, options: DeleteOptions): Promise<ObjectList>;
  /** Ends when ctx.signal aborts or the timeout passes. May throw an Expired StatusError before the first event. */
  watch(ctx: RequestContext, ref: ResourceRef, opts: BackendWatchOptions): AsyncIterable<WatchEvent>;
  version(): VersionInfo;
  resources(): ApiResourceInfo[];
  /** Container logs from the pod's node; absent where no node tunnel is configured. */
  logs?(ctx: RequestContext, opts: PodLogsOptions): AsyncIterable<LogChunk>;
  /**
   * Runs a command in a container on the pod's node; absent where no node tunnel is
   * configured. `input` is read once the command runs (its end also ends stdin). The
   * output ends with one `exit` event; failures before the command runs (NotFound,
   * BadRequest, ServiceUnavailable) are thrown from the first `next()`. ctx.signal
   * ends the session.
   */
  exec?(ctx: RequestContext, opts: PodExecOptions, input: AsyncIterable<ExecInput>): AsyncIterable<ExecOutput>;
  /**
   * A node's resource usage from its kubelet's last sampling window; absent where no node
   * tunnel is configured. NotFound for an unknown node, ServiceUnavailable when it does
   * not answer.
   */
  stats?(ctx: RequestContext, node: string): Promise<NodeStats>;
}
