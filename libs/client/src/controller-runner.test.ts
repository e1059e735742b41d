// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { processNextWorkItem, runWorkers } from './controller-runner';
import { ItemExponentialFailureRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

const fastQueue = (): WorkQueue => new WorkQueue({ rateLimiter: new ItemExponentialFailureRateLimiter(5, 50) });

describe('runWorkers', () => {
  test('syncs every key, retries failures with backoff until they succeed, and forgets them then', async () => {
    const q = fastQueue();
    const attempts = new Map<string, number>();
    const ac = new AbortController();
    const running = runWorkers({
      queue: q,
      workers: 3,
      signal: ac.signal,
      sync: async (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) throw new Error('not yet');
      },
    });
    for (const k of ['a', 'b', 'flaky']) q.add(k);
    for (let i = 0; i < 200 && attempts.get('flaky') !== 3; i++) await delay(5);
    assert.deepEqual(Object.fromEntries(attempts), { a: 1, b: 1, flaky: 3 });
    assert.equal(q.numRequeues('flaky'), 0, 'forgotten after success');
    ac.abort();
    await running;
    assert.equal(q.isShuttingDown(), true);
  });

  test('runs different keys concurrently but never one key twice at once', async () => {
    const q = fastQueue();
    const active = new Set<string>();
    let maxParallel = 0;
    let overlap = false;
    const ac = new AbortController();
    const running = runWorkers({
      queue: q,
      workers: 4,
      signal: ac.signal,
      sync: async (key) => {
        if (active.has(key)) overlap = true;
        active.add(key);
        maxParallel = Math.max(maxParallel, active.size);
        await delay(10);
        active.delete(key);
      },
    });
    for (let i = 0; i < 40; i++) {
      q.add(`k${i % 4}`);
      await delay(1);
    }
    await delay(60);
    ac.abort();
    await running;
    assert.equal(overlap, false);
    assert.ok(maxParallel > 1, 'workers run in parallel');
  });

  test('maxRetries drops a key that keeps failing', async () => {
    const q = fastQueue();
    let calls = 0;
    const ac = new AbortController();
    const running = runWorkers({
      queue: q,
      workers: 1,
      maxRetries: 2,
      signal: ac.signal,
      sync: async () => {
        calls++;
        throw new Error('permanent');
      },
    });
    q.add('bad');
    await delay(150);
    ac.abort();
    await running;
    assert.equal(calls, 3, 'the first try and two retries');
    assert.equal(q.numRequeues('bad'), 0);
  });

  test('processNextWorkItem returns false once the queue is shut down', async () => {
    const q = fastQueue();
    q.shutDown();
    assert.equal(await processNextWorkItem({ queue: q, sync: async () => {}, signal: new AbortController().signal }), false);
  });
});
