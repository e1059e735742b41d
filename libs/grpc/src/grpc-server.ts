// SPDX-License-Identifier: Apache-2.0
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { FrameError, MessageFramer, frameMessage } from '@berth/api';

/**
 * GrpcServer serves gRPC (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md)
 * on Node's HTTP/2 server directly. Not grpc-js's Server: measured on these machines, its
 * per-message path (interceptors, filters, a decoder and a Readable per call) costs ~27 µs
 * of CPU for each message a stream sends, against ~4 µs written here, and the apiserver
 * sends every watch event to every watcher. Handlers keep grpc-js's shapes (a call with
 * `request`, `metadata`, `write`, `end`, 'cancelled'…; a unary callback), and service
 * definitions are grpc-js's (see grpcServiceDefinition), so grpc-js clients see no
 * difference. Messages are uncompressed (a compressed one is refused with UNIMPLEMENTED).
 */
export class GrpcServer {
  private readonly methods = new Map<string, { def: grpc.MethodDefinition<unknown, unknown>; handler: Handler }>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private server: http2.Http2Server | http2.Http2SecureServer | undefined;
  private shuttingDown = false;

  constructor(
    private readonly opts: {
      maxReceiveMessageBytes: number;
      /** Errors of the listening socket after it started (e.g. accept failing with EMFILE): it keeps listening. */
      onError?: (err: Error) => void;
    },
  ) {}

  /** Registers each method of `service` whose handler `impl` has (by localName or proto name). */
  addService(service: grpc.ServiceDefinition, impl: Record<string, unknown>): void {
    for (const [name, def] of Object.entries(service)) {
      const handler = (impl[name] ?? impl[def.originalName ?? '']) as Handler | undefined;
      if (handler) this.methods.set(def.path, { def: def as grpc.MethodDefinition<unknown, unknown>, handler });
    }
  }

  /** Starts serving on "host:port" (port 0 picks one); resolves with the port. */
  async listen(address: string, tls?: ServerTls): Promise<number> {
    const cut = address.lastIndexOf(':');
    const host = address.slice(0, cut).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(cut + 1));
    // As grpc-js's Server: no cap of Node's own on a session's buffered memory (watch streams
    // wait for 'drain', so what one holds is bounded) or on the size of trailers (error details).
    const options = { settings: { maxHeaderListSize: 64 * 1024 }, maxSessionMemory: Number.MAX_SAFE_INTEGER, maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER };
    const server = tls ? http2.createSecureServer({ ...tls, ...options, allowHTTP1: false }) : http2.createServer(options);
    this.server = server;
    server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => {}); // its streams see it; the session just goes
      if (this.shuttingDown) session.close();
    });
    server.on('stream', (stream, headers) => this.serve(stream, headers));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.onError?.(err));
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops taking new connections and streams; `done` once every open call has ended. */
  tryShutdown(done: () => void): void {
    this.shuttingDown = true;
    if (!this.server) return done();
    this.server.close(() => done());
    for (const s of this.sessions) s.close();
  }

  /** Cuts every connection now. */
  forceShutdown(): void {
    this.shuttingDown = true;
    this.server?.close();
    for (const s of this.sessions) s.destroy();
  }

  private serve(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => {}); // a reset by the client: the call sees 'close'
    const contentType = headers['content-type'] ?? '';
    if (headers[':method'] !== 'POST' || !contentType.startsWith('application/grpc')) {
      // Not gRPC at all: plain HTTP's answer, as the spec asks.
      if (!stream.destroyed) stream.respond({ ':status': 415, 'content-type': 'text/plain' }, { endStream: true });
      stream.resume(); // read and drop the body, so the stream can close
      return;
    }
    const path = headers[':path'] ?? '';
    const method = this.methods.get(path);
    const call = new ServerCall(stream, headers, path, method?.def, this.opts.maxReceiveMessageBytes);
    if (!method) return call.sendStatus({ code: grpc.status.UNIMPLEMENTED, details: `The server does not implement the method ${path}` });
    if (call.finished) return; // a bad grpc-timeout was answered
    const { def, handler } = method;
    const run = (): void => {
      try {
        handler(call, def.responseStream ? undefined : call.unaryCallback());
      } catch (err) {
        call.sendStatus({ code: grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) });
      }
    };
    if (def.requestStream) {
      // Client and bidi streaming: the handler reads the messages as they come.
      call.startReading();
      run();
      return;
    }
    // Unary and server streaming: one request message, then the handler.
    call.readSingle(run);
  }
}

/** TLS of the server: Node's options (cert, key, ca, requestCert, rejectUnauthorized). */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
}

type Handler = (call: ServerCall, callback?: grpc.sendUnaryData<unknown>) => void;

/** A status to end a call with: the code, its message, and trailing metadata (e.g. grpc-status-details-bin). */
export interface CallStatus {
  code: grpc.status;
  details?: string;
  metadata?: grpc.Metadata | null;
}

const DEADLINE_UNITS_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
/** Headers that are the transport's, not the call's metadata (as grpc-js leaves them out). */
const TRANSPORT_HEADERS = ['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type'];

/**
 * One call on the server: what grpc-js's ServerUnaryCall, ServerWritableStream and
 * ServerDuplexStream offer the handlers here. Emits 'data' and 'end' (request messages
 * of a streaming call), 'drain' (after write returned false), 'cancelled' (the client
 * went away or the deadline passed before the call ended).
 */
export class ServerCall extends EventEmitter {
  readonly metadata: grpc.Metadata;
  request: unknown;
  cancelled = false;
  /** The status is sent (or the call was cancelled): nothing more goes out. */
  finished = false;
  private headersSent = false;
  private readonly framer: MessageFramer;
  private deadline: NodeJS.Timeout | undefined;
  private paused = false;
  private queued: unknown[] = [];
  private clientEnded = false;
  private endEmitted = false;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    private readonly path: string,
    private readonly def: grpc.MethodDefinition<unknown, unknown> | undefined,
    private readonly maxReceiveBytes: number,
  ) {
    super();
    this.framer = new MessageFramer(maxReceiveBytes);
    const metadata = grpc.Metadata.fromHttp2Headers(headers);
    for (const h of TRANSPORT_HEADERS) metadata.remove(h);
    this.metadata = metadata;
    stream.on('close', () => this.onClose());
    stream.on('drain', () => this.emit('drain'));
    const timeout = headers['grpc-timeout'];
    if (typeof timeout === 'string') this.startDeadline(timeout);
  }

  getPeer(): string {
    const socket = this.stream.session?.socket;
    if (!socket?.remoteAddress) return 'unknown';
    return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
  }

  /** The client certificate, only when the TLS layer verified it (grpc-js's shape). */
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } {
    const socket = this.stream.session?.socket;
    if (!(socket instanceof TLSSocket) || !socket.authorized) return {};
    const cert = socket.getPeerCertificate();
    return { transportSecurityType: 'ssl', ...(cert && Object.keys(cert).length > 0 ? { sslPeerCertificate: cert } : {}) };
  }

  getPath(): string {
    return this.path;
  }

  /** Sends one response message; false when the transport's buffer is full (wait for 'drain'). */
  write(message: unknown): boolean {
    if (this.finished) return true;
    let bytes: Buffer;
    try {
      bytes = (this.def as grpc.MethodDefinition<unknown, unknown>).responseSerialize(message);
    } catch (err) {
      this.sendStatus({ code: grpc.status.INTERNAL, details: `the response could not be serialized: ${err instanceof Error ? err.message : String(err)}` });
      return true;
    }
    this.sendHeaders();
    return this.stream.write(frameMessage(bytes));
  }

  /** Ends the call with OK. */
  end(): void {
    this.sendStatus({ code: grpc.status.OK, details: 'OK' });
  }

  /** `emit('error', status)` ends the call with that status, as on a grpc-js call. */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'error') return super.emit(event, ...args);
    const err = args[0] as Partial<CallStatus> & { message?: string };
    this.sendStatus({ code: err?.code ?? grpc.status.UNKNOWN, details: err?.details ?? err?.message ?? 'Unknown error', metadata: err?.metadata ?? null });
    if (this.listenerCount('error') > 0) super.emit('error', ...args);
    return true;
  }

  pause(): this {
    this.paused = true;
    this.stream.pause();
    return this;
  }

  resume(): this {
    this.paused = false;
    while (!this.paused && this.queued.length > 0) super.emit('data', this.queued.shift());
    if (!this.paused) {
      this.maybeEmitEnd();
      this.stream.resume();
    }
    return this;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** The callback a unary or client-streaming handler answers through. */
  unaryCallback(): grpc.sendUnaryData<unknown> {
    return (err, value) => {
      if (err) return void this.emit('error', err);
      this.write(value);
      this.end();
    };
  }

  /** Ends the call with `status`: in trailers after any messages, or as a trailers-only response. */
  sendStatus(status: CallStatus): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.deadline);
    if (this.stream.destroyed || this.stream.closed) return;
    // Whatever the client still sends is read and dropped, so the stream can close.
    this.stream.resume();
    const trailers: http2.OutgoingHttpHeaders = {
      'grpc-status': String(status.code),
      'grpc-message': encodeURI(status.details ?? ''),
      ...(status.metadata ? status.metadata.toHttp2Headers() : {}),
    };
    try {
      if (!this.headersSent) {
        this.headersSent = true;
        this.stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...trailers }, { endStream: true });
        return;
      }
      this.stream.once('wantTrailers', () => {
        try {
          this.stream.sendTrailers(trailers);
        } catch {
          // Closed in between: nobody is left to tell.
        }
      });
      this.stream.end();
    } catch {
      // The stream went away meanwhile: its 'close' is on the way, nobody is left to tell.
    }
  }

  /** Streaming requests: reads messages into 'data' events (and 'end' at the client's half-close). */
  startReading(): void {
    this.stream.on('data', (chunk: Buffer) => {
      for (const bytes of this.frames(chunk)) {
        const msg = this.decode(bytes);
        if (this.finished) return;
        if (this.paused || this.queued.length > 0) this.queued.push(msg);
        else super.emit('data', msg);
      }
    });
    this.stream.on('end', () => {
      this.clientEnded = true;
      this.maybeEmitEnd();
    });
  }

  /** Unary requests: the one message, then `run` (with `request` set) at the client's half-close. */
  readSingle(run: () => void): void {
    let message: Buffer | undefined;
    let count = 0;
    this.stream.on('data', (chunk: Buffer) => {
      for (const bytes of this.frames(chunk)) {
        message = bytes;
        count++;
      }
    });
    this.stream.on('end', () => {
      if (this.finished) return;
      if (count !== 1 || !message) {
        this.sendStatus({ code: grpc.status.UNIMPLEMENTED, details: count === 0 ? 'a unary call needs its request message' : `a unary call takes one request message, not ${count}` });
        return;
      }
      this.request = this.decode(message);
      if (!this.finished) run();
    });
  }

  private frames(chunk: Buffer): Buffer[] {
    if (this.finished) return [];
    try {
      return this.framer.push(chunk);
    } catch (err) {
      if (err instanceof FrameError && err.reason === 'too-large') {
        this.sendStatus({ code: grpc.status.RESOURCE_EXHAUSTED, details: `Received message larger than max (${err.length} vs. ${this.maxReceiveBytes})` });
      } else {
        this.sendStatus({ code: grpc.status.UNIMPLEMENTED, details: `the client sent ${err instanceof Error ? err.message : String(err)}: this server takes uncompressed messages only` });
      }
      return [];
    }
  }

  private decode(bytes: Buffer): unknown {
    try {
      return (this.def as grpc.MethodDefinition<unknown, unknown>).requestDeserialize(bytes);
    } catch (err) {
      this.sendStatus({ code: grpc.status.INTERNAL, details: `the request could not be parsed: ${err instanceof Error ? err.message : String(err)}` });
      return undefined;
    }
  }

  private maybeEmitEnd(): void {
    if (this.clientEnded && !this.endEmitted && this.queued.length === 0 && !this.finished) {
      this.endEmitted = true;
      super.emit('end');
    }
  }

  private sendHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    if (!this.stream.destroyed) this.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  }

  private startDeadline(value: string): void {
    const m = /^(\d{1,8})([HMSmun])$/.exec(value);
    if (!m) {
      this.sendStatus({ code: grpc.status.INTERNAL, details: `Invalid grpc-timeout value "${value}"` });
      return;
    }
    const ms = Number(m[1]) * (DEADLINE_UNITS_MS[m[2] as string] as number);
    this.deadline = setTimeout(() => {
      this.sendStatus({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' });
      this.cancel();
    }, Math.min(ms, 2 ** 31 - 1));
  }

  private onClose(): void {
    clearTimeout(this.deadline);
    if (!this.finished) {
      this.finished = true;
      this.cancel();
    }
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    super.emit('cancelled');
  }
}
