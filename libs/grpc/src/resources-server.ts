// SPDX-License-Identifier: Apache-2.0
import type { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { create, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { apiV1, metaV1 } from '@berth/api-types';
import {
  StatusError,
  badRequest,
  immutableObjectJson,
  newStatusError,
  packImmutableObject,
  packObject,
  tooLarge,
  unpackObject,
  utf8,
  type ApiBackend,
  type BackendWriteOptions,
  type DeleteOptions,
  type ExecInput,
  type KubeObject,
  type RequestContext,
  type ResourceRef,
  type WatchEvent,
} from '@berth/api';
import { GrpcServer, type ServerCall, type ServerTls } from './grpc-server';
import { readMessages } from './message-reader';
import { grpcServiceDefinition, isMalformedRequest, serialized, type MalformedRequest, type SerializedMessage } from './service-definition';
import { LazyAbort } from './lazy-abort';
import { serveCalls, type CallHandlers } from './serve-calls';
import { toGrpcStatus, toRpcStatus } from './status-mapping';

/** The default cap on one gRPC message the server accepts: requests carry one object (≤ 1.5 MiB stored). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The subset of a pino logger the server uses. */
export interface ServerLogger {
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export interface ApiServicesOptions {
  /** Where unexpected (non-StatusError) failures are reported, with their stack. */
  logger?: ServerLogger;
  /**
   * The largest manifest or patch accepted, in bytes (default 4 MiB). grpc-js enforces
   * the server's own receive limit before a handler runs; this catches documents that
   * got past a server built with a larger limit.
   */
  maxMessageBytes?: number;
  /**
   * Who is calling (e.g. from the TLS peer certificate or a bearer token); a thrown
   * StatusError rejects the call. It runs first on every call, before the request is looked at.
   */
  authenticate?: (call: CallInfo) => Promise<RequestContext['user']> | RequestContext['user'];
  /** Called once per finished call, e.g. to feed a request counter and latency histogram. */
  observe?: (call: CallObservation) => void;
}

/**
 * What authenticate sees of a call: its metadata (bearer tokens) and TLS peer (client certs).
 * getAuthContext().sslPeerCertificate is set only for a client certificate that the TLS layer
 * verified against the client CA; one it could not verify is not shown at all.
 */
export type CallInfo = Pick<ServerCall, 'metadata' | 'getPeer' | 'getAuthContext' | 'getPath'>;

/** One finished call, for metrics. */
export interface CallObservation {
  /** "Resources", "Discovery" or "NodeProxy". */
  service: string;
  /** The RPC: "Create", "Watch"... */
  method: string;
  /** For Resources calls, the resource as Kubernetes qualifies it: "pods", "deployments.apps". */
  resource?: string;
  /** The gRPC status code the call ended with. */
  code: grpc.status;
  durationMs: number;
}

type Req<T> = T | MalformedRequest;

/** What addApiServices serves. */
export interface ServedApi {
  /**
   * Ends every Resources.Calls stream once its running calls are answered: clients keep
   * theirs open while idle, so a server shutting down gracefully would otherwise wait for
   * them. Their next call opens a new stream, on a server that is still up.
   */
  drainCalls(): void;
}

/**
 * Serves the Resources, Discovery and NodeProxy services of berth.api.v1 on `server`,
 * translating every call into the transport-neutral ApiBackend. Every handler catches
 * everything: a bad request (malformed protobuf, bad JSON, unknown kind) gets an error
 * status and the server keeps serving.
 */
export function addApiServices(server: GrpcServer, backend: ApiBackend, opts: ApiServicesOptions = {}): ServedApi {
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  // Open Calls streams, by their drain: a client keeps its stream open while idle, and a
  // shutting-down server must not wait for it (see ServedApi).
  const openCalls = new Set<() => void>();

  const report = (method: string, err: unknown): void => {
    if (err instanceof StatusError) return;
    try {
      opts.logger?.error({ err, method }, 'unexpected error serving API request');
    } catch {
      // A failing logger must not turn one bad request into a crashed server.
    }
  };
  const failure = (method: string, err: unknown): grpc.ServerErrorResponse => {
    report(method, err);
    const st = toGrpcStatus(err);
    return Object.assign(new Error(st.details), st);
  };

  /** The request's identity; its signal is made when a handler first reads it. */
  const context = async (call: CallInfo, signal: () => AbortSignal): Promise<RequestContext> => {
    const user = opts.authenticate ? await opts.authenticate(call) : undefined;
    const impersonate = impersonationOf(call.metadata);
    return {
      ...(user ? { user } : {}),
      ...(impersonate ? { impersonate } : {}),
      get signal() {
        return signal();
      },
    };
  };

  const observe = (service: string, method: string, request: unknown, start: number, code: grpc.status): void => {
    if (!opts.observe) return;
    try {
      const ref = isMalformedRequest(request) ? undefined : (request as { ref?: apiV1.ResourceRef } | undefined)?.ref;
      const resource = ref ? (ref.group ? `${ref.resource}.${ref.group}` : ref.resource) : undefined;
      opts.observe({ service, method, ...(resource ? { resource } : {}), code, durationMs: performance.now() - start });
    } catch {
      // Metrics must never fail a request.
    }
  };

  function unary<I, O>(
    service: string,
    method: string,
    fn: (req: I, ctx: RequestContext) => Promise<O> | O,
  ): (call: ServerCall, callback: grpc.sendUnaryData<O>) => void {
    return (call, callback) => {
      const start = performance.now();
      // grpc-js also emits 'cancelled' after the status went out: abort only calls still
      // running (an abort builds a DOMException, which once per call is measurable).
      const abort = new LazyAbort();
      let finished = false;
      call.on('cancelled', () => finished || abort.abort());
      const run = async (): Promise<O> => {
        const ctx = await context(call, () => abort.signal);
        const req = call.request as Req<I>;
        if (isMalformedRequest(req)) throw malformed(req);
        return fn(req, ctx);
      };
      run().then(
        (res) => {
          finished = true;
          observe(service, method, call.request, start, grpc.status.OK);
          callback(null, res);
        },
        (err: unknown) => {
          finished = true;
          const st = failure(method, err);
          observe(service, method, call.request, start, st.code ?? grpc.status.UNKNOWN);
          callback(st);
        },
      );
    };
  }

  const body = (req: { object?: Any; manifest: Uint8Array }): unknown => {
    if (req.manifest.length > 0) return parseJsonDocument(req.manifest, 'manifest', maxBytes, true);
    if (req.object) return unpack(req.object);
    throw badRequest('the request has neither an object nor a manifest');
  };

  const objectResponse = (obj: KubeObject, encoding: string, warnings: string[] = []): apiV1.ObjectResponse =>
    create(apiV1.ObjectResponseSchema, {
      ...(encoding === 'json' ? { objectJson: Buffer.from(JSON.stringify(obj)) } : { object: packObject(obj) }),
      warnings,
    });
  const writeResponse = (w: { object: KubeObject; warnings: string[] }, encoding: string): apiV1.ObjectResponse =>
    objectResponse(w.object, encoding, w.warnings);

  // The single-object calls, served both as unary methods and on the Calls stream.
  const calls: CallHandlers = {
    create: async (req, ctx) => writeResponse(await backend.create(ctx, refOf(req.ref), body(req), writeOptions(req)), req.encoding),
    get: async (req, ctx) => {
      const obj = await backend.get(ctx, refOf(req.ref), req.resourceVersion ? { resourceVersion: req.resourceVersion } : {});
      return objectResponse(obj, req.encoding);
    },
    update: async (req, ctx) => writeResponse(await backend.update(ctx, refOf(req.ref), body(req), writeOptions(req)), req.encoding),
    patch: async (req, ctx) => {
      if (!req.patchType) throw badRequest('patch type is required');
      const patch = parseJsonDocument(req.patch, 'patch', maxBytes, false);
      return writeResponse(await backend.patch(ctx, refOf(req.ref), req.patchType, patch, writeOptions(req)), req.encoding);
    },
    delete: async (req, ctx) => objectResponse(await backend.delete(ctx, refOf(req.ref), deleteOptions(req.options)), req.encoding),
  };

  const resources = {
    create: unary('Resources', 'Create', calls.create),
    get: unary('Resources', 'Get', calls.get),
    list: unary<apiV1.ListRequest, apiV1.ListResponse>('Resources', 'List', async (req, ctx) =>
      listResponse(await backend.list(ctx, refOf(req.ref), listOptions(req)), req.encoding),
    ),
    update: unary('Resources', 'Update', calls.update),
    patch: unary('Resources', 'Patch', calls.patch),
    delete: unary('Resources', 'Delete', calls.delete),
    deleteCollection: unary<apiV1.DeleteCollectionRequest, apiV1.ListResponse>('Resources', 'DeleteCollection', async (req, ctx) =>
      listResponse(await backend.deleteCollection(ctx, refOf(req.ref), listOptions(req), deleteOptions(req.options))),
    ),
    watch: ((call) => {
      const start = performance.now();
      void serveWatch(call, backend, context, failure).then((code) => observe('Resources', 'Watch', call.request, start, code));
    }) satisfies (call: ServerCall) => void,
    calls: ((stream) => {
      const start = performance.now();
      // authenticate sees each call as its unary method (its path), with the stream's metadata and peer.
      const asUnary = (method: string): CallInfo => ({
        metadata: stream.metadata,
        getPeer: () => stream.getPeer(),
        getAuthContext: () => stream.getAuthContext(),
        getPath: () => `/${apiV1.Resources.typeName}/${method}`,
      });
      const served = serveCalls(stream, calls, {
        context: (method, signal) => context(asUnary(method), signal),
        fail: (method, err) => {
          report(method, err);
          return toRpcStatus(err);
        },
        observe: (method, request, begun, code) => observe('Resources', method, request, begun, code),
      });
      openCalls.add(served.drain);
      void served.done.then((code) => {
        openCalls.delete(served.drain);
        observe('Resources', 'Calls', undefined, start, code);
      });
    }) satisfies (call: ServerCall) => void,
  };

  const discovery = {
    getVersion: unary<apiV1.GetVersionRequest, apiV1.VersionInfo>('Discovery', 'GetVersion', () =>
      create(apiV1.VersionInfoSchema, backend.version()),
    ),
    listResources: unary<apiV1.ListResourcesRequest, apiV1.ResourceList>('Discovery', 'ListResources', () =>
      create(apiV1.ResourceListSchema, {
        resources: backend.resources().map((r) => create(apiV1.APIResourceSchema, r)),
      }),
    ),
  };

  server.addService(grpcServiceDefinition(apiV1.Resources), resources);
  server.addService(grpcServiceDefinition(apiV1.Discovery), discovery);
  server.addService(grpcServiceDefinition(apiV1.NodeProxy), {
    logs: ((call) => {
      const start = performance.now();
      void serveLogs(call, backend, context, failure).then((code) => observe('NodeProxy', 'Logs', call.request, start, code));
    }) satisfies (call: ServerCall) => void,
    exec: ((call) => {
      const start = performance.now();
      void serveExec(call, backend, context, failure).then((code) => observe('NodeProxy', 'Exec', undefined, start, code));
    }) satisfies (call: ServerCall) => void,
    stats: unary<apiV1.NodeStatsRequest, apiV1.NodeStatsResponse>('NodeProxy', 'Stats', async (req, ctx) => {
      if (!backend.stats) throw newStatusError('ServiceUnavailable', 'metrics are not available: this apiserver has no node tunnel (start it with --nats-url)');
      // NodeStats is the JSON of NodeStatsResponse (metrics.k8s.io's shapes).
      return fromJson(apiV1.NodeStatsResponseSchema, (await backend.stats(ctx, req.node)) as unknown as JsonValue);
    }),
  });
  return {
    drainCalls() {
      for (const drain of openCalls) drain();
    },
  };
}

async function serveWatch(
  call: ServerCall,
  backend: ApiBackend,
  context: (call: CallInfo, signal: () => AbortSignal) => Promise<RequestContext>,
  failure: (method: string, err: unknown) => grpc.ServerErrorResponse,
): Promise<grpc.status> {
  // The backend's watch ends when this aborts: on client cancel, and in `finally` when
  // the stream ends for any other reason, so nothing keeps watching for nobody.
  const ac = new AbortController();
  const onCancel = (): void => ac.abort();
  call.on('cancelled', onCancel);
  try {
    const ctx = await context(call, () => ac.signal);
    const req = call.request as Req<apiV1.WatchRequest>;
    if (isMalformedRequest(req)) throw malformed(req);
    const events = backend.watch(ctx, refOf(req.ref), {
      ...(req.labelSelector ? { labelSelector: req.labelSelector } : {}),
      ...(req.fieldSelector ? { fieldSelector: req.fieldSelector } : {}),
      ...(req.resourceVersion ? { resourceVersion: req.resourceVersion } : {}),
      ...(req.allowWatchBookmarks ? { allowWatchBookmarks: true } : {}),
      ...(req.timeoutSeconds > 0 ? { timeoutSeconds: req.timeoutSeconds } : {}),
    });
    for await (const ev of events) {
      if (ac.signal.aborted) break;
      if (!call.write(sharedWatchEvent(ev, req.encoding))) await drained(call, ac.signal);
    }
    if (ac.signal.aborted) return grpc.status.CANCELLED;
    call.end();
    return grpc.status.OK;
  } catch (err) {
    // A cancelled call has nobody left to tell.
    if (ac.signal.aborted) return grpc.status.CANCELLED;
    const st = failure('Watch', err);
    call.emit('error', st);
    return st.code ?? grpc.status.UNKNOWN;
  } finally {
    call.off('cancelled', onCancel);
    ac.abort();
  }
}

/** Streams container logs from the backend (which reaches the node) to the client. */
async function serveLogs(
  call: ServerCall,
  backend: ApiBackend,
  context: (call: CallInfo, signal: () => AbortSignal) => Promise<RequestContext>,
  failure: (method: string, err: unknown) => grpc.ServerErrorResponse,
): Promise<grpc.status> {
  const ac = new AbortController();
  const onCancel = (): void => ac.abort();
  call.on('cancelled', onCancel);
  try {
    const ctx = await context(call, () => ac.signal);
    const req = call.request as Req<apiV1.PodLogsRequest>;
    if (isMalformedRequest(req)) throw malformed(req);
    if (!backend.logs) throw newStatusError('ServiceUnavailable', 'logs are not available: this apiserver has no node tunnel (start it with --nats-url)');
    const chunks = backend.logs(ctx, {
      namespace: req.namespace,
      name: req.name,
      ...(req.container ? { container: req.container } : {}),
      ...(req.follow ? { follow: true } : {}),
      ...(req.previous ? { previous: true } : {}),
      ...(req.tailLines !== undefined ? { tailLines: req.tailLines } : {}),
      ...(req.timestamps ? { timestamps: true } : {}),
      ...(req.sinceSeconds !== undefined ? { sinceSeconds: req.sinceSeconds } : {}),
    });
    for await (const c of chunks) {
      if (ac.signal.aborted) break;
      if (!call.write(create(apiV1.PodLogChunkSchema, { stream: c.stream, data: c.data }))) await drained(call, ac.signal);
    }
    if (ac.signal.aborted) return grpc.status.CANCELLED;
    call.end();
    return grpc.status.OK;
  } catch (err) {
    if (ac.signal.aborted) return grpc.status.CANCELLED;
    const st = failure('Logs', err);
    call.emit('error', st);
    return st.code ?? grpc.status.UNKNOWN;
  } finally {
    call.off('cancelled', onCancel);
    ac.abort();
  }
}

/**
 * Runs an exec session: the first request message says what to run, the later ones are
 * its input; the backend's output goes back as it comes, the exit code last. Errors before
 * the command runs end the call with their status, as for logs; a malformed input message
 * ends the session with INVALID_ARGUMENT.
 */
async function serveExec(
  call: ServerCall,
  backend: ApiBackend,
  context: (call: CallInfo, signal: () => AbortSignal) => Promise<RequestContext>,
  failure: (method: string, err: unknown) => grpc.ServerErrorResponse,
): Promise<grpc.status> {
  // `ac` ends the backend's session: on client cancel, on a bad input message, and in
  // `finally` whatever the reason, so no command keeps running for nobody.
  const ac = new AbortController();
  let cancelled = false;
  let inputError: StatusError | undefined;
  const onCancel = (): void => {
    cancelled = true;
    ac.abort();
  };
  call.on('cancelled', onCancel);
  const requests = readMessages<Req<apiV1.ExecStreamRequest>>(call);
  try {
    const ctx = await context(call, () => ac.signal);
    const first = await requests.next();
    if (first === undefined) throw badRequest('the exec stream ended before its start message');
    if (isMalformedRequest(first)) throw malformed(first);
    if (first.kind.case !== 'start') throw badRequest('the first message of an exec stream must be start');
    const start = first.kind.value;
    if (!backend.exec) throw newStatusError('ServiceUnavailable', 'exec is not available: this apiserver has no node tunnel (start it with --nats-url)');
    const input = (async function* (): AsyncIterable<ExecInput> {
      for (;;) {
        const m = await requests.next().catch(() => undefined);
        if (m === undefined || ac.signal.aborted) return;
        if (isMalformedRequest(m) || m.kind.case === 'start') {
          inputError = isMalformedRequest(m) ? malformed(m) : badRequest('an exec stream has only one start message');
          ac.abort();
          return;
        }
        if (m.kind.case === 'stdin') yield { type: 'stdin', data: m.kind.value };
        else if (m.kind.case === 'resize') yield { type: 'resize', cols: m.kind.value.cols, rows: m.kind.value.rows };
        else if (m.kind.case === 'closeStdin' && m.kind.value) yield { type: 'closeStdin' };
      }
    })();
    const output = backend.exec(
      ctx,
      {
        namespace: start.namespace,
        name: start.name,
        ...(start.container ? { container: start.container } : {}),
        command: [...start.command],
        ...(start.stdin ? { stdin: true } : {}),
        ...(start.tty ? { tty: true } : {}),
      },
      input,
    );
    for await (const ev of output) {
      if (ac.signal.aborted) break;
      const kind = ev.type === 'exit' ? { case: 'exitCode' as const, value: ev.exitCode } : { case: ev.type, value: ev.data };
      if (!call.write(create(apiV1.ExecStreamResponseSchema, { kind }))) await drained(call, ac.signal);
    }
    if (inputError) throw inputError;
    if (cancelled) return grpc.status.CANCELLED;
    call.end();
    return grpc.status.OK;
  } catch (err) {
    if (cancelled) return grpc.status.CANCELLED;
    const st = failure('Exec', inputError ?? err);
    call.emit('error', st);
    return st.code ?? grpc.status.UNKNOWN;
  } finally {
    call.off('cancelled', onCancel);
    ac.abort();
  }
}

// Waits for the client to take what was written (slow watchers must not make the
// server buffer without bound), or for the call to go away.
function drained(call: EventEmitter, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * Watch events serialized once per object, type and encoding: every watcher of a change gets
 * the same object (the watch cache shares them), so only the first watcher pays for the
 * bytes, as with kube-apiserver's cachingObject. Watchers take a change within moments of
 * each other, so the last SERIALIZED_EVENTS objects are enough, and memory stays bounded.
 */
const serializedEvents = new Map<KubeObject, Map<string, SerializedMessage>>();
const SERIALIZED_EVENTS = 1024;

function sharedWatchEvent(ev: WatchEvent, encoding = ''): apiV1.WatchEvent {
  if (ev.type === 'ERROR' || ev.status) return watchEventMessage(ev, encoding);
  const key = `${ev.type} ${encoding}`;
  let byKey = serializedEvents.get(ev.object);
  let msg = byKey?.get(key);
  if (!msg) {
    msg = serialized(apiV1.WatchEventSchema, watchEventMessage(ev, encoding));
    if (!byKey) {
      serializedEvents.set(ev.object, (byKey = new Map()));
      if (serializedEvents.size > SERIALIZED_EVENTS) serializedEvents.delete(serializedEvents.keys().next().value as KubeObject);
    }
    byKey.set(key, msg);
  }
  // grpc-js hands it to the method's serializer, which writes a SerializedMessage as it is.
  return msg as unknown as apiV1.WatchEvent;
}

function watchEventMessage(ev: WatchEvent, encoding = ''): apiV1.WatchEvent {
  if (ev.type === 'ERROR') {
    const status = ev.status ?? (ev.object as Record<string, unknown>);
    return create(apiV1.WatchEventSchema, { type: ev.type, status: statusMessage(status) });
  }
  return create(apiV1.WatchEventSchema, {
    type: ev.type,
    ...(encoding === 'json' ? { objectJson: Buffer.from(immutableObjectJson(ev.object)) } : { object: packImmutableObject(ev.object) }),
    ...(ev.status ? { status: statusMessage(ev.status) } : {}),
  });
}

function statusMessage(status: unknown): metaV1.Status {
  return fromJson(metaV1.StatusSchema, status as JsonValue, { ignoreUnknownFields: true });
}

/** A list in protobuf (items as Any) or, when asked, JSON (one array, each cached object's text reused). */
function listResponse(list: { apiVersion: string; kind: string; metadata?: unknown; items: KubeObject[] }, encoding = ''): apiV1.ListResponse {
  return create(apiV1.ListResponseSchema, {
    apiVersion: list.apiVersion,
    kind: list.kind,
    metadata: fromJson(metaV1.ListMetaSchema, (list.metadata ?? {}) as JsonValue, { ignoreUnknownFields: true }),
    ...(encoding === 'json'
      ? { itemsJson: Buffer.from(`[${list.items.map(immutableObjectJson).join(',')}]`) }
      : { items: list.items.map((item) => packImmutableObject(item)) }),
  });
}

function malformed(req: MalformedRequest): StatusError {
  return badRequest(`the request is not a valid ${req.typeName} message: ${req.reason}`);
}

/** ResourceRef message → the backend's plain ResourceRef (a missing ref is all empty). */
function refOf(ref: apiV1.ResourceRef | undefined): ResourceRef {
  return {
    group: ref?.group ?? '',
    version: ref?.version ?? '',
    resource: ref?.resource ?? '',
    namespace: ref?.namespace ?? '',
    name: ref?.name ?? '',
    subresource: ref?.subresource ?? '',
  };
}

const FIELD_VALIDATIONS = ['Strict', 'Warn', 'Ignore'] as const;

function writeOptions(req: { dryRun: string[]; fieldValidation: string; fieldManager: string }): BackendWriteOptions {
  for (const d of req.dryRun) {
    if (d !== 'All') throw badRequest(`Invalid dry run value: ${JSON.stringify(d)}, supported values: "All"`);
  }
  const fv = req.fieldValidation;
  if (fv && !(FIELD_VALIDATIONS as readonly string[]).includes(fv)) {
    throw badRequest(`fieldValidation must be one of "Strict", "Warn" or "Ignore", not ${JSON.stringify(fv)}`);
  }
  return {
    ...(req.dryRun.length > 0 ? { dryRun: true } : {}),
    ...(fv ? { fieldValidation: fv as BackendWriteOptions['fieldValidation'] } : {}),
    ...(req.fieldManager ? { fieldManager: req.fieldManager } : {}),
  };
}

function listOptions(req: {
  labelSelector: string;
  fieldSelector: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}): { labelSelector?: string; fieldSelector?: string; limit?: number; continue?: string; resourceVersion?: string } {
  return {
    ...(req.labelSelector ? { labelSelector: req.labelSelector } : {}),
    ...(req.fieldSelector ? { fieldSelector: req.fieldSelector } : {}),
    ...(req.limit ? { limit: req.limit } : {}),
    ...(req.continue ? { continue: req.continue } : {}),
    ...(req.resourceVersion ? { resourceVersion: req.resourceVersion } : {}),
  };
}

function deleteOptions(opts: metaV1.DeleteOptions | undefined): DeleteOptions {
  if (!opts) return {};
  return toJson(metaV1.DeleteOptionsSchema, opts) as DeleteOptions;
}

/** An object from its Any, with decoding failures reported as the client's fault. */
function unpack(any: Any): KubeObject {
  try {
    return unpackObject(any);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw badRequest(`the object does not decode as ${any.typeUrl}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A JSON document sent as bytes (manifest, patch), with the parser's complaint on failure. */
export function parseJsonDocument(bytes: Uint8Array, what: string, maxBytes: number, mustBeObject: boolean): unknown {
  if (bytes.length > maxBytes) {
    throw tooLarge(`Request entity too large: the ${what} is ${bytes.length} bytes, the limit is ${maxBytes}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(utf8(bytes));
  } catch (e) {
    throw badRequest(`the ${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (mustBeObject && (typeof doc !== 'object' || doc === null || Array.isArray(doc))) {
    throw badRequest(`the ${what} must be a JSON object, not ${Array.isArray(doc) ? 'an array' : JSON.stringify(doc)}`);
  }
  return doc;
}

export interface CreateApiServerOptions extends ApiServicesOptions {
  backend: ApiBackend;
  /** "host:port"; port 0 picks a free one (see the returned address). */
  address: string;
  /**
   * The serving certificate (plaintext without it: tests only); with clientCa, clients must
   * present a certificate it signed, unless clientCertOptional: then the TLS layer asks for
   * one but also lets callers without one (or with one it cannot verify) through, and
   * `authenticate` (required then) decides.
   */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer; clientCertOptional?: boolean };
}

/** A started API server. */
export interface RunningApiServer {
  server: GrpcServer;
  /** "host:port" actually bound (the requested host, the port chosen when 0 was asked for). */
  address: string;
  port: number;
  /** Stops accepting calls; open calls (watches) get `graceMs` to end before they are cut. */
  stop(graceMs?: number): Promise<void>;
}

/** Creates a GrpcServer with the API services, binds it and starts serving. */
export async function createApiServer(opts: CreateApiServerOptions): Promise<RunningApiServer> {
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (opts.tls?.clientCertOptional && !opts.authenticate) {
    throw new Error('tls.clientCertOptional lets callers without a certificate in: it needs an authenticate hook');
  }
  const server = new GrpcServer({ maxReceiveMessageBytes: maxBytes, onError: (err) => opts.logger?.error({ err }, 'gRPC server socket error') });
  const served = addApiServices(server, opts.backend, opts);
  const port = await server.listen(opts.address, opts.tls ? serverTls(opts.tls) : undefined);
  const host = opts.address.slice(0, opts.address.lastIndexOf(':'));
  return {
    server,
    address: `${host}:${port}`,
    port,
    stop: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        served.drainCalls();
      }),
  };
}

/**
 * The server's TLS: with a clientCa and not clientCertOptional, clients must present a
 * certificate signed by it; with clientCertOptional they are asked for one but may go without
 * (or present one that does not verify, which the call's auth context then does not show).
 */
function serverTls(tls: NonNullable<CreateApiServerOptions['tls']>): ServerTls {
  if (!tls.clientCa) return { cert: tls.cert, key: tls.key };
  return { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: !tls.clientCertOptional };
}

/** Metadata keys of impersonation, as Kubernetes' headers (kubectl --as, --as-group). */
export const IMPERSONATE_USER = 'impersonate-user';
export const IMPERSONATE_GROUP = 'impersonate-group';

/** The identity a call asks to act as, if it asks: the authorizing backend decides whether it may. */
function impersonationOf(md: CallInfo['metadata']): RequestContext['impersonate'] {
  const text = (values: Array<string | Buffer>): string[] => values.map((v) => (typeof v === 'string' ? v : v.toString()));
  const user = text(md.get(IMPERSONATE_USER))[0];
  const groups = text(md.get(IMPERSONATE_GROUP));
  if (user === undefined && groups.length === 0) return undefined;
  // A group without a user is refused later, as Kubernetes refuses it (the user is required).
  return { user: user ?? '', groups };
}
