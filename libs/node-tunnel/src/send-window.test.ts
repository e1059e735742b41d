// SPDX-License-Identifier: Apache-2.0
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SendWindow } from './send-window';

const settled = async (p: Promise<void>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

test('a send window holds output back once its size is unacknowledged, until acks or the end', async () => {
  const w = new SendWindow(100);
  assert.equal(await settled(w.reserve(60)), true);
  assert.equal(await settled(w.reserve(60)), true); // 60 out: room left, so a whole frame goes
  const third = w.reserve(10);
  assert.equal(await settled(third), false); // 120 out, none acked
  w.ack(10); // 110 unacked: still full
  assert.equal(await settled(third), false);
  w.ack(5); // an older total changes nothing
  assert.equal(await settled(third), false);
  w.ack(60); // 60 unacked
  assert.equal(await settled(third), true);
  const fourth = w.reserve(200);
  assert.equal(await settled(fourth), true); // 70 unacked, so it goes
  const fifth = w.reserve(1);
  assert.equal(await settled(fifth), false);
  w.close(); // the session ends: nothing waits
  assert.equal(await settled(fifth), true);
});

test('size 0 is no window: nothing ever waits', async () => {
  const w = new SendWindow(0);
  for (let i = 0; i < 5; i++) assert.equal(await settled(w.reserve(1 << 20)), true);
});
