// SPDX-License-Identifier: Apache-2.0
import { deepCopy, jsonCopyWithVersion, utf8, type KubeObject } from '@berth/api';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { etcdserverpbRpcPb as pb, mvccpbKvPb as mvcc } from '@berth/api-types';
import { EtcdClient, type EtcdWatchStream } from './etcd-client';
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
  /** How long a call waits for a connection, in ms. */
  dialTimeout?: number;
}


/** Stop reading a watch stream (let gRPC flow control push back) while this many events wait. */
const WATCH_QUEUE_HIGH = 10_000;
/** Give up reconnecting a watch after this many attempts in a row without success. */
const WATCH_MAX_RECONNECTS = 10;
/** Written objects kept for their watch events at most (the oldest go first). */
const WRITTEN_MAX = 1024;

/** An object this storage wrote, kept until a watch delivers its event. */
interface Written {
  revision: bigint;
  object: KubeObject;
}

/**
 * Storage on etcd v3: objects are JSON values, resourceVersion is the key's mod revision, and
 * every conditional write is one transaction. The only place that talks to etcd (through EtcdClient).
 */
export class EtcdStorage implements Storage {
  private readonly client: EtcdClient;
  /**
   * What create and update wrote under a watched prefix, by key: the watch event of that
   * write then carries a copy made from the object instead of a parse of the bytes just
   * encoded (the apiserver's watch cache sees every write it makes).
   */
  private readonly written = new Map<string, Written>();
  /** Prefixes with a watch running, and how many. */
  private readonly watchedPrefixes = new Map<string, number>();

  constructor(opts: EtcdStorageOptions) {
    this.client = new EtcdClient(opts);
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const value = encodeObject(key, obj);
    const readBack = jsonCopyWithVersion(obj, '');
    const k = Buffer.from(key);
    const res = await this.call(key, () =>
      this.client.txn({
        compare: [{ key: k, target: pb.Compare_CompareTarget.Create, result: pb.Compare_CompareResult.Equal, targetUnion: { case: 'createRevision', value: 0n } }],
        success: [{ request: { case: 'requestPut', value: { key: k, value } } }],
      }),
    );
    if (!res.succeeded) throw new StorageError('KeyExists', key);
    return this.wrote(key, readBack, res.header);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const res = await this.call(key, () => this.client.range({ key: Buffer.from(key) }));
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
    if (revision !== undefined && !isRevision(revision)) throw new RangeError(`invalid revision ${JSON.stringify(revision)}`);
    const res = await this.call(prefix, () =>
      this.client.range({
        key: start,
        rangeEnd: prefixEnd(prefix),
        ...(opts.limit && opts.limit > 0 ? { limit: BigInt(opts.limit) } : {}),
        ...(revision ? { revision: BigInt(revision) } : {}),
      }),
    );
    const items = res.kvs.map(decodeKv);
    const keys = res.kvs.map((kv) => utf8(kv.key));
    const result: ListResult = { items, keys, revision: revision ?? revisionOf(res.header) };
    if (res.more && res.kvs.length > 0) {
      result.continueKey = utf8(res.kvs[res.kvs.length - 1]!.key);
      result.remaining = Number(res.count) - res.kvs.length;
    }
    return result;
  }

  async update(key: string, obj: KubeObject, expectedResourceVersion: string): Promise<KubeObject> {
    const value = encodeObject(key, obj);
    const readBack = jsonCopyWithVersion(obj, '');
    const k = Buffer.from(key);
    if (!isRevision(expectedResourceVersion)) {
      // Nothing stored can have this version; still say KeyNotFound when the key is absent.
      if (!(await this.get(key))) throw new StorageError('KeyNotFound', key);
      throw new StorageError('Conflict', key, `invalid resourceVersion ${JSON.stringify(expectedResourceVersion)}`);
    }
    const res = await this.call(key, () =>
      this.client.txn({
        compare: [modRevisionIs(k, expectedResourceVersion)],
        success: [{ request: { case: 'requestPut', value: { key: k, value } } }],
        failure: [keyExists(k)],
      }),
    );
    if (!res.succeeded) throw missingOrConflict(key, res);
    return this.wrote(key, readBack, res.header);
  }

  async delete(key: string, expectedResourceVersion?: string): Promise<KubeObject> {
    const k = Buffer.from(key);
    if (expectedResourceVersion !== undefined && !isRevision(expectedResourceVersion)) {
      if (!(await this.get(key))) throw new StorageError('KeyNotFound', key);
      throw new StorageError('Conflict', key, `invalid resourceVersion ${JSON.stringify(expectedResourceVersion)}`);
    }
    const res = await this.call(key, () =>
      this.client.txn({
        compare: [
          expectedResourceVersion !== undefined
            ? modRevisionIs(k, expectedResourceVersion)
            : { key: k, target: pb.Compare_CompareTarget.Version, result: pb.Compare_CompareResult.Greater, targetUnion: { case: 'version', value: 0n } },
        ],
        success: [{ request: { case: 'requestDeleteRange', value: { key: k, prevKv: true } } }],
        failure: [keyExists(k)],
      }),
    );
    if (!res.succeeded) throw missingOrConflict(key, res);
    const op = res.responses[0]?.response;
    const prev = op?.case === 'responseDeleteRange' ? op.value.prevKvs[0] : undefined;
    if (!prev) throw new StorageError('KeyNotFound', key);
    return decodeObject(prev.value, revisionOf(res.header));
  }

  async currentRevision(): Promise<string> {
    // count_only on a key nobody uses: the header carries the store revision.
    const res = await this.call('', () => this.client.range({ key: Buffer.from([0]), countOnly: true }));
    return revisionOf(res.header);
  }

  /** Compacts etcd's history up to `revision` (watches and reads before it then fail with 'Expired'). */
  async compact(revision: string): Promise<void> {
    if (!isRevision(revision)) throw new RangeError(`invalid revision ${JSON.stringify(revision)}`);
    await this.call('', () => this.client.compact({ revision: BigInt(revision), physical: true }));
  }

  /**
   * One round of the compactor the apiservers share (see startCompactor): if the key
   * `compact_rev_key` (kube-apiserver's) still has version `expectVersion`, write `revision`
   * into it, which bumps its version, and compact up to `revision` unless that is '0'.
   */
  async compactRound(expectVersion: number, revision: string): Promise<{ version: number; revision: string }> {
    if (!isRevision(revision)) throw new RangeError(`invalid revision ${JSON.stringify(revision)}`);
    const k = Buffer.from(COMPACT_REV_KEY);
    const res = await this.call(COMPACT_REV_KEY, () =>
      this.client.txn({
        compare: [{ key: k, target: pb.Compare_CompareTarget.Version, result: pb.Compare_CompareResult.Equal, targetUnion: { case: 'version', value: BigInt(expectVersion) } }],
        success: [{ request: { case: 'requestPut', value: { key: k, value: Buffer.from(revision) } } }],
        failure: [{ request: { case: 'requestRange', value: { key: k } } }],
      }),
    );
    const current = revisionOf(res.header);
    if (!res.succeeded) {
      // Another apiserver compacted this round: take its count, and offer ours next time.
      const op = res.responses[0]?.response;
      const kv = op?.case === 'responseRange' ? op.value.kvs[0] : undefined;
      return { version: Number(kv?.version ?? 0n), revision: current };
    }
    if (revision !== '0') await this.call('', () => this.client.compact({ revision: BigInt(revision) }));
    return { version: expectVersion + 1, revision: current };
  }

  watch(prefix: string, fromRevision: string, signal: AbortSignal, opts: WatchOptions = {}): AsyncIterable<StorageEvent> {
    return { [Symbol.asyncIterator]: () => this.watchIterator(prefix, fromRevision, signal, opts) };
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /**
   * The object of a successful create or update as reading it back would give it:
   * `readBack` (the object as its stored JSON, copied before the call) at the write's
   * revision. Under a watched prefix a copy is kept for the write's watch event.
   */
  private wrote(key: string, readBack: KubeObject, header: pb.ResponseHeader | undefined): KubeObject {
    const revision = header?.revision ?? 0n;
    (readBack.metadata ??= {}).resourceVersion = revision.toString();
    if (this.isWatched(key)) {
      this.written.delete(key); // set again below: the newest last, for eviction order
      this.written.set(key, { revision, object: deepCopy(readBack) });
      if (this.written.size > WRITTEN_MAX) this.written.delete(this.written.keys().next().value as string);
    }
    return readBack;
  }

  private isWatched(key: string): boolean {
    for (const prefix of this.watchedPrefixes.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** The kept object of the write of `key` at `revision`, once: each event gets its own object. */
  private readonly takeWritten = (key: string, revision: bigint): KubeObject | undefined => {
    const w = this.written.get(key);
    if (!w || w.revision > revision) return undefined;
    this.written.delete(key);
    return w.revision === revision ? w.object : undefined;
  };

  private async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toStorageError(e, key);
    }
  }

  /**
   * One etcd watch on its own gRPC stream, reconnected from the last revision received when the
   * stream breaks (etcd3's Watcher, which this replaced, forgot the start revision on
   * reconnect and hid compaction).
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
    let stream: EtcdWatchStream | undefined;
    let paused = false;
    let failures = 0;
    let finished = false;

    const onAbort = () => {
      finished = true;
      stream?.cancel();
      wake?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.watchedPrefixes.set(prefix, (this.watchedPrefixes.get(prefix) ?? 0) + 1);

    const handle = (res: pb.WatchResponse) => {
      const headerRevision = res.header?.revision ?? 0n;
      if (res.created) {
        failures = 0;
        // Watching "from now": the watch starts right after the creation's revision.
        if (received === undefined) received = headerRevision;
      }
      if (res.canceled) {
        finished = true;
        stream?.cancel();
        push({
          error:
            res.compactRevision > 0n
              ? new StorageError('Expired', prefix, `revision ${fromRevisionOf(received)} has been compacted (compacted up to ${res.compactRevision})`)
              : new StorageError('Unavailable', prefix, `etcd canceled the watch: ${res.cancelReason || 'no reason given'}`),
        });
        return;
      }
      if (res.events.length > 0) {
        const floor = received ?? -1n;
        const events: StorageEvent[] = [];
        for (const ev of res.events) {
          if (!ev.kv) continue;
          const rev = ev.kv.modRevision;
          if (rev <= floor) continue;
          events.push(toEvent(ev.type, ev.kv, ev.prevKv, this.takeWritten));
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
        if (received === undefined || headerRevision > received) {
          received = headerRevision;
          push({ progress: headerRevision.toString() });
        }
      }
    };

    const connect = async (): Promise<void> => {
      while (!finished) {
        try {
          const s = this.client.watch();
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
            requestUnion: {
              case: 'createRequest',
              value: {
                key: Buffer.from(prefix),
                rangeEnd: prefixEnd(prefix),
                prevKv: opts.withPrevious !== false,
                progressNotify: opts.onProgress !== undefined,
                ...(received !== undefined ? { startRevision: received + 1n } : {}),
              },
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
      const watches = (this.watchedPrefixes.get(prefix) ?? 1) - 1;
      if (watches > 0) this.watchedPrefixes.set(prefix, watches);
      else this.watchedPrefixes.delete(prefix);
      stream?.removeAllListeners('data');
      stream?.cancel();
      stream = undefined;
    }
  }
}

/** The key whose version counts agreed compactions, as kube-apiserver names it. */
const COMPACT_REV_KEY = 'compact_rev_key';

const fromRevisionOf = (received: bigint | undefined) => (received === undefined ? 'now' : String(received + 1n));

const isRevision = (rv: string) => /^\d{1,19}$/.test(rv);

/** A response header's revision as a resourceVersion. */
function revisionOf(header: pb.ResponseHeader | undefined): string {
  return (header?.revision ?? 0n).toString();
}

function modRevisionIs(key: Buffer, revision: string): MessageInitShape<typeof pb.CompareSchema> {
  return { key, target: pb.Compare_CompareTarget.Mod, result: pb.Compare_CompareResult.Equal, targetUnion: { case: 'modRevision', value: BigInt(revision) } };
}

/** The failure branch of a conditional write: does the key exist (Conflict) or not (KeyNotFound)? */
function keyExists(key: Buffer): MessageInitShape<typeof pb.RequestOpSchema> {
  return { request: { case: 'requestRange', value: { key, keysOnly: true } } };
}

function decodeKv(kv: mvcc.KeyValue): KubeObject {
  return decodeObject(kv.value, kv.modRevision.toString());
}

function toEvent(
  type: mvcc.Event_EventType,
  kv: mvcc.KeyValue,
  prev: mvcc.KeyValue | undefined,
  written: (key: string, revision: bigint) => KubeObject | undefined,
): StorageEvent {
  const key = utf8(kv.key);
  const revision = kv.modRevision.toString();
  const prevObject = prev && prev.value.length ? decodeKv(prev) : undefined;
  if (type === mvcc.Event_EventType.Delete) {
    // The deleted object as last stored, at the delete's revision. prev_kv can be missing only
    // when etcd compacted it away; then only the revision is known.
    const object = prev && prev.value.length ? decodeObject(prev.value, revision) : { metadata: { resourceVersion: revision } };
    return { type: 'DELETED', key, object, ...(prevObject ? { prevObject } : {}), revision };
  }
  const object = written(key, kv.modRevision) ?? decodeKv(kv);
  if (kv.createRevision === kv.modRevision) return { type: 'ADDED', key, object, revision };
  return { type: 'MODIFIED', key, object, ...(prevObject ? { prevObject } : {}), revision };
}

function missingOrConflict(key: string, res: pb.TxnResponse): StorageError {
  const op = res.responses[0]?.response;
  return op?.case === 'responseRange' && op.value.kvs.length > 0 ? new StorageError('Conflict', key) : new StorageError('KeyNotFound', key);
}

/** Maps etcd's (gRPC) errors onto the storage error codes the registry understands. */
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
