// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { StorageError, compareKeys, isStorageError, type Storage, type StorageEvent } from './storage';

/** One change as a watch-cache watcher sees it (after its key prefix and predicate). */
export interface CacheWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: KubeObject;
  revision: string;
}

export interface WatchCacheOptions {
  /** Events kept for replay to watchers that start from a past revision. Default 10,000. */
  capacity?: number;
  /** Events a watcher may have waiting before it is ended as too slow. Default 10,000. */
  watcherQueueLimit?: number;
  /** Silence after which a watcher that asked for bookmarks gets one. Default 1,000 ms. */
  bookmarkIntervalMs?: number;
  logger?: { warn(o: object, m: string): void };
}

export interface CacheListOptions {
  /** Only keys under this prefix (default: the cache's prefix). */
  keyPrefix?: string;
  predicate?: (obj: KubeObject) => boolean;
  limit?: number;
  /** Continue after this key (exclusive). The page is read at the cache's current revision. */
  continueKey?: string;
}

export interface CacheListResult {
  items: KubeObject[];
  revision: string;
  continueKey?: string;
  /** Objects left after this page; only known when there is no predicate. */
  remaining?: number;
}

export interface CacheWatchOptions {
  keyPrefix?: string;
  predicate?: (obj: KubeObject) => boolean;
  signal: AbortSignal;
  bookmarks?: boolean;
}

/** A change as buffered for replay: the cache's own before/after view of the key. */
interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
  /** The cached object before the change (for predicates' enter/leave). */
  prev?: KubeObject;
  rev: number;
  revision: string;
  /** The events watchers receive for this change, built once and shared by all of them. */
  shared?: Partial<Record<CacheWatchEvent['type'], CacheWatchEvent>>;
}

interface Watcher {
  keyPrefix: string;
  predicate?: (obj: KubeObject) => boolean;
  queue: CacheWatchEvent[];
  head: number;
  wake?: () => void;
  error?: Error;
  bookmarks: boolean;
  lastSentAt: number;
}

const DEFAULT_FRESH_TIMEOUT_MS = 3_000;
const RELIST_BACKOFF_MS = [100, 200, 500, 1_000, 2_000, 5_000];

/**
 * WatchCache mirrors one resource prefix (e.g. `/registry/pods/`) in memory, fed by a single
 * storage watch, and serves lists and watches from it so that many watchers cost one etcd
 * watch. It keeps the latest objects (sorted by key) and the last `capacity` changes for
 * watchers that resume from a past revision, as the Kubernetes apiserver's cacher does.
 *
 * Objects are shared, not copied: the same object instance goes to the cache, to every
 * lister and to every watcher, so fan-out costs O(watchers) per event with no cloning.
 * Callers must treat every object they get from the cache as immutable (copy before changing).
 *
 * Consistent reads: the registry passes `storage.currentRevision()` to waitUntilFresh. The
 * cache's revision moves with events and with the storage's progress notifications, so with
 * etcd the server must send them often (`--experimental-watch-progress-notify-interval=100ms`);
 * with etcd's default (10 min) waitUntilFresh times out unless the prefix itself changes.
 */
export class WatchCache {
  private readonly capacity: number;
  private readonly watcherQueueLimit: number;
  private readonly bookmarkIntervalMs: number;
  private readonly logger: { warn(o: object, m: string): void } | undefined;

  private readonly objects = new Map<string, KubeObject>();
  private keys: string[] = [];
  /** Ring of recent changes: live entries are changes[start..]. */
  private changes: Change[] = [];
  private start0 = 0;
  /** The cache can replay every change after this revision. */
  private oldestRev = 0;
  private rev = 0;
  /** Keys applied at `rev`, to drop repeats of a multi-key revision. */
  private keysAtRev = new Set<string>();
  private lastEventRev = 0;
  private typeMeta: { apiVersion?: string; kind?: string } = {};

  private readonly watchers = new Set<Watcher>();
  private waiters: { target: number; resolve(): void; reject(e: Error): void; timer: NodeJS.Timeout }[] = [];
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    readonly prefix: string,
    opts: WatchCacheOptions = {},
  ) {
    this.capacity = Math.max(1, opts.capacity ?? 10_000);
    this.watcherQueueLimit = Math.max(1, opts.watcherQueueLimit ?? 10_000);
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1_000;
    this.logger = opts.logger;
  }

  /** The latest revision the cache has seen (events and progress). */
  get revision(): string {
    return String(this.rev);
  }

  /** Lists the prefix, then follows it with one watch; resolves once the first list is loaded. */
  async start(): Promise<void> {
    if (this.abort) throw new Error('WatchCache already started');
    this.stopped = false;
    this.abort = new AbortController();
    await this.relist();
    void this.follow(this.abort.signal);
  }

  /** Stops the storage watch, ends every watcher and fails pending waitUntilFresh calls. */
  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    this.abort = undefined;
    for (const w of this.watchers) this.end(w);
    this.watchers.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new StorageError('Unavailable', this.prefix, 'watch cache stopped'));
    }
    this.waiters = [];
    this.syncBookmarkTimer();
  }

  /**
   * Resolves once the cache has seen `revision` (so a list from it is at least that fresh).
   * Rejects with StorageError 'Unavailable' after `timeoutMs` (default 3 s); the caller may
   * then read from storage instead.
   */
  waitUntilFresh(revision: string, timeoutMs = DEFAULT_FRESH_TIMEOUT_MS): Promise<void> {
    const target = Number(revision);
    if (!Number.isFinite(target) || target <= this.rev) return Promise.resolve();
    if (this.stopped) return Promise.reject(new StorageError('Unavailable', this.prefix, 'watch cache stopped'));
    return new Promise((resolve, reject) => {
      const waiter = {
        target,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(
            new StorageError(
              'Unavailable',
              this.prefix,
              `watch cache for ${this.prefix} is at revision ${this.rev}, not ${revision}, after ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Lists cached objects sorted by key, at the cache's current revision. */
  list(opts: CacheListOptions = {}): CacheListResult {
    const keyPrefix = opts.keyPrefix ?? this.prefix;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const from = opts.continueKey ? upperBound(this.keys, opts.continueKey) : lowerBound(this.keys, keyPrefix);
    const items: KubeObject[] = [];
    let i = from;
    for (; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(keyPrefix)) break;
      if (items.length >= limit) break;
      const obj = this.objects.get(key)!;
      if (!opts.predicate || opts.predicate(obj)) items.push(obj);
    }
    const result: CacheListResult = { items, revision: this.revision };
    const more = i < this.keys.length && this.keys[i]!.startsWith(keyPrefix);
    if (more && items.length >= limit) {
      result.continueKey = this.keys[i - 1]!;
      if (!opts.predicate) result.remaining = lowerBound(this.keys, prefixUpper(keyPrefix)) - i;
    }
    return result;
  }

  /** The cached object at a storage key. */
  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Watches from a revision: first the buffered changes after `fromRevision` ('' or '0': the
   * current objects as ADDED), then live changes. Throws StorageError 'Expired' when the
   * revision is older than the buffer, or later when the cache had to re-list; 'Unavailable'
   * when the watcher fell more than `watcherQueueLimit` events behind. Ends when `signal` aborts.
   */
  watch(fromRevision: string, opts: CacheWatchOptions): AsyncIterable<CacheWatchEvent> {
    return { [Symbol.asyncIterator]: () => this.watchIterator(fromRevision, opts) };
  }

  private async *watchIterator(fromRevision: string, opts: CacheWatchOptions): AsyncGenerator<CacheWatchEvent> {
    if (opts.signal.aborted) return;
    const from = fromRevision === '' || fromRevision === '0' ? undefined : Number(fromRevision);
    if (from !== undefined && (!Number.isSafeInteger(from) || from < 0)) {
      throw new RangeError(`invalid resourceVersion ${JSON.stringify(fromRevision)}`);
    }
    // A revision the cache has not reached yet: wait for it, as Kubernetes does.
    if (from !== undefined && from > this.rev) await this.waitUntilFresh(String(from));
    const w: Watcher = {
      keyPrefix: opts.keyPrefix ?? this.prefix,
      queue: [],
      head: 0,
      bookmarks: !!opts.bookmarks,
      lastSentAt: Date.now(),
      ...(opts.predicate ? { predicate: opts.predicate } : {}),
    };
    // Replay and subscribe in one synchronous step so that no change falls in between.
    if (from === undefined) {
      for (let i = lowerBound(this.keys, w.keyPrefix); i < this.keys.length; i++) {
        const key = this.keys[i]!;
        if (!key.startsWith(w.keyPrefix)) break;
        const obj = this.objects.get(key)!;
        if (!w.predicate || w.predicate(obj)) w.queue.push({ type: 'ADDED', object: obj, revision: rvOf(obj) });
      }
    } else {
      if (from < this.oldestRev) {
        throw new StorageError('Expired', this.prefix, `too old resource version: ${from} (${this.oldestRev})`);
      }
      for (let i = this.firstChangeAfter(from); i < this.changes.length; i++) this.deliver(w, this.changes[i]!, true);
    }
    this.watchers.add(w);
    this.syncBookmarkTimer();
    const onAbort = () => w.wake?.();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (opts.signal.aborted) return;
        if (w.error) throw w.error;
        if (w.head < w.queue.length) {
          const ev = w.queue[w.head]!;
          w.queue[w.head++] = undefined as unknown as CacheWatchEvent; // let it be collected
          if (w.head === w.queue.length) {
            w.queue = [];
            w.head = 0;
          } else if (w.head > 1024 && w.head * 2 > w.queue.length) {
            w.queue = w.queue.slice(w.head);
            w.head = 0;
          }
          w.lastSentAt = Date.now();
          yield ev;
          continue;
        }
        if (this.stopped) return;
        await new Promise<void>((resolve) => (w.wake = resolve));
        w.wake = undefined;
      }
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
      this.watchers.delete(w);
      this.syncBookmarkTimer();
    }
  }

  /** Follows the storage watch; on any failure, fails the watchers, re-lists and follows again. */
  private async follow(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        // Every object is here already: no need for etcd to read, and us to decode, each one's previous version.
        const events = this.storage.watch(this.prefix, this.revision, signal, { withPrevious: false, onProgress: (r) => this.progress(Number(r)) });
        for await (const ev of events) {
          this.apply(ev);
          failures = 0;
        }
        if (signal.aborted) return;
        throw new StorageError('Unavailable', this.prefix, 'storage watch ended');
      } catch (e) {
        if (signal.aborted) return;
        this.logger?.warn(
          { prefix: this.prefix, revision: this.revision, err: e instanceof Error ? e.message : String(e) },
          isStorageError(e, 'Expired') ? 'watch cache fell behind storage compaction; re-listing' : 'watch cache lost its storage watch; re-listing',
        );
      }
      // Like Kubernetes' cacher: watchers of the broken stream must re-list too.
      const expired = new StorageError('Expired', this.prefix, 'the watch cache was re-initialized; list again');
      for (;;) {
        if (signal.aborted) return;
        await sleep(RELIST_BACKOFF_MS[Math.min(failures, RELIST_BACKOFF_MS.length - 1)]!);
        if (signal.aborted) return;
        try {
          for (const w of this.watchers) this.fail(w, expired);
          await this.relist();
          // Watchers that joined while the list was loading saw the old state.
          for (const w of this.watchers) this.fail(w, expired);
          break;
        } catch (e) {
          failures++;
          this.logger?.warn({ prefix: this.prefix, err: e instanceof Error ? e.message : String(e) }, 'watch cache re-list failed');
        }
      }
    }
  }

  /** Replaces the cached state with a fresh list; the replay buffer starts over at its revision. */
  private async relist(): Promise<void> {
    const list = await this.storage.list(this.prefix);
    this.objects.clear();
    const keys: string[] = [];
    list.items.forEach((obj, i) => {
      const key = list.keys?.[i] ?? this.keyOf(obj);
      if (key === undefined) return;
      this.objects.set(key, obj);
      keys.push(key);
    });
    for (const obj of list.items) this.noteType(obj);
    keys.sort(compareKeys);
    this.keys = keys;
    this.changes = [];
    this.start0 = 0;
    const rev = Number(list.revision);
    this.oldestRev = rev;
    this.lastEventRev = rev;
    this.keysAtRev = new Set();
    this.rev = Math.max(this.rev, rev);
    this.resolveWaiters();
  }

  /** A storage key from metadata, for storages whose lists do not return keys (`<prefix><namespace>/<name>`). */
  private keyOf(obj: KubeObject): string | undefined {
    const ns = obj.metadata?.namespace;
    const name = obj.metadata?.name;
    if (!name) return undefined;
    return ns ? `${this.prefix}${ns}/${name}` : `${this.prefix}${name}`;
  }

  private apply(ev: StorageEvent): void {
    const rev = Number(ev.revision);
    // etcd may repeat events after a reconnect; never apply a revision twice or go back.
    if (rev < this.lastEventRev || (rev === this.lastEventRev && this.keysAtRev.has(ev.key))) return;
    if (rev > this.lastEventRev) {
      this.lastEventRev = rev;
      this.keysAtRev = new Set();
    }
    this.keysAtRev.add(ev.key);

    const prev = this.objects.get(ev.key);
    let type: Change['type'];
    if (ev.type === 'DELETED') {
      if (!prev) {
        // Nothing cached to delete (cannot happen after a consistent list); still a revision seen.
        this.progress(rev);
        return;
      }
      this.objects.delete(ev.key);
      removeSorted(this.keys, ev.key);
      type = 'DELETED';
    } else {
      this.objects.set(ev.key, ev.object);
      if (!prev) insertSorted(this.keys, ev.key);
      type = prev ? 'MODIFIED' : 'ADDED';
      this.noteType(ev.object);
    }
    // A deletion is the last stored object at the delete's revision (the storage watch does not send it).
    const object = type === 'DELETED' && prev ? { ...prev, metadata: { ...prev.metadata, resourceVersion: ev.revision } } : ev.object;
    const change: Change = { type, key: ev.key, object, rev, revision: ev.revision };
    if (prev) change.prev = prev;
    this.changes.push(change);
    if (this.changes.length - this.start0 > this.capacity) {
      const dropped = this.changes[this.start0]!;
      this.changes[this.start0++] = undefined as unknown as Change;
      this.oldestRev = dropped.rev;
      if (this.start0 > 1024 && this.start0 * 2 > this.changes.length) {
        this.changes = this.changes.slice(this.start0);
        this.start0 = 0;
      }
    }
    if (rev > this.rev) this.rev = rev;
    for (const w of this.watchers) this.deliver(w, change, false);
    this.resolveWaiters();
  }

  private progress(rev: number): void {
    if (rev <= this.rev) return;
    this.rev = rev;
    this.resolveWaiters();
  }

  /** Queues a change for one watcher, as its prefix and predicate make it look. */
  private deliver(w: Watcher, c: Change, replay: boolean): void {
    if (w.error || !c.key.startsWith(w.keyPrefix)) return;
    let type: CacheWatchEvent['type'] | undefined;
    if (!w.predicate) {
      type = c.type;
    } else {
      const now = c.type !== 'DELETED' && w.predicate(c.object);
      const before = c.type === 'DELETED' ? w.predicate(c.object) : c.prev !== undefined && w.predicate(c.prev);
      type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    }
    if (!type) return;
    const ev = sharedEvent(c, type);
    if (!replay && w.queue.length - w.head >= this.watcherQueueLimit) {
      this.fail(w, new StorageError('Unavailable', this.prefix, `watcher fell behind by more than ${this.watcherQueueLimit} events`));
      return;
    }
    w.queue.push(ev);
    w.wake?.();
  }

  private fail(w: Watcher, e: Error): void {
    w.error = e;
    w.queue = [];
    w.head = 0;
    this.watchers.delete(w);
    w.wake?.();
  }

  private end(w: Watcher): void {
    w.wake?.();
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiting = [];
    for (const waiter of this.waiters) {
      if (waiter.target <= this.rev) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else {
        waiting.push(waiter);
      }
    }
    this.waiters = waiting;
  }

  /** Index of the first buffered change with a revision after `rev`. */
  private firstChangeAfter(rev: number): number {
    let lo = this.start0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.changes[mid]!.rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private noteType(obj: KubeObject): void {
    if (obj.kind && obj.kind !== this.typeMeta.kind) this.typeMeta = { apiVersion: obj.apiVersion, kind: obj.kind };
  }

  /** One timer for all watchers: a bookmark after each ~interval of silence. */
  private syncBookmarkTimer(): void {
    const want = !this.stopped && [...this.watchers].some((w) => w.bookmarks);
    if (want && !this.bookmarkTimer) {
      this.bookmarkTimer = setInterval(() => this.sendBookmarks(), Math.max(10, Math.floor(this.bookmarkIntervalMs / 4)));
      this.bookmarkTimer.unref();
    } else if (!want && this.bookmarkTimer) {
      clearInterval(this.bookmarkTimer);
      this.bookmarkTimer = undefined;
    }
  }

  private sendBookmarks(): void {
    const now = Date.now();
    let bookmark: CacheWatchEvent | undefined;
    for (const w of this.watchers) {
      if (!w.bookmarks || w.error || w.head < w.queue.length || now - w.lastSentAt < this.bookmarkIntervalMs) continue;
      bookmark ??= {
        type: 'BOOKMARK',
        object: { ...this.typeMeta, metadata: { resourceVersion: this.revision } },
        revision: this.revision,
      };
      w.lastSentAt = now;
      w.queue.push(bookmark);
      w.wake?.();
    }
  }
}

/**
 * The event of `type` for a change, shared by every watcher that gets it. A watcher whose
 * predicate the object leaves gets DELETED with the previous object at the change's revision.
 */
function sharedEvent(c: Change, type: CacheWatchEvent['type']): CacheWatchEvent {
  const shared = (c.shared ??= {});
  let ev = shared[type];
  if (!ev) {
    let object = c.object;
    if (type === 'DELETED' && c.type !== 'DELETED') {
      const prev = c.prev ?? c.object;
      object = { ...prev, metadata: { ...prev.metadata, resourceVersion: c.revision } };
    }
    ev = shared[type] = { type, object, revision: c.revision };
  }
  return ev;
}

const rvOf = (obj: KubeObject) => obj.metadata?.resourceVersion ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** First index whose key is >= `key`. */
function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > `key`. */
function upperBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string that starts with `prefix`. */
function prefixUpper(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function insertSorted(keys: string[], key: string): void {
  const i = lowerBound(keys, key);
  if (keys[i] !== key) keys.splice(i, 0, key);
}

function removeSorted(keys: string[], key: string): void {
  const i = lowerBound(keys, key);
  if (keys[i] === key) keys.splice(i, 1);
}
