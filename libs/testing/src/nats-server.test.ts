// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, StringCodec } from 'nats';
import { startNats } from './nats-server';

describe('startNats', () => {
  test('starts a JetStream server with small limits and removes its store on stop', async () => {
    const srv = await startNats();
    try {
      assert.match(srv.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
      const jsz = (await (await fetch(`${srv.monitorUrl}/jsz`)).json()) as {
        config?: { store_dir?: string; max_memory?: number; max_storage?: number };
      };
      assert.ok(jsz.config?.store_dir?.startsWith(srv.storeDir), `store_dir ${jsz.config?.store_dir}`);
      assert.equal(jsz.config?.max_memory, 256 * 1024 * 1024);
      assert.equal(jsz.config?.max_storage, 1024 * 1024 * 1024);

      const nc = await connect({ servers: srv.url });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'T', subjects: ['t.>'] });
      const ack = await nc.jetstream().publish('t.x', StringCodec().encode('hello'));
      assert.equal(ack.stream, 'T');
      assert.equal(ack.seq, 1);
      await nc.close();
    } finally {
      await srv.stop();
    }
    assert.equal(existsSync(srv.storeDir), false);
    await assert.rejects(fetch(`${srv.monitorUrl}/healthz`));
    await srv.stop(); // idempotent
  });

  test('two servers get different ports', async () => {
    const [a, b] = await Promise.all([startNats({ jetstream: false }), startNats({ jetstream: false })]);
    try {
      assert.notEqual(a.port, b.port);
      assert.equal(a.storeDir, '');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('restart keeps the port and the JetStream store', async () => {
    const srv = await startNats();
    try {
      const nc = await connect({ servers: srv.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
      await nc.jetstream().publish('keep.a', StringCodec().encode('1'));
      const reconnected = (async () => {
        for await (const s of nc.status()) if (s.type === 'reconnect') return;
      })();
      await srv.kill();
      await assert.rejects(fetch(`${srv.monitorUrl}/healthz`));
      await srv.restart();
      // Requests sent while the client is still disconnected are lost (nats.js), so wait for it.
      await reconnected;
      const info = await jsm.streams.info('KEEP');
      assert.equal(info.state.messages, 1);
      await nc.close();
    } finally {
      await srv.stop();
    }
  });
});
