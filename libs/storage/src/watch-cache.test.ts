// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '@berth/api';
import { startEtcd, type EtcdServer } from '@berth/testing';
import { EtcdStorage } from './etcd-storage';
import { MemoryStorage } from './memory-storage';
import { StorageError, isStorageError, type Storage, type StorageEvent, type WatchOptions } from './storage';
import { WatchCache, type CacheWatchEvent, type WatchCacheOptions } from './watch-cache';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

watchCacheSuite('MemoryStorage', async () => {
  const storage = new MemoryStorage();
  return { storage, cleanup: () => storage.close() };
});
watchCacheSuite('etcd', async () => {
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  return { storage, cleanup: () => storage.close() };
});

function watchCacheSuite(name: string, make: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>) {
  describe(`WatchCache on ${name}`, () => {
    let n = 0;
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    /** A storage, a fresh resource prefix, and a started cache on it. */
    const setup = async (opts?: WatchCacheOptions, seed: (s: Storage, prefix: string) => Promise<void> = async () => {}) => {
      const { storage, cleanup } = await make();
      cleanups.push(cleanup);
      const prefix = `/registry/wc${Date.now().toString(36)}x${n++}/pods/`;
      await seed(storage, prefix);
      const cache = new WatchCache(storage, prefix, opts);
      await cache.start();
      cleanups.push(() => cache.stop());
      return { storage, prefix, cache };
    };

    test('lists what storage lists, before and after changes', async () => {
      const { storage, prefix, cache } = await setup(undefined, async (s, p) => {
        for (const [ns, name] of [['b', 'x'], ['a', 'y'], ['a', 'x']] as const) await s.create(`${p}${ns}/${name}`, pod(ns, name));
      });
      assert.deepEqual(cache.list().items, (await storage.list(prefix)).items);
      const y = await storage.get(`${prefix}a/y`);
      await storage.update(`${prefix}a/y`, pod('a', 'y', { app: 'changed' }), rv(y));
      await storage.delete(`${prefix}b/x`);
      await storage.create(`${prefix}a/z`, pod('a', 'z'));
      await storage.create(`${prefix}c/w`, pod('c', 'w'));
      await cache.waitUntilFresh(await storage.currentRevision());
      const fromStorage = await storage.list(prefix);
      const fromCache = cache.list();
      assert.deepEqual(fromCache.items, fromStorage.items);
      assert.deepEqual(names(fromCache.items), ['a/x', 'a/y', 'a/z', 'c/w']);
      assert.ok(Number(fromCache.revision) >= Number(rv(fromStorage.items.at(-1))));
      assert.deepEqual(cache.list({ keyPrefix: `${prefix}a/` }).items, (await storage.list(`${prefix}a/`)).items);
      assert.deepEqual(cache.get(`${prefix}a/y`), await storage.get(`${prefix}a/y`));
      assert.equal(cache.get(`${prefix}b/x`), undefined);
    });

    test('pages lists with limit and continue, and filters with a predicate', async () => {
      const { prefix, cache } = await setup(undefined, async (s, p) => {
        for (let i = 1; i <= 5; i++) await s.create(`${p}ns/p${i}`, pod('ns', `p${i}`, { app: i % 2 ? 'odd' : 'even' }));
      });
      const page1 = cache.list({ limit: 2 });
      assert.deepEqual(names(page1.items), ['ns/p1', 'ns/p2']);
      assert.equal(page1.continueKey, `${prefix}ns/p2`);
      assert.equal(page1.remaining, 3);
      const page2 = cache.list({ limit: 2, continueKey: page1.continueKey! });
      assert.deepEqual(names(page2.items), ['ns/p3', 'ns/p4']);
      const page3 = cache.list({ limit: 2, continueKey: page2.continueKey! });
      assert.deepEqual(names(page3.items), ['ns/p5']);
      assert.equal(page3.continueKey, undefined);
      assert.deepEqual(names(cache.list({ predicate: (o) => o.metadata?.labels?.app === 'odd' }).items), ['ns/p1', 'ns/p3', 'ns/p5']);
    });

    test('replays buffered changes after a revision, like storage, then follows live', async () => {
      const { storage, prefix, cache } = await setup();
      const from = await storage.currentRevision();
      const a = await storage.create(`${prefix}ns/a`, pod('ns', 'a'));
      await storage.update(`${prefix}ns/a`, pod('ns', 'a', { app: 'v2' }), rv(a));
      await storage.create(`${prefix}ns/b`, pod('ns', 'b'));
      await storage.delete(`${prefix}ns/a`);
      await cache.waitUntilFresh(await storage.currentRevision());
      const ac = new AbortController();
      const it = cache.watch(from, { signal: ac.signal })[Symbol.asyncIterator]();
      const replay = await take(it, 4);
      const direct = await takeStorage(storage.watch(prefix, from, ac.signal)[Symbol.asyncIterator](), 4);
      assert.deepEqual(
        replay.map((e) => [e.type, e.object.metadata?.name, e.revision, rv(e.object)]),
        direct.map((e) => [e.type, e.object.metadata?.name, e.revision, rv(e.object)]),
      );
      assert.deepEqual(replay.map((e) => e.type), ['ADDED', 'MODIFIED', 'ADDED', 'DELETED']);
      const c = await storage.create(`${prefix}ns/c`, pod('ns', 'c'));
      const [live] = await take(it, 1);
      assert.deepEqual([live!.type, live!.object.metadata?.name, live!.revision], ['ADDED', 'c', rv(c)]);
      ac.abort();
      assert.equal((await it.next()).done, true);
    });

    test('watch from "" or "0" starts with the current objects as ADDED', async () => {
      const { storage, prefix, cache } = await setup(undefined, async (s, p) => {
        await s.create(`${p}ns/b`, pod('ns', 'b'));
        await s.create(`${p}ns/a`, pod('ns', 'a'));
        await s.create(`${p}other/c`, pod('other', 'c'));
      });
      const ac = new AbortController();
      const it = cache.watch('', { keyPrefix: `${prefix}ns/`, signal: ac.signal })[Symbol.asyncIterator]();
      const initial = await take(it, 2);
      assert.deepEqual(initial.map((e) => [e.type, e.object.metadata?.name]), [['ADDED', 'a'], ['ADDED', 'b']]);
      await storage.create(`${prefix}other/d`, pod('other', 'd')); // outside the watcher's prefix
      await storage.create(`${prefix}ns/e`, pod('ns', 'e'));
      const [live] = await take(it, 1);
      assert.equal(live!.object.metadata?.name, 'e');
      ac.abort();
    });

    test('a revision older than the buffer fails with Expired', async () => {
      const { storage, prefix, cache } = await setup({ capacity: 3 });
      const start = await storage.currentRevision();
      for (let i = 0; i < 6; i++) await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`));
      await cache.waitUntilFresh(await storage.currentRevision());
      const ac = new AbortController();
      await assert.rejects(cache.watch(start, { signal: ac.signal })[Symbol.asyncIterator]().next(), (e) => isStorageError(e, 'Expired'));
      // The last three changes are still there.
      const p2 = cache.get(`${prefix}ns/p2`)!;
      const it = cache.watch(rv(p2), { signal: ac.signal })[Symbol.asyncIterator]();
      assert.deepEqual(names((await take(it, 3)).map((e) => e.object)), ['ns/p3', 'ns/p4', 'ns/p5']);
      ac.abort();
    });

    test('1,000 concurrent watchers all receive a write', async () => {
      const { storage, prefix, cache } = await setup();
      const ac = new AbortController();
      setMaxListeners(0, ac.signal); // one signal for all 1,000 watchers
      const from = await storage.currentRevision();
      const received = Array.from({ length: 1_000 }, async () => {
        for await (const ev of cache.watch(from, { signal: ac.signal })) return ev;
        return undefined;
      });
      const created = await storage.create(`${prefix}ns/fanout`, pod('ns', 'fanout'));
      const events = await withTimeout(Promise.all(received), 10_000);
      ac.abort();
      for (const ev of events) {
        assert.equal(ev?.type, 'ADDED');
        assert.equal(ev?.revision, rv(created));
      }
      // Shared, not cloned: every watcher got the same object.
      assert.equal(new Set(events.map((e) => e?.object)).size, 1);
    });

    test('filtered watchers see objects entering as ADDED and leaving as DELETED', async () => {
      const { storage, prefix, cache } = await setup();
      const ac = new AbortController();
      const web = (o: KubeObject) => o.metadata?.labels?.app === 'web';
      const it = cache.watch(await storage.currentRevision(), { predicate: web, signal: ac.signal })[Symbol.asyncIterator]();
      const v1 = await storage.create(`${prefix}ns/p`, pod('ns', 'p', { app: 'db' })); // not seen
      const v2 = await storage.update(`${prefix}ns/p`, pod('ns', 'p', { app: 'web' }), rv(v1)); // enters
      const v3 = await storage.update(`${prefix}ns/p`, pod('ns', 'p', { app: 'web', tier: 'front' }), rv(v2)); // stays
      const v4 = await storage.update(`${prefix}ns/p`, pod('ns', 'p', { app: 'db' }), rv(v3)); // leaves
      await storage.delete(`${prefix}ns/p`); // not seen: it no longer matches
      const w = await storage.create(`${prefix}ns/w`, pod('ns', 'w', { app: 'web' }));
      const gone = await storage.delete(`${prefix}ns/w`); // seen: it matched
      const events = await take(it, 5);
      assert.deepEqual(
        events.map((e) => [e.type, e.object.metadata?.name, e.revision]),
        [
          ['ADDED', 'p', rv(v2)],
          ['MODIFIED', 'p', rv(v3)],
          ['DELETED', 'p', rv(v4)],
          ['ADDED', 'w', rv(w)],
          ['DELETED', 'w', rv(gone)],
        ],
      );
      // Leaving: the last matching content, at the revision of the change that made it leave.
      assert.deepEqual(events[2]!.object.metadata?.labels, { app: 'web', tier: 'front' });
      assert.equal(rv(events[2]!.object), rv(v4));
      ac.abort();
    });

    test('waitUntilFresh follows the store revision, also past writes to other resources', async () => {
      const { storage, prefix, cache } = await setup();
      await storage.create(`${prefix}ns/a`, pod('ns', 'a'));
      await storage.create(`/registry/wc-elsewhere${n++}/x`, pod('ns', 'x')); // another prefix
      const now = await storage.currentRevision();
      await withTimeout(cache.waitUntilFresh(now), 5_000);
      assert.ok(Number(cache.revision) >= Number(now));
      assert.equal(cache.list().items.length, 1);
      await assert.rejects(cache.waitUntilFresh(String(Number(now) + 1_000), 200), (e) => isStorageError(e, 'Unavailable'));
    });

    test('sends bookmarks with the current revision after silence', async () => {
      const { storage, prefix, cache } = await setup({ bookmarkIntervalMs: 100 });
      const ac = new AbortController();
      const it = cache.watch(await storage.currentRevision(), { signal: ac.signal, bookmarks: true })[Symbol.asyncIterator]();
      await storage.create(`${prefix}ns/a`, pod('ns', 'a'));
      const [added, bookmark] = await take(it, 2);
      assert.equal(added!.type, 'ADDED');
      assert.equal(bookmark!.type, 'BOOKMARK');
      assert.ok(Number(bookmark!.revision) >= Number(added!.revision));
      assert.equal(bookmark!.object.metadata?.resourceVersion, bookmark!.revision);
      assert.equal(bookmark!.object.kind, 'Pod');
      ac.abort();
    });

    test('a watcher that does not keep up is ended without holding back others', async () => {
      const { storage, prefix, cache } = await setup({ watcherQueueLimit: 3 });
      const ac = new AbortController();
      const from = await storage.currentRevision();
      const slow = cache.watch(from, { signal: ac.signal })[Symbol.asyncIterator]();
      const fast = cache.watch(from, { signal: ac.signal })[Symbol.asyncIterator]();
      const fastEvents = take(fast, 6);
      void slow.next().catch(() => undefined); // registers, then stops reading
      for (let i = 0; i < 6; i++) await storage.create(`${prefix}ns/p${i}`, pod('ns', `p${i}`));
      assert.equal((await fastEvents).length, 6);
      await assert.rejects(
        (async () => {
          for (;;) await withTimeout(slow.next(), 5_000);
        })(),
        (e) => isStorageError(e, 'Unavailable'),
      );
      ac.abort();
    });
  });
}

describe('WatchCache and its storage watch', () => {
  test('drops repeated and out-of-order events from storage', async () => {
    const mem = new MemoryStorage();
    const storage = new RepeatingStorage(mem);
    const cache = new WatchCache(storage, '/registry/pods/');
    await cache.start();
    const ac = new AbortController();
    try {
      const from = await mem.currentRevision();
      const it = cache.watch(from, { signal: ac.signal })[Symbol.asyncIterator]();
      const a = await mem.create('/registry/pods/ns/a', pod('ns', 'a'));
      const b = await mem.create('/registry/pods/ns/b', pod('ns', 'b'));
      const events = await take(it, 2);
      assert.deepEqual(events.map((e) => e.revision), [rv(a), rv(b)]);
      await mem.create('/registry/pods/ns/c', pod('ns', 'c'));
      const [next] = await take(it, 1);
      assert.equal(next!.object.metadata?.name, 'c', 'repeats of a and b were dropped');
      assert.deepEqual(names(cache.list().items), ['ns/a', 'ns/b', 'ns/c']);
    } finally {
      ac.abort();
      cache.stop();
    }
  });

  test('re-lists when the storage watch expires; its watchers get Expired', async () => {
    const mem = new MemoryStorage();
    const storage = new ExpiringStorage(mem);
    const warnings: string[] = [];
    const cache = new WatchCache(storage, '/registry/pods/', { logger: { warn: (_o, m) => warnings.push(m) } });
    await mem.create('/registry/pods/ns/a', pod('ns', 'a'));
    await cache.start();
    const ac = new AbortController();
    try {
      const it = cache.watch(cache.revision, { signal: ac.signal })[Symbol.asyncIterator]();
      const pending = it.next();
      storage.expire();
      await assert.rejects(withTimeout(pending, 5_000), (e) => isStorageError(e, 'Expired'));
      await mem.create('/registry/pods/ns/b', pod('ns', 'b'));
      await withTimeout(cache.waitUntilFresh(await mem.currentRevision()), 5_000);
      assert.deepEqual(names(cache.list().items), ['ns/a', 'ns/b']);
      assert.equal(warnings.length, 1);
      // New watchers work again.
      const again = cache.watch(cache.revision, { signal: ac.signal })[Symbol.asyncIterator]();
      await mem.create('/registry/pods/ns/c', pod('ns', 'c'));
      assert.equal((await take(again, 1))[0]!.object.metadata?.name, 'c');
    } finally {
      ac.abort();
      cache.stop();
    }
  });
});

/** A storage whose watch repeats every event, and replays the previous one out of order, as etcd 3.4 may after a reconnect. */
class RepeatingStorage implements Storage {
  constructor(private readonly inner: MemoryStorage) {}
  create = (k: string, o: KubeObject) => this.inner.create(k, o);
  get = (k: string) => this.inner.get(k);
  list = (p: string, o?: Parameters<Storage['list']>[1]) => this.inner.list(p, o);
  update = (k: string, o: KubeObject, rv: string) => this.inner.update(k, o, rv);
  delete = (k: string, rv?: string) => this.inner.delete(k, rv);
  currentRevision = () => this.inner.currentRevision();
  close = () => this.inner.close();
  async *watch(prefix: string, from: string, signal: AbortSignal, opts?: WatchOptions): AsyncIterable<StorageEvent> {
    let previous: StorageEvent | undefined;
    for await (const ev of this.inner.watch(prefix, from, signal, opts)) {
      yield ev;
      yield ev;
      if (previous) yield previous;
      previous = ev;
    }
  }
}

/** A storage whose current watch fails with Expired on demand, as after an etcd compaction. */
class ExpiringStorage extends RepeatingStorage {
  private fail: (() => void) | undefined;
  expire(): void {
    this.fail?.();
  }
  override async *watch(prefix: string, from: string, signal: AbortSignal, opts?: WatchOptions): AsyncIterable<StorageEvent> {
    const expired = new Promise<'expired'>((resolve) => (this.fail = () => resolve('expired')));
    const ac = new AbortController();
    signal.addEventListener('abort', () => ac.abort(), { once: true });
    const it = super.watch(prefix, from, ac.signal, opts)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await Promise.race([it.next(), expired]);
        if (r === 'expired') throw new StorageError('Expired', prefix, 'compacted');
        if (r.done) return;
        yield r.value;
      }
    } finally {
      ac.abort();
    }
  }
}

function pod(namespace: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels }, spec: { containers: [{ name: 'main', image: 'nginx' }] } };
}

const rv = (o: KubeObject | undefined) => o?.metadata?.resourceVersion ?? '';
const names = (items: KubeObject[]) => items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function take(it: AsyncIterator<CacheWatchEvent>, count: number): Promise<CacheWatchEvent[]> {
  const out: CacheWatchEvent[] = [];
  while (out.length < count) {
    const r = await withTimeout(it.next(), 5_000);
    if (r.done) break;
    out.push(r.value);
  }
  assert.equal(out.length, count, `expected ${count} events`);
  return out;
}

async function takeStorage(it: AsyncIterator<StorageEvent>, count: number): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  while (out.length < count) {
    const r = await withTimeout(it.next(), 5_000);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}
