// SPDX-License-Identifier: Apache-2.0
import * as grpc from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import {
  create,
  fromJson,
  toJson,
  type DescMessage,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { apiV1, metaV1 } from '@berth/api-types';
import {
  StatusError,
  internalError,
  unpackObject,
  utf8,
  type ExecInput,
  type ExecOutput,
  type LogChunk,
  type NodeStats,
  type PodExecOptions,
  type PodLogsOptions,
  type ApiResourceInfo,
  type DeleteOptions,
  type KubeObject,
  type ListMeta,
  type ObjectList,
  type Status,
  type VersionInfo,
  type WatchEvent,
  type WatchEventType,
} from '@berth/api';
import type { ApiClient, ListOptions, PatchType, ResourceType, WatchOptions, WriteOptions, WriteResult } from '@berth/client';
import { readMessages, type MessageReader } from './message-reader';
import { methodPath, responseDeserializer, serializer } from './service-definition';
import { CallStream, CallsUnsupported, type StreamCall } from './call-stream';
import { fromGrpcError, grpcCodeForReason, isConnectFailure } from './status-mapping';

/** TLS settings of the client: the cluster CA, and the client certificate when the server asks for one. */
export interface GrpcClientTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The name the server certificate must carry when it differs from the address's host. */
  serverName?: string;
}

export interface GrpcApiClientOptions {
  /** apiserver replicas as "host:port"; calls are spread across them and fail over. */
  addresses: string[];
  /** Without it the connection is plaintext (tests, local development). */
  tls?: GrpcClientTls;
  /**
   * A bearer token (a service account's token) sent as `authorization: Bearer <token>` on
   * every call, streams included: how a pod authenticates instead of with a client certificate.
   */
  token?: string;
  /**
   * Act as this user (and groups) instead of the authenticated one (kubectl's --as and
   * --as-group): sent as impersonate-user / impersonate-group metadata; the caller must
   * be allowed to impersonate them.
   */
  impersonate?: { user: string; groups?: string[] };
  /** Deadline of each unary call (default 30 s). Watches have none: they end by signal or server timeout. */
  timeoutMs?: number;
  /** How long to wait for a connection to one address before trying the next (default 5 s). */
  connectTimeoutMs?: number;
  /** Attempts per call on retriable failures (default 3, and at least one per address). */
  maxAttempts?: number;
  /** Largest response accepted, in bytes (default 64 MiB: lists can be large). */
  maxReceiveMessageBytes?: number;
  /**
   * Send create, get, update, patch and delete over one Resources.Calls stream per address
   * (default true) rather than as one unary call each, which costs both sides several times
   * more CPU. Against a server without Calls, the client falls back to unary by itself.
   */
  callStream?: boolean;
}

const RETRY_BASE_MS = 100;

type Retry = 'idempotent' | 'connect-only';

interface Endpoint {
  address: string;
  client: grpc.Client;
  calls: CallStream;
}

/** The Resources methods that Calls carries (CallRequest's cases). */
const STREAMED_METHODS: ReadonlySet<string> = new Set(['create', 'get', 'update', 'patch', 'delete'] satisfies Array<StreamCall['case']>);

/**
 * GrpcApiClient is the ApiClient over the gRPC API. Calls go round-robin across the
 * configured apiserver addresses, skipping ones that failed to connect. Reads, updates
 * and deletes are retried on UNAVAILABLE with backoff; creates and patches are only
 * re-sent when the connection failed before the request left (sending them twice could
 * create two objects or apply a patch twice). Every failure is a StatusError.
 */
export class GrpcApiClient implements ApiClient {
  private readonly endpoints: Endpoint[];
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly token: string | undefined;
  private readonly impersonate: { user: string; groups?: string[] } | undefined;
  private readonly callStream: boolean;
  private nextEndpoint = 0;

  constructor(opts: GrpcApiClientOptions) {
    if (opts.addresses.length === 0) throw new Error('GrpcApiClient needs at least one server address');
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': opts.maxReceiveMessageBytes ?? 64 * 1024 * 1024,
      // grpc-js backs off up to 120 s between reconnects by default; an apiserver that
      // restarts should be found again within seconds.
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
      // HTTP/2's default 64 KiB window let a watch receive ~25 pod events per round trip: on a
      // busy machine the apiserver's per-watcher queues grew to 8 s (bench/scheduler). grpc-go
      // grows its windows to megabytes by itself; grpc-js needs it set. Up to this much of a
      // stream the client has not read yet may wait in its memory.
      'grpc-node.flow_control_window': 4 * 1024 * 1024,
    };
    this.endpoints = opts.addresses.map((address) => {
      const client = new grpc.Client(address, credentialsFor(address, opts.tls), { ...channelOptions, ...tlsNameOptions(address, opts.tls) });
      return { address, client, calls: new CallStream(client, address, () => this.metadata()) };
    });
    this.callStream = opts.callStream ?? true;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.maxAttempts = Math.max(opts.maxAttempts ?? 3, this.endpoints.length);
    if (opts.token !== undefined && !/^[\x21-\x7e]+$/.test(opts.token)) {
      throw new Error('GrpcApiClient: the token must be non-empty printable ASCII without spaces');
    }
    this.token = opts.token;
    this.impersonate = opts.impersonate;
  }

  async create<T extends KubeObject>(type: ResourceType, namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    // Our objects are JSON: send them as JSON and let the server type them (unknown fields
    // are dropped silently unless the caller asks for another fieldValidation).
    const res = await this.createRequest(type, namespace, obj, { manifest: jsonBytes(obj) }, { fieldValidation: 'Ignore', ...opts });
    return res.object as T;
  }

  /**
   * Creates from a manifest's JSON as read from a file: the server, not the client,
   * checks its fields, so unknown fields are rejected (Strict) or reported as warnings (Warn).
   */
  createFromManifest<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    json: unknown,
    opts: WriteOptions = {},
  ): Promise<WriteResult<T>> {
    return this.createRequest(type, namespace, json, { manifest: jsonBytes(json) }, opts) as Promise<WriteResult<T>>;
  }

  async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
    opts: { subresource?: string; resourceVersion?: string } = {},
  ): Promise<T> {
    const res = await this.unary(
      apiV1.Resources.method.get,
      { ref: ref(type, namespace, name, opts.subresource), resourceVersion: opts.resourceVersion ?? '', encoding: 'json' },
      'idempotent',
    );
    return objectOf(res) as T;
  }

  async list<T extends KubeObject>(type: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const res = await this.unary(
      apiV1.Resources.method.list,
      {
        ref: ref(type, opts.namespace ?? '', ''),
        labelSelector: opts.labelSelector ?? '',
        fieldSelector: opts.fieldSelector ?? '',
        limit: opts.limit ?? 0,
        continue: opts.continue ?? '',
        resourceVersion: opts.resourceVersion ?? '',
        encoding: 'json',
      },
      'idempotent',
    );
    return listOf<T>(res);
  }

  async update<T extends KubeObject>(type: ResourceType, namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    const res = await this.updateRequest(type, namespace, obj, { manifest: jsonBytes(obj) }, { fieldValidation: 'Ignore', ...opts });
    return res.object as T;
  }

  /** Replaces an object with a manifest's JSON, checked by the server (see createFromManifest). */
  updateFromManifest<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    json: unknown,
    opts: WriteOptions = {},
  ): Promise<WriteResult<T>> {
    return this.updateRequest(type, namespace, json, { manifest: jsonBytes(json) }, opts) as Promise<WriteResult<T>>;
  }

  async patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts: WriteOptions = {},
  ): Promise<T> {
    const res = await this.unary(
      apiV1.Resources.method.patch,
      {
        ref: ref(type, namespace, name, opts.subresource),
        patchType,
        // A string is taken as the patch document's text (kubectl's -p '{...}').
        patch: typeof patch === 'string' ? Buffer.from(patch, 'utf8') : jsonBytes(patch),
        ...writeFields(opts),
        encoding: 'json',
      },
      // A JSON patch ("add to this list") is not idempotent: never send it twice.
      'connect-only',
    );
    return objectOf(res) as T;
  }

  async delete<T extends KubeObject>(type: ResourceType, namespace: string, name: string, options?: DeleteOptions): Promise<T> {
    const res = await this.unary(
      apiV1.Resources.method.delete,
      { ref: ref(type, namespace, name), ...(options ? { options: deleteOptions(options) } : {}), encoding: 'json' },
      'idempotent',
    );
    return objectOf(res) as T;
  }

  async deleteCollection<T extends KubeObject>(type: ResourceType, opts: ListOptions, options?: DeleteOptions): Promise<ObjectList<T>> {
    const res = await this.unary(
      apiV1.Resources.method.deleteCollection,
      {
        ref: ref(type, opts.namespace ?? '', ''),
        labelSelector: opts.labelSelector ?? '',
        fieldSelector: opts.fieldSelector ?? '',
        ...(options ? { options: deleteOptions(options) } : {}),
      },
      'idempotent',
    );
    return listOf<T>(res);
  }

  /**
   * Streams changes until opts.signal aborts (the iteration then simply ends, and the
   * server stops watching) or the server ends the watch. Breaking out of the loop also
   * cancels the call. A failure (e.g. Expired: re-list) is thrown as a StatusError.
   */
  async *watch<T extends KubeObject>(type: ResourceType, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const signal = opts.signal;
    const req = create(apiV1.WatchRequestSchema, {
      ref: ref(type, opts.namespace ?? '', ''),
      labelSelector: opts.labelSelector ?? '',
      fieldSelector: opts.fieldSelector ?? '',
      resourceVersion: opts.resourceVersion ?? '',
      allowWatchBookmarks: opts.allowWatchBookmarks ?? false,
      timeoutSeconds: opts.timeoutSeconds ?? 0,
      encoding: 'json',
    });
    const order = this.endpointOrder();
    let lastError: unknown;
    let lastAddress: string | undefined;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (signal?.aborted) return;
      const ep = order[attempt % order.length] as Endpoint;
      if (attempt >= order.length) await sleep(backoff(attempt - order.length));
      const connected = await this.connect(ep);
      if (connected === 'timeout') {
        [lastError, lastAddress] = [this.connectTimeoutError(), ep.address];
        continue;
      }
      const messages = serverStream(ep.client, apiV1.Resources.method.watch, req, this.metadata());
      const onAbort = (): void => messages.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      let received = false;
      try {
        for (;;) {
          const msg = await messages.next();
          if (msg === undefined) return;
          received = true;
          yield watchEventOf<T>(msg);
        }
      } catch (err) {
        if (signal?.aborted) return;
        if (!received && isConnectFailure(err)) {
          [lastError, lastAddress] = [err, ep.address];
          continue;
        }
        throw fromGrpcError(err, ep.address);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        messages.cancel();
      }
    }
    throw fromGrpcError(lastError, lastAddress);
  }

  /** Streams a container's log (NodeProxy.Logs) until it ends or `signal` aborts. */
  async *logs(opts: PodLogsOptions, signal?: AbortSignal): AsyncGenerator<LogChunk> {
    const ep = this.endpointOrder()[0] as Endpoint;
    if ((await this.connect(ep)) === 'timeout') throw fromGrpcError(this.connectTimeoutError(), ep.address);
    const req = create(apiV1.PodLogsRequestSchema, {
      namespace: opts.namespace,
      name: opts.name,
      container: opts.container ?? '',
      follow: opts.follow ?? false,
      previous: opts.previous ?? false,
      timestamps: opts.timestamps ?? false,
      ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
      ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
    });
    const messages = serverStream(ep.client, apiV1.NodeProxy.method.logs, req, this.metadata());
    const onAbort = (): void => messages.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const msg = await messages.next();
        if (msg === undefined) return;
        yield { stream: msg.stream === 'stderr' ? 'stderr' : 'stdout', data: msg.data };
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw fromGrpcError(err, ep.address);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      messages.cancel();
    }
  }

  /**
   * Runs a command in a container (NodeProxy.Exec), as `berth exec` does: sends `input`
   * (stdin bytes, the end of stdin, terminal resizes) once the call is open, and yields the
   * command's stdout and stderr, then one `exit` with its exit code. The end of `input`
   * also ends the command's stdin. Failures (NotFound, BadRequest...) are StatusErrors;
   * `signal`, or leaving the loop early, ends the session. Never retried: a command may
   * not be safe to run twice.
   */
  async *exec(opts: PodExecOptions, input: AsyncIterable<ExecInput>, signal?: AbortSignal): AsyncGenerator<ExecOutput> {
    const ep = this.endpointOrder()[0] as Endpoint;
    if ((await this.connect(ep)) === 'timeout') throw fromGrpcError(this.connectTimeoutError(), ep.address);
    const method = apiV1.NodeProxy.method.exec;
    const call = ep.client.makeBidiStreamRequest(methodPath(method), serializer(method.input), responseDeserializer(method.output), this.metadata(), {});
    const messages = readMessages<apiV1.ExecStreamResponse>(call);
    let over = false;
    const finish = (): void => {
      if (over) return;
      over = true;
      call.cancel();
    };
    signal?.addEventListener('abort', finish, { once: true });
    call.write(
      create(apiV1.ExecStreamRequestSchema, {
        kind: {
          case: 'start',
          value: create(apiV1.ExecStartSchema, {
            namespace: opts.namespace,
            name: opts.name,
            container: opts.container ?? '',
            command: opts.command,
            stdin: opts.stdin ?? false,
            tty: opts.tty ?? false,
          }),
        },
      }),
    );
    // Input flows on its own while the output is read; a failing input source ends the session.
    void (async () => {
      for await (const m of input) {
        for (const piece of splitStdin(m)) if (!(await writeMessage(call, execRequest(piece), () => over))) return;
      }
      if (!over) call.end();
    })().catch(finish);
    let exitCode: number | undefined;
    try {
      for (;;) {
        const msg = await messages.next();
        if (msg === undefined) break;
        const k = msg.kind;
        if (k.case === 'stdout' || k.case === 'stderr') yield { type: k.case, data: k.value };
        else if (k.case === 'exitCode') exitCode = k.value;
      }
      if (exitCode === undefined) {
        if (signal?.aborted) return;
        throw internalError('the exec stream ended without an exit code');
      }
      yield { type: 'exit', exitCode };
    } catch (err) {
      if (signal?.aborted) return;
      throw err instanceof StatusError ? err : fromGrpcError(err, ep.address);
    } finally {
      signal?.removeEventListener('abort', finish);
      // The server ends the call after the exit code; anything else is cut short here.
      if (exitCode === undefined) finish();
      over = true;
    }
  }

  /**
   * A node's resource usage over its kubelet's last sampling window (NodeProxy.Stats), as
   * `berth top` prints it. NotFound for an unknown node, ServiceUnavailable when the node
   * does not answer; that is not retried (the apiserver already waited for the node).
   */
  async stats(node: string): Promise<NodeStats> {
    const res = await this.unary(apiV1.NodeProxy.method.stats, { node }, 'connect-only');
    const json = toJson(apiV1.NodeStatsResponseSchema, res) as unknown as Partial<NodeStats>;
    return { ...(json.node ? { node: json.node } : {}), pods: (json.pods ?? []).map((p) => ({ ...p, containers: p.containers ?? [] })) };
  }

  /** The server's version, as `berth version` prints it. */
  async version(): Promise<VersionInfo> {
    const v = await this.unary(apiV1.Discovery.method.getVersion, {}, 'idempotent');
    return {
      major: v.major,
      minor: v.minor,
      gitVersion: v.gitVersion,
      gitCommit: v.gitCommit,
      buildDate: v.buildDate,
      goVersion: v.goVersion,
      compiler: v.compiler,
      platform: v.platform,
    };
  }

  /** Every resource the server serves, as `berth api-resources` prints them. */
  async apiResources(): Promise<ApiResourceInfo[]> {
    const res = await this.unary(apiV1.Discovery.method.listResources, {}, 'idempotent');
    return res.resources.map((r) => ({
      name: r.name,
      singularName: r.singularName,
      namespaced: r.namespaced,
      group: r.group,
      version: r.version,
      kind: r.kind,
      verbs: [...r.verbs],
      shortNames: [...r.shortNames],
      categories: [...r.categories],
    }));
  }

  /** Closes the connections; calls in flight fail. */
  close(): void {
    for (const ep of this.endpoints) {
      ep.calls.close();
      ep.client.close();
    }
  }

  private async createRequest(
    type: ResourceType,
    namespace: string,
    obj: unknown,
    payload: { manifest: Uint8Array },
    opts: WriteOptions,
  ): Promise<WriteResult> {
    const meta = metadataOf(obj);
    // Objects are created in their collection; only a subresource (pods/x/binding) names its parent.
    const name = opts.subresource ? (meta.name ?? '') : '';
    const res = await this.unary(
      apiV1.Resources.method.create,
      { ref: ref(type, namespace || meta.namespace || '', name, opts.subresource), ...payload, ...writeFields(opts), encoding: 'json' },
      // Sending a create twice could make two objects (generateName) or a false AlreadyExists.
      'connect-only',
    );
    return { object: objectOf(res), warnings: [...res.warnings] };
  }

  private async updateRequest(
    type: ResourceType,
    namespace: string,
    obj: unknown,
    payload: { manifest: Uint8Array },
    opts: WriteOptions,
  ): Promise<WriteResult> {
    const meta = metadataOf(obj);
    const res = await this.unary(
      apiV1.Resources.method.update,
      { ref: ref(type, namespace || meta.namespace || '', meta.name ?? '', opts.subresource), ...payload, ...writeFields(opts), encoding: 'json' },
      // Safe to repeat: a replaced object is the same however often it is replaced, and
      // a resourceVersion precondition turns a repeat into a Conflict, not a double write.
      'idempotent',
    );
    return { object: objectOf(res), warnings: [...res.warnings] };
  }

  /** One unary call with failover and retries (see the class comment). */
  private async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    init: MessageInitShape<I>,
    retry: Retry,
  ): Promise<MessageShape<O>> {
    const req = create(method.input, init);
    const order = this.endpointOrder();
    let lastError: unknown;
    let lastAddress: string | undefined;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const ep = order[attempt % order.length] as Endpoint;
      // A fresh address is tried at once; going round again waits, with growing pauses.
      if (attempt >= order.length) await sleep(backoff(attempt - order.length));
      [lastError, lastAddress] = [undefined, ep.address];
      if ((await this.connect(ep)) === 'timeout') {
        lastError = this.connectTimeoutError();
        continue;
      }
      try {
        if (this.callStream && method.parent === apiV1.Resources && STREAMED_METHODS.has(method.localName) && !ep.calls.unsupported) {
          try {
            const call = { case: method.localName, value: req } as StreamCall;
            return (await ep.calls.call(call, this.timeoutMs)) as unknown as MessageShape<O>;
          } catch (err) {
            // The server has no Calls: nothing was run, so the call is made unary instead.
            if (!(err instanceof CallsUnsupported)) throw err;
          }
        }
        return await unaryCall(ep.client, method, req, this.metadata(), this.timeoutMs);
      } catch (err) {
        lastError = err;
        // A Calls answer is already a StatusError; a unary failure carries the gRPC code.
        const code = err instanceof StatusError ? grpcCodeForReason(err.status.reason) : (err as { code?: number }).code;
        const retriable = isConnectFailure(err) || (retry === 'idempotent' && code === grpc.status.UNAVAILABLE);
        if (!retriable) throw fromGrpcError(err, ep.address);
      }
    }
    throw fromGrpcError(lastError, lastAddress);
  }

  /** The metadata sent with each call: the bearer token and impersonation, when there are. */
  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    if (this.impersonate) {
      md.set('impersonate-user', this.impersonate.user);
      for (const g of this.impersonate.groups ?? []) md.add('impersonate-group', g);
    }
    return md;
  }

  /** Addresses to try for one call: the next in rotation first, ones that failed to connect last. */
  private endpointOrder(): Endpoint[] {
    const n = this.endpoints.length;
    const start = this.nextEndpoint;
    this.nextEndpoint = (start + 1) % n;
    const rotated = this.endpoints.map((_, i) => this.endpoints[(start + i) % n] as Endpoint);
    const failing = (ep: Endpoint): boolean =>
      ep.client.getChannel().getConnectivityState(false) === grpc.connectivityState.TRANSIENT_FAILURE;
    return [...rotated.filter((ep) => !failing(ep)), ...rotated.filter(failing)];
  }

  /**
   * Waits until the channel to `ep` is ready, or has failed (the call is then made anyway
   * and fails at once with grpc-js's own reason), or the connect timeout passes: an
   * address that swallows packets must not hold a call for its whole deadline.
   */
  private connect(ep: Endpoint): Promise<'ready' | 'failed' | 'timeout'> {
    const channel = ep.client.getChannel();
    const deadline = Date.now() + this.connectTimeoutMs;
    return new Promise((resolve) => {
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === grpc.connectivityState.READY) return resolve('ready');
        if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
          return resolve('failed');
        }
        channel.watchConnectivityState(state, deadline, (err) => (err ? resolve('timeout') : check()));
      };
      check();
    });
  }

  private connectTimeoutError(): { code: grpc.status; details: string } {
    return {
      code: grpc.status.UNAVAILABLE,
      details: `No connection established. Last error: timed out after ${this.connectTimeoutMs}ms`,
    };
  }
}

function unaryCall<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodUnary<I, O>,
  req: MessageShape<I>,
  metadata: grpc.Metadata,
  timeoutMs: number,
): Promise<MessageShape<O>> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      methodPath(method),
      serializer(method.input),
      responseDeserializer(method.output),
      req,
      metadata,
      { deadline: Date.now() + timeoutMs },
      (err, res) => (err || res === undefined ? reject(err ?? new Error('empty response')) : resolve(res)),
    );
  });
}

/** A server stream read message by message; `next()` resolves undefined at the end and rejects on error. */
interface MessageStream<T> extends MessageReader<T> {
  cancel(): void;
}

function serverStream<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodServerStreaming<I, O>,
  req: MessageShape<I>,
  metadata: grpc.Metadata,
): MessageStream<MessageShape<O>> {
  const stream = client.makeServerStreamRequest(
    methodPath(method),
    serializer(method.input),
    responseDeserializer(method.output),
    req,
    metadata,
    {},
  );
  const reader = readMessages<MessageShape<O>>(stream);
  let cancelled = false;
  return {
    next: () => reader.next(),
    cancel() {
      if (cancelled) return;
      cancelled = true;
      stream.cancel();
    },
  };
}

/** Stdin bytes per request message: far below the server's 4 MiB message limit. */
const STDIN_MESSAGE_BYTES = 256 * 1024;

/** Large stdin writes as several messages; other input as it is. */
function splitStdin(m: ExecInput): ExecInput[] {
  if (m.type !== 'stdin' || m.data.length <= STDIN_MESSAGE_BYTES) return [m];
  const pieces: ExecInput[] = [];
  for (let at = 0; at < m.data.length; at += STDIN_MESSAGE_BYTES) pieces.push({ type: 'stdin', data: m.data.subarray(at, at + STDIN_MESSAGE_BYTES) });
  return pieces;
}

/** The NodeProxy.Exec request message for one input event. */
function execRequest(m: ExecInput): apiV1.ExecStreamRequest {
  const kind =
    m.type === 'stdin'
      ? { case: 'stdin' as const, value: m.data }
      : m.type === 'resize'
        ? { case: 'resize' as const, value: create(apiV1.TerminalSizeSchema, { cols: m.cols, rows: m.rows }) }
        : { case: 'closeStdin' as const, value: true };
  return create(apiV1.ExecStreamRequestSchema, { kind });
}

/** Writes to a client stream, waiting while its buffer is full; false once the call is over. */
function writeMessage<T>(call: grpc.ClientDuplexStream<T, unknown>, msg: T, over: () => boolean): Promise<boolean> {
  if (over()) return Promise.resolve(false);
  if (call.write(msg)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('close', done);
      resolve(!over());
    };
    call.on('drain', done);
    call.on('close', done);
  });
}

function ref(type: ResourceType, namespace: string, name: string, subresource?: string): MessageInitShape<typeof apiV1.ResourceRefSchema> {
  return { group: type.group, version: type.version, resource: type.resource, namespace, name, subresource: subresource ?? '' };
}

function writeFields(opts: WriteOptions): { dryRun: string[]; fieldValidation: string; fieldManager: string } {
  return { dryRun: opts.dryRun ? ['All'] : [], fieldValidation: opts.fieldValidation ?? '', fieldManager: opts.fieldManager ?? '' };
}

function metadataOf(obj: unknown): { name?: string; namespace?: string } {
  const meta = (obj as { metadata?: unknown } | null)?.metadata;
  if (typeof meta !== 'object' || meta === null) return {};
  const { name, namespace } = meta as Record<string, unknown>;
  return { ...(typeof name === 'string' ? { name } : {}), ...(typeof namespace === 'string' ? { namespace } : {}) };
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
}

function deleteOptions(options: DeleteOptions): metaV1.DeleteOptions {
  return fromJson(metaV1.DeleteOptionsSchema, options as JsonValue, { ignoreUnknownFields: true });
}

/** The object of a response: JSON when we asked for it (we always do), else the typed Any. */
function objectOf(res: apiV1.ObjectResponse): KubeObject {
  if (res.objectJson.length > 0) return JSON.parse(utf8(res.objectJson)) as KubeObject;
  if (!res.object) throw internalError('the server returned no object');
  return unpackObject(res.object);
}

function listOf<T extends KubeObject>(res: apiV1.ListResponse): ObjectList<T> {
  return {
    apiVersion: res.apiVersion,
    kind: res.kind,
    metadata: (res.metadata ? toJson(metaV1.ListMetaSchema, res.metadata) : {}) as ListMeta,
    // Our objects are JSON anyway: lists come as one JSON array (see ListRequest.encoding).
    items: res.itemsJson.length > 0 ? (JSON.parse(utf8(res.itemsJson)) as T[]) : res.items.map((item) => unpackObject(item) as T),
  };
}

function watchEventOf<T extends KubeObject>(msg: apiV1.WatchEvent): WatchEvent<T> {
  const status = msg.status ? (toJson(metaV1.StatusSchema, msg.status) as Status) : undefined;
  const type = msg.type as WatchEventType;
  if (type === 'ERROR') {
    // As in Kubernetes, an ERROR event's object is the Status itself.
    const full = new StatusError(status ?? { message: 'watch error without a status' }).status;
    return { type, object: full as unknown as T, status: full };
  }
  if (msg.objectJson.length === 0 && !msg.object) throw internalError('the server sent a watch event without an object');
  const object = (msg.objectJson.length > 0 ? JSON.parse(utf8(msg.objectJson)) : unpackObject(msg.object as NonNullable<typeof msg.object>)) as T;
  return { type, object, ...(status ? { status } : {}) };
}

/** Name given to TLS when the address is an IP: TLS's SNI may not carry an IP (RFC 6066). */
const IP_SNI_PLACEHOLDER = 'berth-apiserver';

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/**
 * TLS credentials of one address. For an IP address without an explicit serverName the
 * certificate is still checked against that IP (its IP SANs), while the TLS name sent is a
 * placeholder, because an IP in SNI is not allowed (and Node warns about it).
 */
function credentialsFor(address: string, tls: GrpcClientTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const host = hostOf(address);
  const verify = !tls.serverName && isIP(host) ? { checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(host, cert) } : {};
  return grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null, verify);
}

function tlsNameOptions(address: string, tls: GrpcClientTls | undefined): grpc.ChannelOptions {
  if (!tls) return {};
  const name = tls.serverName ?? (isIP(hostOf(address)) ? IP_SNI_PLACEHOLDER : undefined);
  return name ? { 'grpc.ssl_target_name_override': name, 'grpc.default_authority': name } : {};
}

function backoff(retry: number): number {
  return RETRY_BASE_MS * 2 ** retry * (0.8 + Math.random() * 0.4);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
