// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEtcd, type EtcdServer } from '@berth/testing';
import { EtcdClient, EtcdError } from './etcd-client';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

describe('EtcdClient', () => {
  test('a session that made its share of requests hands over to a new one, calls and watches going on', async () => {
    const client = new EtcdClient({ endpoints: [etcd.endpoint], requestsPerSession: 3 });
    try {
      const key = Buffer.from('/etcd-client/rotate');
      const watch = client.watch();
      const seen: string[] = [];
      watch.on('data', (res) => seen.push(...res.events.map((e) => Buffer.from(e.kv!.value).toString())));
      watch.write({ requestUnion: { case: 'createRequest', value: { key } } });
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 10; i++) {
        const res = await client.txn({ success: [{ request: { case: 'requestPut', value: { key, value: Buffer.from(String(i)) } } }] });
        assert.equal(res.succeeded, true);
      }
      const read = await client.range({ key });
      assert.equal(Buffer.from(read.kvs[0]!.value).toString(), '9');
      const deadline = Date.now() + 5000;
      while (seen.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(seen, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      // 12 requests (the watch, ten writes, the read), three per session.
      assert.equal(client.sessionsOpened, 4);
      watch.cancel();
    } finally {
      client.close();
    }
  });

  test("etcd's errors keep its gRPC code and message", async () => {
    const client = new EtcdClient({ endpoints: [etcd.endpoint] });
    try {
      // A range at a revision from the future.
      const err = await client.range({ key: Buffer.from('x'), revision: 1n << 40n }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof EtcdError, String(err));
      assert.equal(err.code, 11); // OUT_OF_RANGE
      assert.match(err.message, /future revision/);
      assert.equal(err.neverSent, false);
    } finally {
      client.close();
    }
  });
});
