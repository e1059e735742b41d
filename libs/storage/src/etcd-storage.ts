// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { Duplex } from 'node:stream';
import { Etcd3, type IDuplexStream, type IKeyValue, type IRangeResponse, type IWatchRequest, type IWatchResponse } from 'etcd3';
import {
  StorageError,
  decodeObject,
  encodeObject,
  prefixEnd,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type WatchOptions,
} from './storage';

/** How to reach etcd. */
export interface EtcdStorageOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  endpoints: string[];
  /** Client TLS: the CA that signed etcd's certificate, and our client certificate and key. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** Connection timeout in ms (etcd3's dialTimeout). */
  dialTimeout?: number;
}

/** etcd3 types the Watch stream narrowly; it is grpc-js's ClientDuplexStream, a Node Duplex. */
type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse> & Pick<Duplex, 'pause' | 'resume' | 'removeAllListeners'>;

/** Stop reading a watch stream (let gRPC flow control push back) while this many events wait. */
const WATCH_QUEUE_HIGH = 10_000;
/** Give up reconnecting a watch after this many attempts in a row without success. */
const WATCH_MAX_RECONNECTS = 10;

/**
 * Storage on etcd v3: objects are JSON values, resourceVersion is the key's mod revision, and
 * every conditional write is one transaction. The only place that talks to etcd (imports etcd3).
 */
export class EtcdStorage implements Storage {
  private readonly client: Etcd3;

  constructor(opts: EtcdStorageOptions) {
    this.client = new Etcd3({
      hosts: opts.endpoints,
      ...(opts.dialTimeout !== undefined ? { dialTimeout: opts.dialTimeout } : {}),
      ...(opts.tls
        ? {
            credentials: {
              rootCertificate: opts.tls.ca,
              ...(opts.tls.key ? { privateKey: opts.tls.key } : {}),
              ...(opts.tls.cert ? { certChain: opts.tls.cert } : {}),
            },
          }
        : {}),
    });
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const value = encodeObject(key, obj);
    const k = Buffer.from(key);
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value } }],
      }),
    );
    if (!res.succeeded) throw new StorageError('KeyExists', key);
    return decodeObject(value, res.header.revision);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const res = await this.call(key, () => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? decodeKv(kv) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    let start = Buffer.from(prefix);
    if (opts.continueKey) {
      if (!opts.continueKey.startsWith(prefix)) {
        throw new RangeError(`continue key ${opts.continueKey} is outside ${prefix}`);
      }
      // Exclusive: the smallest key after continueKey is continueKey + '\0'.
      start = Buffer.concat([Buffer.from(opts.continueKey), Buffer.from([0])]);
    }
    const revision = opts.revision && opts.revision !== '0' ? opts.revision : undefined;
    const res: IRangeResponse = await this.call(prefix, () =>
      this.client.kv.range({
        key: start,
        range_end: prefixEnd(prefix),
        ...(opts.limit && opts.limit > 0 ? { limit: opts.limit } : {}),
        ...(revision ? { revision } : {}),
      }),
    );
    const items = res.kvs.map(decodeKv);
    const keys = res.kvs.map((kv) => kv.key.toString('utf8'));
    const result: ListResult = { items, keys, revision: revision ?? res.header.revision };
    if (res.more && res.kvs.length > 0) {
      result.continueKey = res.kvs[res.kvs.length - 1]!.key.toString('utf8');
      result.remaining = Number(res.count) - res.kvs.length;
    }
    return result;
  }

  async update(key: string, obj: KubeObject, expectedResourceVersion: string): Promise<KubeObject> {
    const value = encodeObject(key, obj);
    const k = Buffer.from(key);
    if (!isRevision(expectedResourceVersion)) {
      // Nothing stored can have this version; still say KeyNotFound when the key is absent.
      if (!(await this.get(key))) throw new StorageError('KeyNotFound', key);
      throw new StorageError('Conflict', key, `invalid resourceVersion ${JSON.stringify(expectedResourceVersion)}`);
    }
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedResourceVersion }],
        success: [{ request_put: { key: k, value } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      }),
    );
    if (!res.succeeded) throw missingOrConflict(key, res.responses[0]?.response_range);
    return decodeObject(value, res.header.revision);
  }

  async delete(key: string, expectedResourceVersion?: string): Promise<KubeObject> {
    const k = Buffer.from(key);
    if (expectedResourceVersion !== undefined && !isRevision(expectedResourceVersion)) {
      if (!(await this.get(key))) throw new StorageError('KeyNotFound', key);
      throw new StorageError('Conflict', key, `invalid resourceVersion ${JSON.stringify(expectedResourceVersion)}`);
    }
    const res = await this.call(key, () =>
      this.client.kv.txn({
        compare: [
          expectedResourceVersion !== undefined
            ? { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedResourceVersion }
            : { key: k, target: 'Version', result: 'Greater', version: 0 },
        ],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      }),
    );
    if (!res.succeeded) throw missingOrConflict(key, res.responses[0]?.response_range);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StorageError('KeyNotFound', key);
    return decodeObject(prev.value, res.header.revision);
  }

  async currentRevision(): Promise<string> {
    // count_only on a key nobody uses: the header carries the store revision.
    const res = await this.call('', () => this.client.kv.range({ key: Buffer.from([0]), count_only: true }));
    return res.header.revision;
  }

  /** Compacts etcd's history up to `revision` (watches and reads before it then fail with 'Expired'). */
  async compact(revision: string): Promise<void> {
    await this.call('', () => this.client.kv.compact({ revision, physical: true }));
  }

  watch(prefix: string, fromRevision: string, signal: AbortSignal, opts: WatchOptions = {}): AsyncIterable<StorageEvent> {
    return { [Symbol.asyncIterator]: () => this.watchIterator(prefix, fromRevision, signal, opts) };
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toStorageError(e, key);
    }
  }

  /**
   * One etcd watch on its own gRPC stream, reconnected from the last revision received when the
   * stream breaks. etcd3's Watcher is not used: it forgets the start revision on reconnect and
   * hides compaction, so this speaks the Watch RPC through etcd3's WatchClient.
   */
  private async *watchIterator(
    prefix: string,
    fromRevision: string,
    signal: AbortSignal,
    opts: WatchOptions,
  ): AsyncGenerator<StorageEvent> {
    if (fromRevision !== '' && !isRevision(fromRevision)) throw new RangeError(`invalid revision ${JSON.stringify(fromRevision)}`);
    type Item = { events: StorageEvent[] } | { progress: string } | { error: Error };
    const queue: Item[] = [];
    let queuedEvents = 0;
    let wake: (() => void) | undefined;
    const push = (item: Item) => {
      queue.push(item);
      wake?.();
    };
    // Highest revision received from etcd: the resume point, and the dedupe floor for replays
    // after a reconnect (etcd 3.4 can repeat events).
    let received: bigint | undefined = isRevision(fromRevision) && fromRevision !== '0' ? BigInt(fromRevision) : undefined;
    let stream: WatchStream | undefined;
    let paused = false;
    let failures = 0;
    let finished = false;

    const onAbort = () => {
      finished = true;
      stream?.cancel();
      wake?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const handle = (res: IWatchResponse) => {
      if (res.created) {
        failures = 0;
        // Watching "from now": the watch starts right after the creation's revision.
        if (received === undefined) received = BigInt(res.header.revision);
      }
      if (res.canceled) {
        finished = true;
        stream?.cancel();
        push({
          error:
            res.compact_revision && res.compact_revision !== '0'
              ? new StorageError('Expired', prefix, `revision ${fromRevisionOf(received)} has been compacted (compacted up to ${res.compact_revision})`)
              : new StorageError('Unavailable', prefix, `etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`),
        });
        return;
      }
      if (res.events.length > 0) {
        const floor = received ?? -1n;
        const events: StorageEvent[] = [];
        for (const ev of res.events) {
          const rev = BigInt(ev.kv.mod_revision);
          if (rev <= floor) continue;
          events.push(toEvent(ev.type, ev.kv, ev.prev_kv));
          if (received === undefined || rev > received) received = rev;
        }
        if (events.length > 0) {
          queuedEvents += events.length;
          push({ events });
          if (queuedEvents > WATCH_QUEUE_HIGH && stream && !paused) {
            paused = true;
            stream.pause();
          }
        }
      } else if (!res.created) {
        const rev = BigInt(res.header.revision);
        if (received === undefined || rev > received) {
          received = rev;
          push({ progress: res.header.revision });
        }
      }
    };

    const connect = async (): Promise<void> => {
      while (!finished) {
        try {
          const s = (await this.client.watchClient.watch()) as WatchStream;
          if (finished) {
            s.cancel();
            return;
          }
          stream = s;
          paused = false;
          s.on('data', handle);
          const broken = (err?: Error) => {
            if (stream !== s) return;
            stream = undefined;
            s.removeAllListeners('data');
            s.cancel();
            if (!finished) void reconnect(err);
          };
          s.on('error', (err: Error) => broken(err));
          s.on('end', () => broken());
          s.write({
            create_request: {
              key: Buffer.from(prefix),
              range_end: prefixEnd(prefix),
              prev_kv: opts.withPrevious !== false,
              progress_notify: opts.onProgress !== undefined,
              ...(received !== undefined ? { start_revision: (received + 1n).toString() } : {}),
            },
          });
          return;
        } catch (e) {
          if (!(await backoff(e))) return;
        }
      }
    };
    const backoff = async (e: unknown): Promise<boolean> => {
      failures++;
      if (failures > WATCH_MAX_RECONNECTS) {
        finished = true;
        push({ error: toStorageError(e, prefix) });
        return false;
      }
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** (failures - 1), 2_000)));
      return !finished;
    };
    const reconnect = async (err?: Error) => {
      if (await backoff(err ?? new Error('watch stream ended'))) await connect();
    };

    try {
      await connect();
      for (;;) {
        const item = queue.shift();
        if (!item) {
          if (finished || signal.aborted) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if ('error' in item) throw item.error;
        if ('progress' in item) {
          opts.onProgress?.(item.progress);
          continue;
        }
        queuedEvents -= item.events.length;
        if (paused && queuedEvents < WATCH_QUEUE_HIGH / 2 && stream) {
          paused = false;
          stream.resume();
        }
        for (const ev of item.events) {
          if (signal.aborted) return;
          yield ev;
        }
      }
    } finally {
      finished = true;
      signal.removeEventListener('abort', onAbort);
      stream?.removeAllListeners('data');
      stream?.cancel();
      stream = undefined;
    }
  }
}

const fromRevisionOf = (received: bigint | undefined) => (received === undefined ? 'now' : String(received + 1n));

const isRevision = (rv: string) => /^\d{1,19}$/.test(rv);

function decodeKv(kv: IKeyValue): KubeObject {
  return decodeObject(kv.value, kv.mod_revision);
}

function toEvent(type: 'Put' | 'Delete', kv: IKeyValue, prev: IKeyValue | undefined): StorageEvent {
  const key = kv.key.toString('utf8');
  const revision = kv.mod_revision;
  const prevObject = prev && prev.value?.length ? decodeKv(prev) : undefined;
  if (type === 'Delete') {
    // The deleted object as last stored, at the delete's revision. prev_kv can be missing only
    // when etcd compacted it away; then only the revision is known.
    const object = prev && prev.value?.length ? decodeObject(prev.value, revision) : { metadata: { resourceVersion: revision } };
    return { type: 'DELETED', key, object, ...(prevObject ? { prevObject } : {}), revision };
  }
  const object = decodeKv(kv);
  if (kv.create_revision === kv.mod_revision) return { type: 'ADDED', key, object, revision };
  return { type: 'MODIFIED', key, object, ...(prevObject ? { prevObject } : {}), revision };
}

function missingOrConflict(key: string, range: IRangeResponse | undefined): StorageError {
  return range && range.kvs.length > 0 ? new StorageError('Conflict', key) : new StorageError('KeyNotFound', key);
}

/** Maps etcd3's errors onto the storage error codes the registry understands. */
function toStorageError(e: unknown, key: string): StorageError {
  if (e instanceof StorageError) return e;
  const message = e instanceof Error ? e.message : String(e);
  let err: StorageError;
  if (/required revision has been compacted/.test(message)) {
    err = new StorageError('Expired', key, `etcd: ${message}`);
  } else if (/request is too large|message larger than max/i.test(message)) {
    err = new StorageError('TooLarge', key, `is too large for etcd: ${message}`);
  } else {
    err = new StorageError('Unavailable', key, `etcd: ${message}`);
  }
  (err as { cause?: unknown }).cause = e;
  return err;
}
