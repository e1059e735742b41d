// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEtcd, type EtcdServer } from '@berth/testing';
import { EtcdStorage } from './etcd-storage';
import { isStorageError } from './storage';
import { storageContract } from './storage.contract';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

storageContract('EtcdStorage', async () => {
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  return { storage, cleanup: () => storage.close(), compact: (rev) => storage.compact(rev) };
});

describe('EtcdStorage', () => {
  test('separate clients see each other’s writes and conflict on the same resourceVersion', async () => {
    const clients = Array.from({ length: 10 }, () => new EtcdStorage({ endpoints: [etcd.endpoint] }));
    try {
      const key = '/registry/etcd-only/clients/x';
      const created = await clients[0]!.create(key, { metadata: { name: 'x' }, data: { by: 'c0' } });
      const rv = created.metadata!.resourceVersion!;
      const results = await Promise.allSettled(clients.map((c, i) => c.update(key, { metadata: { name: 'x' }, data: { by: `c${i}` } }, rv)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const winner = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ data?: unknown }>;
      for (const c of clients) assert.deepEqual((await c.get(key))?.data, winner.value.data);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  test('with a dead endpoint first, calls and watches go to the live one', async () => {
    const storage = new EtcdStorage({ endpoints: ['http://127.0.0.1:1', etcd.endpoint], dialTimeout: 500 });
    const ac = new AbortController();
    try {
      const key = '/registry/etcd-only/failover/x';
      const created = await storage.create(key, { metadata: { name: 'x' } });
      const events = storage.watch('/registry/etcd-only/failover/', created.metadata!.resourceVersion!, ac.signal)[Symbol.asyncIterator]();
      await storage.update(key, { metadata: { name: 'x' }, data: { v: '2' } }, created.metadata!.resourceVersion!);
      const ev = await events.next();
      assert.equal(ev.value?.type, 'MODIFIED');
      assert.deepEqual(ev.value?.object.data, { v: '2' });
      assert.deepEqual((await storage.get(key))?.data, { v: '2' });
    } finally {
      ac.abort();
      await storage.close();
    }
  });

  test('what a write returns and its watch events equal a read of the stored bytes, each its own copy', async () => {
    const writer = new EtcdStorage({ endpoints: [etcd.endpoint] });
    const other = new EtcdStorage({ endpoints: [etcd.endpoint] });
    const ac = new AbortController();
    try {
      const prefix = '/registry/etcd-only/read-back/';
      const key = `${prefix}x`;
      const from = await writer.currentRevision();
      const a = writer.watch(prefix, from, ac.signal, { withPrevious: false })[Symbol.asyncIterator]();
      const b = writer.watch(prefix, from, ac.signal)[Symbol.asyncIterator]();
      const assertStored = async (returned: unknown, ...events: unknown[]) => {
        const read = await other.get(key);
        for (const o of [returned, ...events]) {
          assert.deepStrictEqual(o, read);
          assert.equal(JSON.stringify(o), JSON.stringify(read), 'same key order, resourceVersion last in metadata');
        }
      };

      const obj = { metadata: { resourceVersion: '1', name: 'x', labels: { b: '2', a: '1' } }, data: { k: 'v', gone: undefined }, n: -0 };
      const created = await writer.create(key, obj);
      const [a1, b1] = [(await a.next()).value!, (await b.next()).value!];
      assert.equal(a1.type, 'ADDED');
      await assertStored(created, a1.object, b1.object);
      assert.equal(obj.metadata.resourceVersion, '1', 'the caller’s object is not changed');
      assert.notEqual(a1.object, created);
      assert.notEqual(a1.object, b1.object);
      created.metadata!.labels!['a'] = 'changed by the caller';
      assert.equal(a1.object.metadata?.labels?.['a'], '1');
      assert.equal(b1.object.metadata?.labels?.['a'], '1');

      const updated = await writer.update(key, { ...obj, data: { k: 'v2' } }, created.metadata!.resourceVersion!);
      const [a2, b2] = [(await a.next()).value!, (await b.next()).value!];
      assert.equal(a2.type, 'MODIFIED');
      await assertStored(updated, a2.object, b2.object);
      assert.deepEqual(b2.prevObject?.data, { k: 'v' });

      // Another client's write: the event is decoded from etcd, and equal all the same.
      const theirs = await other.update(key, { metadata: { name: 'x' }, data: { by: 'other' } }, updated.metadata!.resourceVersion!);
      const [a3] = [(await a.next()).value!, (await b.next()).value!];
      await assertStored(theirs, a3.object);
    } finally {
      ac.abort();
      await Promise.all([writer.close(), other.close()]);
    }
  });

  test('compaction rounds: one apiserver per round compacts, and history before it is gone', async () => {
    const a = new EtcdStorage({ endpoints: [etcd.endpoint] });
    const b = new EtcdStorage({ endpoints: [etcd.endpoint] });
    try {
      const key = '/registry/etcd-only/compact/x';
      const first = await a.create(key, { metadata: { name: 'x' } });
      const rev = first.metadata!.resourceVersion!;
      // Round 1: a agrees on it first; b sees the count already moved and takes it.
      const round1 = await a.compactRound(0, '0');
      assert.equal(round1.version, 1);
      assert.deepEqual((await b.compactRound(0, '0')).version, 1);
      await a.update(key, { metadata: { name: 'x' }, data: { v: '2' } }, rev);
      // Round 2: a compacts up to what round 1 saw; history before it is gone.
      const round2 = await a.compactRound(1, round1.revision);
      assert.equal(round2.version, 2);
      assert.equal((await b.compactRound(1, '0')).version, 2);
      const ac = new AbortController();
      try {
        const events = a.watch('/registry/etcd-only/compact/', String(Number(rev) - 1), ac.signal)[Symbol.asyncIterator]();
        await assert.rejects(events.next(), (e) => isStorageError(e, 'Expired'));
      } finally {
        ac.abort();
      }
      assert.deepEqual((await a.get(key))?.data, { v: '2' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('unreachable etcd fails with Unavailable', async () => {
    const storage = new EtcdStorage({ endpoints: ['http://127.0.0.1:1'], dialTimeout: 500 });
    try {
      await assert.rejects(storage.get('/registry/x'), (e) => isStorageError(e, 'Unavailable'));
    } finally {
      await storage.close();
    }
  });
});
