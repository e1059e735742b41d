// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { ItemExponentialFailureRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

describe('WorkQueue', () => {
  test('hands keys out in order and dedupes keys added before they are taken', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('c');
    assert.equal(q.len(), 3);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(await q.get(), 'c');
    assert.equal(q.len(), 0);
  });

  test('never hands one key to two workers; a key re-added while processing runs once more after done', async () => {
    const q = new WorkQueue();
    q.add('k');
    const first = await q.get();
    assert.equal(first, 'k');
    q.add('k');
    q.add('k');
    assert.equal(q.len(), 0, 'not queued while a worker holds it');
    let second: string | undefined;
    const waiting = q.get().then((k) => (second = k));
    await delay(5);
    assert.equal(second, undefined, 'a second worker must wait');
    q.done('k');
    await waiting;
    assert.equal(second, 'k');
    q.done('k');
    assert.equal(q.len(), 0, 'the two re-adds collapsed into one run');
  });

  test('many workers over many adds: no key is processed concurrently, and every add is eventually processed', async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    const lastSeen = new Map<string, number>();
    let version = 0;
    const latest = new Map<string, number>();
    let violations = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await q.get();
        if (key === undefined) return;
        if (active.has(key)) violations++;
        active.add(key);
        const seen = latest.get(key) ?? 0;
        await delay(Math.random() * 3);
        lastSeen.set(key, seen);
        active.delete(key);
        q.done(key);
      }
    };
    const workers = Array.from({ length: 5 }, worker);
    for (let i = 0; i < 300; i++) {
      const key = `k${i % 7}`;
      latest.set(key, ++version);
      q.add(key);
      if (i % 10 === 0) await delay(1);
    }
    // Wait until everything settles, then shut down.
    for (let i = 0; i < 200 && (q.len() > 0 || active.size > 0); i++) await delay(5);
    await q.shutDownWithDrain();
    await Promise.all(workers);
    assert.equal(violations, 0);
    for (const [key, v] of latest) assert.equal(lastSeen.get(key), v, `${key} was processed after its last add`);
  });

  test('addAfter adds later, and the earliest of several delays wins', async () => {
    const q = new WorkQueue();
    q.addAfter('slow', 200);
    q.addAfter('slow', 20);
    q.addAfter('now', 0);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'now');
    const t0 = Date.now();
    assert.equal(await q.get(), 'slow');
    const waited = Date.now() - t0;
    assert.ok(waited >= 15 && waited < 150, `waited ${waited} ms`);
    q.shutDown();
  });

  test('addRateLimited backs off more on each failure; forget resets it', async () => {
    const q = new WorkQueue({ rateLimiter: new ItemExponentialFailureRateLimiter(10, 10_000) });
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      q.addRateLimited('k');
      assert.equal(await q.get(), 'k');
      timings.push(Date.now() - t0);
      q.done('k');
    }
    assert.equal(q.numRequeues('k'), 3);
    assert.ok(timings[0]! >= 8 && timings[1]! >= 18 && timings[2]! >= 38, `timings ${timings.join(',')}`);
    assert.ok(timings[2]! > timings[0]!, 'the delay grows');
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.shutDown();
  });

  test('shutDown: queued keys are still handed out, then get resolves undefined; adds and delayed adds are dropped', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.addAfter('late', 10);
    q.shutDown();
    q.add('c');
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(await q.get(), undefined);
    await delay(20);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });

  test('shutDown wakes workers blocked in get', async () => {
    const q = new WorkQueue();
    const pending = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(await Promise.all(pending), [undefined, undefined]);
  });

  test('shutDownWithDrain waits for keys being processed', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => (drained = true));
    await delay(5);
    assert.equal(drained, false);
    q.done(key as string);
    await drain;
    assert.equal(drained, true);
  });
});
