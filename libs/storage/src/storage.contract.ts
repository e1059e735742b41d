// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { KubeObject } from '@berth/api';
import { MAX_OBJECT_BYTES, isStorageError, type Storage, type StorageEvent } from './storage';

/** What a contract run needs from an implementation. */
export interface StorageUnderTest {
  storage: Storage;
  cleanup(): Promise<void>;
  /** Compacts history up to `revision` (reads and watches before it become 'Expired'). */
  compact?(revision: string): Promise<void>;
}

/**
 * The behaviour every Storage must show, as a node:test suite. Each test works under its own
 * key prefix, so implementations may share one server between tests.
 */
export function storageContract(name: string, make: () => Promise<StorageUnderTest>): void {
  describe(`storage contract: ${name}`, () => {
    let n = 0;
    const opened: StorageUnderTest[] = [];
    const setup = async () => {
      const s = await make();
      opened.push(s);
      return { ...s, prefix: `/registry/contract/t${Date.now().toString(36)}-${n++}/` };
    };
    after(async () => {
      for (const s of opened) await s.cleanup();
    });

    test('create stores an object and returns it with its resourceVersion; get reads it back', async () => {
      const { storage, prefix } = await setup();
      const input = pod('web', { resourceVersion: '999' });
      const created = await storage.create(`${prefix}web`, input);
      assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
      assert.notEqual(created.metadata?.resourceVersion, '999', 'the stored revision wins over the one sent');
      assert.equal(input.metadata?.resourceVersion, '999', 'the caller’s object is not modified');
      assert.deepEqual(created.spec, input.spec);
      const got = await storage.get(`${prefix}web`);
      assert.deepEqual(got, created);
      assert.equal(await storage.get(`${prefix}missing`), undefined);
    });

    test('create on a taken key fails with KeyExists and keeps the first object', async () => {
      const { storage, prefix } = await setup();
      const first = await storage.create(`${prefix}a`, pod('a', {}, 'one'));
      await assert.rejects(storage.create(`${prefix}a`, pod('a', {}, 'two')), (e) => isStorageError(e, 'KeyExists'));
      assert.deepEqual(await storage.get(`${prefix}a`), first);
    });

    test('update succeeds at the current resourceVersion and conflicts at a stale one', async () => {
      const { storage, prefix } = await setup();
      const v1 = await storage.create(`${prefix}a`, pod('a', {}, 'one'));
      const v2 = await storage.update(`${prefix}a`, pod('a', {}, 'two'), rv(v1));
      assert.ok(Number(rv(v2)) > Number(rv(v1)), 'the revision grows');
      assert.equal(image(await storage.get(`${prefix}a`)), 'two');
      await assert.rejects(storage.update(`${prefix}a`, pod('a', {}, 'three'), rv(v1)), (e) => isStorageError(e, 'Conflict'));
      await assert.rejects(storage.update(`${prefix}a`, pod('a', {}, 'three'), 'not-a-number'), (e) => isStorageError(e, 'Conflict'));
      await assert.rejects(storage.update(`${prefix}gone`, pod('gone'), rv(v1)), (e) => isStorageError(e, 'KeyNotFound'));
      assert.equal(image(await storage.get(`${prefix}a`)), 'two');
    });

    test('delete returns the object at the delete revision, with and without a precondition', async () => {
      const { storage, prefix } = await setup();
      const a = await storage.create(`${prefix}a`, pod('a'));
      const deleted = await storage.delete(`${prefix}a`);
      assert.equal(deleted.metadata?.name, 'a');
      assert.ok(Number(rv(deleted)) > Number(rv(a)), 'resourceVersion is the delete revision');
      assert.equal(await storage.get(`${prefix}a`), undefined);
      await assert.rejects(storage.delete(`${prefix}a`), (e) => isStorageError(e, 'KeyNotFound'));

      const b1 = await storage.create(`${prefix}b`, pod('b'));
      const b2 = await storage.update(`${prefix}b`, pod('b', {}, 'two'), rv(b1));
      await assert.rejects(storage.delete(`${prefix}b`, rv(b1)), (e) => isStorageError(e, 'Conflict'));
      assert.ok(await storage.get(`${prefix}b`), 'a failed precondition deletes nothing');
      const gone = await storage.delete(`${prefix}b`, rv(b2));
      assert.equal(image(gone), 'two');
      assert.equal(await storage.get(`${prefix}b`), undefined);
    });

    test('list returns the objects under the prefix sorted by key, at the current revision', async () => {
      const { storage, prefix } = await setup();
      for (const name of ['c', 'a', 'b']) await storage.create(`${prefix}ns/${name}`, pod(name));
      await storage.create(`${prefix}other/z`, pod('z'));
      await storage.create(`${prefix.slice(0, -1)}x/outside`, pod('outside'));
      const all = await storage.list(prefix);
      assert.deepEqual(names(all.items), ['a', 'b', 'c', 'z']);
      assert.deepEqual(names((await storage.list(`${prefix}ns/`)).items), ['a', 'b', 'c']);
      assert.equal(all.revision, await storage.currentRevision());
      assert.equal(all.continueKey, undefined);
      assert.deepEqual((await storage.list(`${prefix}empty/`)).items, []);
    });

    test('list pages with limit and continue at one revision, even while objects change', async () => {
      const { storage, prefix } = await setup();
      for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await storage.create(`${prefix}${name}`, pod(name));
      const page1 = await storage.list(prefix, { limit: 2 });
      assert.deepEqual(names(page1.items), ['p1', 'p2']);
      assert.equal(page1.continueKey, `${prefix}p2`);
      assert.equal(page1.remaining, 3);
      // Changes after the first page must not show up in the next pages.
      await storage.delete(`${prefix}p3`);
      await storage.create(`${prefix}p25`, pod('p25'));
      const p4 = await storage.get(`${prefix}p4`);
      await storage.update(`${prefix}p4`, pod('p4', {}, 'changed'), rv(p4));
      const page2 = await storage.list(prefix, { limit: 2, continueKey: page1.continueKey, revision: page1.revision });
      assert.deepEqual(names(page2.items), ['p3', 'p4']);
      assert.equal(image(page2.items[1]), 'nginx');
      assert.equal(page2.revision, page1.revision);
      assert.equal(page2.remaining, 1);
      const page3 = await storage.list(prefix, { limit: 2, continueKey: page2.continueKey, revision: page1.revision });
      assert.deepEqual(names(page3.items), ['p5']);
      assert.equal(page3.continueKey, undefined);
      // The latest state has the changes.
      assert.deepEqual(names((await storage.list(prefix)).items), ['p1', 'p2', 'p25', 'p4', 'p5']);
    });

    test('watch replays changes after a revision, then delivers live ones with prevObject', async () => {
      const { storage, prefix } = await setup();
      const start = await storage.currentRevision();
      const a1 = await storage.create(`${prefix}a`, pod('a', {}, 'one'));
      const a2 = await storage.update(`${prefix}a`, pod('a', {}, 'two'), rv(a1));
      await storage.create(`${prefix.slice(0, -1)}-other/x`, pod('x')); // outside the prefix
      await storage.create(`${prefix}b`, pod('b'));
      const ac = new AbortController();
      const it = storage.watch(prefix, start, ac.signal)[Symbol.asyncIterator]();
      const replay = await take(it, 3);
      assert.deepEqual(
        replay.map((e) => [e.type, e.key, e.object.metadata?.name]),
        [
          ['ADDED', `${prefix}a`, 'a'],
          ['MODIFIED', `${prefix}a`, 'a'],
          ['ADDED', `${prefix}b`, 'b'],
        ],
      );
      assert.equal(replay[0]!.revision, rv(a1));
      assert.equal(rv(replay[0]!.object), rv(a1));
      assert.equal(replay[1]!.revision, rv(a2));
      assert.equal(image(replay[1]!.object), 'two');
      assert.equal(image(replay[1]!.prevObject), 'one');
      assert.equal(rv(replay[1]!.prevObject!), rv(a1));

      const deleted = await storage.delete(`${prefix}a`);
      const [del] = await take(it, 1);
      assert.equal(del!.type, 'DELETED');
      assert.equal(del!.key, `${prefix}a`);
      assert.equal(del!.revision, rv(deleted));
      assert.equal(rv(del!.object), rv(deleted), 'a deleted object carries the delete revision');
      assert.equal(image(del!.object), 'two');
      assert.equal(rv(del!.prevObject!), rv(a2));
      ac.abort();
      assert.deepEqual(await it.next(), { done: true, value: undefined });
    });

    test('watch from a revision delivers each change once, in revision order', async () => {
      const { storage, prefix } = await setup();
      const start = await storage.currentRevision();
      const ac = new AbortController();
      const it = storage.watch(prefix, start, ac.signal)[Symbol.asyncIterator]();
      const writes: Promise<KubeObject>[] = [];
      for (let i = 0; i < 20; i++) writes.push(storage.create(`${prefix}o${i}`, pod(`o${i}`)));
      const created = await Promise.all(writes);
      const events = await take(it, 20);
      const revs = events.map((e) => Number(e.revision));
      assert.deepEqual(revs, [...revs].sort((x, y) => x - y));
      assert.equal(new Set(revs).size, 20);
      assert.deepEqual(new Set(revs), new Set(created.map((o) => Number(rv(o)))));
      ac.abort();
    });

    test('watch from "" sees only changes made after it started', async () => {
      const { storage, prefix } = await setup();
      await storage.create(`${prefix}before`, pod('before'));
      const ac = new AbortController();
      const it = storage.watch(prefix, '', ac.signal)[Symbol.asyncIterator]();
      const first = it.next();
      await sleep(500); // let the watch reach the server
      await storage.create(`${prefix}after`, pod('after'));
      const ev = await withTimeout(first, 5_000);
      assert.equal(ev.done, false);
      assert.equal((ev.value as StorageEvent).object.metadata?.name, 'after');
      ac.abort();
    });

    test('watch and list at a compacted revision fail with Expired', async (t) => {
      const sut = await setup();
      const { storage, prefix } = sut;
      assert.ok(sut.compact, `${name} must provide compact() for this test`);
      const old = await storage.create(`${prefix}a`, pod('a'));
      await storage.update(`${prefix}a`, pod('a', {}, 'two'), rv(old));
      const now = await storage.currentRevision();
      await sut.compact(now);
      const ac = new AbortController();
      t.after(() => ac.abort());
      await assert.rejects(
        withTimeout(storage.watch(prefix, String(Number(rv(old)) - 1), ac.signal)[Symbol.asyncIterator]().next(), 5_000),
        (e) => isStorageError(e, 'Expired'),
      );
      await assert.rejects(storage.list(prefix, { revision: rv(old) }), (e) => isStorageError(e, 'Expired'));
      // From the compaction revision on, watching and listing still work.
      const it = storage.watch(prefix, now, ac.signal)[Symbol.asyncIterator]();
      await storage.create(`${prefix}b`, pod('b'));
      const [ev] = await take(it, 1);
      assert.equal(ev!.object.metadata?.name, 'b');
      assert.equal((await storage.list(prefix, { revision: now })).items.length, 1);
    });

    test('watch reports progress past writes under other prefixes', async () => {
      const { storage, prefix } = await setup();
      const ac = new AbortController();
      let progress = 0;
      const it = storage
        .watch(prefix, await storage.currentRevision(), ac.signal, { onProgress: (r) => (progress = Math.max(progress, Number(r))) })
        [Symbol.asyncIterator]();
      void it.next().catch(() => undefined);
      const other = await storage.create(`${prefix.slice(0, -1)}-elsewhere/x`, pod('x'));
      const deadline = Date.now() + 5_000;
      while (progress < Number(rv(other)) && Date.now() < deadline) await sleep(20);
      assert.ok(progress >= Number(rv(other)), `progress ${progress} reached the write at ${rv(other)}`);
      ac.abort();
    });

    test('concurrent updates at one resourceVersion: exactly one of 10 clients wins each round', async () => {
      const { storage, prefix } = await setup();
      let current = await storage.create(`${prefix}c`, pod('c', {}, 'v0'));
      for (let round = 1; round <= 5; round++) {
        const attempts = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => storage.update(`${prefix}c`, pod('c', {}, `r${round}-c${i}`), rv(current))),
        );
        const won = attempts.filter((a): a is PromiseFulfilledResult<KubeObject> => a.status === 'fulfilled');
        assert.equal(won.length, 1, `round ${round}: one winner`);
        for (const a of attempts) if (a.status === 'rejected') assert.ok(isStorageError(a.reason, 'Conflict'));
        current = won[0]!.value;
        assert.deepEqual(await storage.get(`${prefix}c`), current);
      }
    });

    test('read-modify-write loops from 10 clients lose no increment', async () => {
      const { storage, prefix } = await setup();
      const key = `${prefix}counter`;
      await storage.create(key, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { n: '0' } });
      const client = async () => {
        for (let i = 0; i < 5; i++) {
          for (;;) {
            const cur = (await storage.get(key))!;
            const n = Number((cur.data as { n: string }).n);
            try {
              await storage.update(key, { ...cur, data: { n: String(n + 1) } }, rv(cur));
              break;
            } catch (e) {
              if (!isStorageError(e, 'Conflict')) throw e;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 10 }, client));
      assert.equal(((await storage.get(key))!.data as { n: string }).n, '50');
    });

    test('objects larger than 1.5 MiB are refused with TooLarge', async () => {
      const { storage, prefix } = await setup();
      const big = pod('big');
      big.data = 'x'.repeat(MAX_OBJECT_BYTES);
      await assert.rejects(storage.create(`${prefix}big`, big), (e) => isStorageError(e, 'TooLarge'));
      assert.equal(await storage.get(`${prefix}big`), undefined);
      const small = await storage.create(`${prefix}small`, pod('small'));
      await assert.rejects(storage.update(`${prefix}small`, { ...big, metadata: { name: 'small' } }, rv(small)), (e) =>
        isStorageError(e, 'TooLarge'),
      );
      const almost = pod('almost');
      almost.data = 'x'.repeat(MAX_OBJECT_BYTES - 1_000);
      await storage.create(`${prefix}almost`, almost);
    });
  });
}

function pod(name: string, meta: Record<string, string> = {}, img = 'nginx'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...meta },
    spec: { containers: [{ name: 'main', image: img }] },
  };
}

const rv = (o: KubeObject | undefined) => o?.metadata?.resourceVersion ?? '';
const names = (items: KubeObject[]) => items.map((o) => o.metadata?.name);
const image = (o: KubeObject | undefined) => (o?.spec as { containers: { image: string }[] } | undefined)?.containers[0]?.image;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function take(it: AsyncIterator<StorageEvent>, count: number, ms = 5_000): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  while (out.length < count) {
    const r = await withTimeout(it.next(), ms);
    if (r.done) break;
    out.push(r.value);
  }
  assert.equal(out.length, count, `expected ${count} events`);
  return out;
}
