// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiter';

describe('ItemExponentialFailureRateLimiter', () => {
  test('doubles the delay per failure of a key, up to the cap, and forget resets it', () => {
    const rl = new ItemExponentialFailureRateLimiter(5, 1000);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => rl.when('a')), [5, 10, 20, 40, 80]);
    assert.equal(rl.when('b'), 5, 'other keys have their own history');
    for (let i = 0; i < 100; i++) rl.when('a');
    assert.equal(rl.when('a'), 1000);
    assert.equal(rl.numRequeues('a'), 106);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
    assert.equal(rl.when('a'), 5);
  });
});

describe('BucketRateLimiter', () => {
  test('lets a burst through, then spaces retries at qps, refilling with time', () => {
    let now = 0;
    const rl = new BucketRateLimiter(10, 3, () => now);
    assert.deepEqual([rl.when('x'), rl.when('y'), rl.when('z')], [0, 0, 0]);
    assert.equal(Math.round(rl.when('w')), 100);
    assert.equal(Math.round(rl.when('v')), 200);
    now = 1000; // 10 tokens refilled, minus the 2 borrowed, capped at burst 3
    assert.deepEqual([rl.when('a'), rl.when('b'), rl.when('c')], [0, 0, 0]);
    assert.equal(Math.round(rl.when('d')), 100);
  });
});

describe('ItemFastSlowRateLimiter', () => {
  test('is fast for the first attempts, slow after', () => {
    const rl = new ItemFastSlowRateLimiter(1, 100, 2);
    assert.deepEqual([rl.when('k'), rl.when('k'), rl.when('k')], [1, 1, 100]);
  });
});

describe('defaultControllerRateLimiter', () => {
  test('is the max of per-item exponential backoff and the overall bucket', () => {
    const now = 0;
    const rl = defaultControllerRateLimiter<string>(() => now);
    assert.equal(rl.when('a'), 5);
    assert.equal(rl.when('a'), 10);
    assert.equal(rl.numRequeues('a'), 2);
    // 100 distinct keys use up the burst; the 101st waits for the bucket (100 ms at 10 qps).
    for (let i = 0; i < 98; i++) rl.when(`k${i}`);
    assert.equal(Math.round(rl.when('late')), 100);
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
  });

  test('MaxOfRateLimiter records the failure in every limiter', () => {
    const a = new ItemExponentialFailureRateLimiter(1, 1000);
    const b = new ItemExponentialFailureRateLimiter(2, 1000);
    const rl = new MaxOfRateLimiter(a, b);
    assert.equal(rl.when('k'), 2);
    assert.equal(rl.when('k'), 4);
    assert.equal(a.numRequeues('k'), 2);
  });
});
