// SPDX-License-Identifier: Apache-2.0

/**
 * RateLimiter decides how long an item waits before it is retried (client-go
 * `workqueue.TypedRateLimiter`). `when` is called once per retry and records the failure;
 * `forget` clears the item's history once it has been processed successfully.
 */
export interface RateLimiter<K = string> {
  /** Milliseconds the item must wait now; also counts one more failure for it. */
  when(item: K): number;
  /** Stops tracking the item: its next failure starts from the base delay again. */
  forget(item: K): void;
  /** How many times the item has been rate limited since it was last forgotten. */
  numRequeues(item: K): number;
}

/** Milliseconds since some fixed point; injectable so tests control time. */
export type NowFn = () => number;

/**
 * ItemExponentialFailureRateLimiter waits `baseDelayMs * 2^failures` for an item, capped at
 * `maxDelayMs`: a key that keeps failing backs off, while other keys are unaffected.
 */
export class ItemExponentialFailureRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  when(item: K): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // 2^exp overflows to Infinity long before it matters; the cap keeps the result finite.
    const backoff = this.baseDelayMs * Math.pow(2, exp);
    return Math.min(backoff, this.maxDelayMs);
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * BucketRateLimiter is an overall token bucket (`qps` tokens a second, at most `burst`
 * stored) shared by all items: it bounds the total retry rate when many keys fail at once.
 * Like golang.org/x/time/rate's Reserve, a caller always gets a token, possibly in the
 * future; the returned delay is how long until that token exists.
 */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly now: NowFn = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  when(_item: K): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_item: K): void {
    // The bucket is global: one item succeeding gives no tokens back.
  }

  numRequeues(_item: K): number {
    return 0;
  }
}

/**
 * ItemFastSlowRateLimiter retries quickly (`fastDelayMs`) for the first `maxFastAttempts`
 * failures of an item, then slowly (`slowDelayMs`).
 */
export class ItemFastSlowRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly fastDelayMs: number,
    private readonly slowDelayMs: number,
    private readonly maxFastAttempts: number,
  ) {}

  when(item: K): number {
    const n = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, n);
    return n <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(item: K): void {
    this.failures.delete(item);
  }

  numRequeues(item: K): number {
    return this.failures.get(item) ?? 0;
  }
}

/** MaxOfRateLimiter asks every limiter and waits for the longest answer. */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(item: K): number {
    // Every limiter must see the failure (each keeps its own state), so no short-circuit.
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: K): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

/**
 * The rate limiter controllers use unless they have a reason not to, as client-go's
 * DefaultControllerRateLimiter: per-item exponential backoff from 5 ms to 1000 s, and an
 * overall bucket of 10 retries a second with a burst of 100.
 */
export function defaultControllerRateLimiter<K = string>(now: NowFn = Date.now): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(5, 1_000_000),
    new BucketRateLimiter<K>(10, 100, now),
  );
}
