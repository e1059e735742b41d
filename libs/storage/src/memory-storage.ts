// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import {
  StorageError,
  compareKeys,
  decodeObject,
  encodeObject,
  type ListOptions,
  type ListResult,
  type Storage,
  type StorageEvent,
  type WatchOptions,
} from './storage';

export interface MemoryStorageOptions {
  /** Changes kept for watch replay and reads at past revisions; older ones are compacted. Default 10,000. */
  historySize?: number;
}

interface Stored {
  value: string;
  createRevision: number;
  modRevision: number;
}

interface Change {
  revision: number;
  key: string;
  /** The value after the change; undefined for a delete. */
  next?: Stored;
  /** The value before the change; undefined for a create. */
  prev?: Stored;
}

interface MemoryWatcher {
  prefix: string;
  push(change: Change): void;
  progress(revision: number): void;
}

/**
 * Storage in process memory with etcd's semantics: one global revision counter, mod revisions
 * as resourceVersions, a bounded change history for watch replay and reads at past revisions
 * (older revisions are 'Expired', as after an etcd compaction). For tests and single-process
 * runs; passes the same contract as EtcdStorage. Objects are stored as JSON, so callers never
 * share objects with the store or with each other.
 */
export class MemoryStorage implements Storage {
  private revision = 1; // an empty etcd is at revision 1
  private compactedRevision = 0;
  private readonly data = new Map<string, Stored>();
  private readonly history: Change[] = [];
  private readonly watchers = new Set<MemoryWatcher>();
  private readonly historySize: number;
  private closed = false;

  constructor(opts: MemoryStorageOptions = {}) {
    this.historySize = opts.historySize ?? 10_000;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const value = encodeObject(key, obj).toString('utf8');
    this.checkOpen(key);
    if (this.data.has(key)) throw new StorageError('KeyExists', key);
    const rev = ++this.revision;
    this.apply({ revision: rev, key, next: { value, createRevision: rev, modRevision: rev } });
    return decodeObject(value, String(rev));
  }

  async get(key: string): Promise<KubeObject | undefined> {
    this.checkOpen(key);
    const s = this.data.get(key);
    return s ? decodeObject(s.value, String(s.modRevision)) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen(prefix);
    if (opts.continueKey !== undefined && opts.continueKey !== '' && !opts.continueKey.startsWith(prefix)) {
      throw new RangeError(`continue key ${opts.continueKey} is outside ${prefix}`);
    }
    const at = opts.revision && opts.revision !== '0' ? Number(opts.revision) : this.revision;
    if (!Number.isSafeInteger(at) || at < 0) throw new RangeError(`invalid revision ${opts.revision}`);
    if (at > this.revision) throw new StorageError('Unavailable', prefix, `revision ${at} is in the future`);
    const state = this.stateAt(prefix, at);
    const keys = [...state.keys()].filter((k) => !opts.continueKey || compareKeys(k, opts.continueKey) > 0).sort(compareKeys);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length;
    const page = keys.slice(0, limit);
    const result: ListResult = {
      items: page.map((k) => {
        const s = state.get(k)!;
        return decodeObject(s.value, String(s.modRevision));
      }),
      keys: page,
      revision: String(at),
    };
    if (page.length < keys.length && page.length > 0) {
      result.continueKey = page[page.length - 1]!;
      result.remaining = keys.length - page.length;
    }
    return result;
  }

  async update(key: string, obj: KubeObject, expectedResourceVersion: string): Promise<KubeObject> {
    const value = encodeObject(key, obj).toString('utf8');
    this.checkOpen(key);
    const prev = this.data.get(key);
    if (!prev) throw new StorageError('KeyNotFound', key);
    if (String(prev.modRevision) !== expectedResourceVersion) throw new StorageError('Conflict', key);
    const rev = ++this.revision;
    this.apply({ revision: rev, key, prev, next: { value, createRevision: prev.createRevision, modRevision: rev } });
    return decodeObject(value, String(rev));
  }

  async delete(key: string, expectedResourceVersion?: string): Promise<KubeObject> {
    this.checkOpen(key);
    const prev = this.data.get(key);
    if (!prev) throw new StorageError('KeyNotFound', key);
    if (expectedResourceVersion !== undefined && String(prev.modRevision) !== expectedResourceVersion) {
      throw new StorageError('Conflict', key);
    }
    const rev = ++this.revision;
    this.apply({ revision: rev, key, prev });
    return decodeObject(prev.value, String(rev));
  }

  async currentRevision(): Promise<string> {
    return String(this.revision);
  }

  /** Forgets history up to `revision`, like etcd's compaction. */
  async compact(revision: string): Promise<void> {
    const rev = Number(revision);
    if (rev > this.revision) throw new StorageError('Unavailable', '', `cannot compact the future revision ${rev}`);
    if (rev <= this.compactedRevision) throw new StorageError('Expired', '', `revision ${rev} is already compacted`);
    this.compactedRevision = rev;
    let drop = 0;
    while (drop < this.history.length && this.history[drop]!.revision <= rev) drop++;
    this.history.splice(0, drop);
  }

  watch(prefix: string, fromRevision: string, signal: AbortSignal, opts: WatchOptions = {}): AsyncIterable<StorageEvent> {
    return { [Symbol.asyncIterator]: () => this.watchIterator(prefix, fromRevision, signal, opts) };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async *watchIterator(
    prefix: string,
    fromRevision: string,
    signal: AbortSignal,
    opts: WatchOptions,
  ): AsyncGenerator<StorageEvent> {
    this.checkOpen(prefix);
    const from = fromRevision === '' || fromRevision === '0' ? this.revision : Number(fromRevision);
    if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`invalid revision ${fromRevision}`);
    // etcd can replay from compactedRevision + 1 onwards, so a watch "after" it still works.
    if (from < this.compactedRevision) {
      throw new StorageError('Expired', prefix, `revision ${fromRevision} has been compacted (compacted up to ${this.compactedRevision})`);
    }
    type Item = Change | number; // a number is a progress revision
    const queue: Item[] = [];
    let wake: (() => void) | undefined;
    // Replay and subscribe in the same synchronous step, so no change falls in between.
    for (const c of this.history) if (c.revision > from && c.key.startsWith(prefix)) queue.push(c);
    const watcher: MemoryWatcher = {
      prefix,
      push: (c) => {
        queue.push(c);
        wake?.();
      },
      progress: (rev) => {
        if (typeof queue[queue.length - 1] === 'number') queue[queue.length - 1] = rev;
        else queue.push(rev);
        wake?.();
      },
    };
    if (!opts.onProgress) watcher.progress = () => undefined;
    this.watchers.add(watcher);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        const item = queue.shift();
        if (item === undefined) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if (typeof item === 'number') {
          opts.onProgress?.(String(item));
          continue;
        }
        yield toEvent(item);
      }
    } finally {
      this.watchers.delete(watcher);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private apply(change: Change): void {
    if (change.next) this.data.set(change.key, change.next);
    else this.data.delete(change.key);
    this.history.push(change);
    if (this.history.length > this.historySize) {
      const dropped = this.history.shift()!;
      this.compactedRevision = dropped.revision;
    }
    for (const w of this.watchers) {
      if (change.key.startsWith(w.prefix)) w.push(change);
      else w.progress(change.revision);
    }
  }

  /** The keys under `prefix` as they were at revision `at`, rebuilt by undoing newer changes. */
  private stateAt(prefix: string, at: number): Map<string, Stored> {
    if (at < this.compactedRevision) {
      throw new StorageError('Expired', prefix, `revision ${at} has been compacted (compacted up to ${this.compactedRevision})`);
    }
    const state = new Map<string, Stored>();
    for (const [k, s] of this.data) if (k.startsWith(prefix)) state.set(k, s);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const c = this.history[i]!;
      if (c.revision <= at) break;
      if (!c.key.startsWith(prefix)) continue;
      if (c.prev) state.set(c.key, c.prev);
      else state.delete(c.key);
    }
    return state;
  }

  private checkOpen(key: string): void {
    if (this.closed) throw new StorageError('Unavailable', key, 'storage is closed');
  }
}

function toEvent(c: Change): StorageEvent {
  const revision = String(c.revision);
  if (!c.next) {
    const prev = c.prev!;
    return {
      type: 'DELETED',
      key: c.key,
      object: decodeObject(prev.value, revision),
      prevObject: decodeObject(prev.value, String(prev.modRevision)),
      revision,
    };
  }
  const object = decodeObject(c.next.value, revision);
  if (!c.prev) return { type: 'ADDED', key: c.key, object, revision };
  return { type: 'MODIFIED', key: c.key, object, prevObject: decodeObject(c.prev.value, String(c.prev.modRevision)), revision };
}

