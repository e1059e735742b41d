// SPDX-License-Identifier: Apache-2.0
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { etcdserverpbRpcPb as pb } from '@berth/api-types';

/** How to reach etcd. */
export interface EtcdClientOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`; https:// ones need `tls`. */
  endpoints: string[];
  /** Client TLS: the CA that signed etcd's certificate, and our client certificate and key. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** How long a call waits for a connection before it fails (ms, default 30 s). */
  dialTimeout?: number;
  /** Deadline of each unary call (ms, default 60 s, kube-apiserver's request timeout). */
  callTimeout?: number;
}

/** The etcd RPCs the storage uses, typed with the generated etcdserverpb messages. */
type Unary<I extends DescMessage, O extends DescMessage> = (req: MessageInitShape<I>) => Promise<MessageShape<O>>;

/**
 * EtcdClient speaks etcd's KV and Watch RPCs over grpc-js with the generated protobuf-es
 * messages (protos/etcd). It replaced the etcd3 package in the storage's hot path: etcd3
 * ran every call through a connection pool, a circuit breaker and a retry policy and
 * converted each message to and from plain objects with int64s as strings, together ~7%
 * of a busy apiserver. Failover stays simple: a call goes to the first endpoint whose
 * connection is not failing, and moves to the next only when it could not be sent at all;
 * what to do about any other failure is the caller's call (the registry answers
 * ServiceUnavailable, the watch reconnects from its last revision).
 */
export class EtcdClient {
  private readonly channels: grpc.Client[];
  private readonly dialTimeout: number;
  private readonly callTimeout: number;
  private preferred = 0;

  readonly range: Unary<typeof pb.RangeRequestSchema, typeof pb.RangeResponseSchema>;
  readonly txn: Unary<typeof pb.TxnRequestSchema, typeof pb.TxnResponseSchema>;
  readonly compact: Unary<typeof pb.CompactionRequestSchema, typeof pb.CompactionResponseSchema>;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdClient needs at least one endpoint');
    this.channels = opts.endpoints.map((url) => {
      const { address, secure } = parseEndpoint(url);
      if (secure && !opts.tls) throw new Error(`etcd endpoint ${url} is https: it needs TLS settings`);
      const credentials = opts.tls ? grpc.credentials.createSsl(opts.tls.ca, opts.tls.key ?? null, opts.tls.cert ?? null) : grpc.credentials.createInsecure();
      return new grpc.Client(address, credentials, {
        // etcd's own limit for a request is 1.5 MiB; lists of a whole prefix can be far larger.
        'grpc.max_receive_message_length': 512 * 1024 * 1024,
        'grpc.initial_reconnect_backoff_ms': 200,
        'grpc.max_reconnect_backoff_ms': 3000,
        'grpc-node.flow_control_window': 4 * 1024 * 1024,
      });
    });
    this.dialTimeout = opts.dialTimeout ?? 30_000;
    this.callTimeout = opts.callTimeout ?? 60_000;
    this.range = this.unary(pb.KV.method.range);
    this.txn = this.unary(pb.KV.method.txn);
    this.compact = this.unary(pb.KV.method.compact);
  }

  /** Opens a Watch stream on a working endpoint: write WatchRequests, read WatchResponses. */
  async watch(): Promise<grpc.ClientDuplexStream<pb.WatchRequest, pb.WatchResponse>> {
    const method = pb.Watch.method.watch;
    const channel = await this.ready();
    return channel.makeBidiStreamRequest(path(method), serialize(method.input), deserialize(method.output), new grpc.Metadata(), {});
  }

  close(): void {
    for (const c of this.channels) c.close();
  }

  private unary<I extends DescMessage, O extends DescMessage>(method: DescMethod & { input: I; output: O }): Unary<I, O> {
    const methodPath = path(method);
    const ser = serialize(method.input);
    const de = deserialize(method.output);
    return async (init) => {
      const req = create(method.input, init);
      let lastError: unknown;
      for (let i = 0; i < this.channels.length; i++) {
        const channel = await this.ready();
        try {
          return await new Promise<MessageShape<O>>((resolve, reject) => {
            // grpc-js captures a stack trace per unary call, for errors that rarely come;
            // with several etcd calls per write it was measurable (the registry words its own errors).
            const limit = Error.stackTraceLimit;
            Error.stackTraceLimit = 0;
            try {
              channel.makeUnaryRequest(methodPath, ser, de, req, new grpc.Metadata(), { deadline: Date.now() + this.callTimeout }, (err, res) =>
                err || res === undefined ? reject(err ?? new Error('etcd sent no response')) : resolve(res),
              );
            } finally {
              Error.stackTraceLimit = limit;
            }
          });
        } catch (err) {
          lastError = err;
          // Not sent at all: the next endpoint may take it. Anything else may have been applied.
          if (!neverSent(err)) throw err;
          this.preferred = (this.channels.indexOf(channel) + 1) % this.channels.length;
        }
      }
      throw lastError;
    };
  }

  /**
   * The preferred endpoint's channel, or the next one that is not failing; waits up to the
   * dial timeout for one to connect (then the call is made anyway and fails with grpc-js's reason).
   */
  private async ready(): Promise<grpc.Client> {
    const n = this.channels.length;
    for (let k = 0; k < n; k++) {
      const c = this.channels[(this.preferred + k) % n] as grpc.Client;
      const state = c.getChannel().getConnectivityState(true);
      if (state === grpc.connectivityState.READY) {
        this.preferred = (this.preferred + k) % n;
        return c;
      }
    }
    const c = this.channels[this.preferred] as grpc.Client;
    await new Promise<void>((resolve) => c.waitForReady(Date.now() + this.dialTimeout, () => resolve()));
    return c;
  }
}

/** "http://host:port" → "host:port" (grpc-js's target), and whether it is https. */
function parseEndpoint(url: string): { address: string; secure: boolean } {
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(url);
  if (!m) return { address: url, secure: false };
  return { address: m[2] as string, secure: m[1] === 'https' };
}

function path(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function serialize<D extends DescMessage>(schema: D): (msg: MessageShape<D>) => Buffer {
  return (msg) => {
    const bytes = toBinary(schema, msg);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserialize<D extends DescMessage>(schema: D): (buf: Buffer) => MessageShape<D> {
  return (buf) => fromBinary(schema, buf);
}

/** True when grpc-js could not reach the endpoint, so the request never left. */
function neverSent(err: unknown): boolean {
  const e = err as { code?: number; details?: string };
  return e?.code === grpc.status.UNAVAILABLE && (e.details ?? '').startsWith('No connection established');
}
