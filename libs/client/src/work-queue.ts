// SPDX-License-Identifier: Apache-2.0
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter';

/** Options of a WorkQueue. */
export interface WorkQueueOptions<K> {
  /** For logs and metrics; by convention the controller's name. */
  name?: string;
  /** Decides the delay of addRateLimited; defaults to defaultControllerRateLimiter(). */
  rateLimiter?: RateLimiter<K>;
}

/**
 * WorkQueue is the queue of keys between informer event handlers and controller workers,
 * with client-go's workqueue contract:
 *
 * - Fair: keys are handed out in the order they were added.
 * - Stingy: a key added several times before a worker takes it is processed once.
 * - Never concurrent: a key is handed to at most one worker at a time. A key added while a
 *   worker is processing it is remembered ("dirty") and handed out again after `done(key)`.
 * - Delaying: `addAfter(key, ms)` adds the key later; of several pending delays for one
 *   key, the earliest wins.
 * - Rate limited: `addRateLimited(key)` adds after the rate limiter's delay (exponential
 *   per key); `forget(key)` resets that key's backoff once it has been handled.
 *
 * A worker loop is `get()` → process → `forget` on success or `addRateLimited` on failure →
 * always `done(key)`. After `shutDown()`, adds are ignored, pending delayed adds are dropped,
 * keys already queued are still handed out, and then `get()` resolves `undefined`.
 *
 * Keys are compared with SameValueZero (Set semantics), so use strings or other primitives.
 */
export class WorkQueue<K = string> {
  readonly name: string;
  private readonly rateLimiter: RateLimiter<K>;
  /** Keys waiting for a worker, in order. Each key is here at most once. */
  private queue: K[] = [];
  private head = 0;
  /** Keys that need processing: queued, or re-added while being processed. */
  private readonly dirty = new Set<K>();
  /** Keys a worker holds between get() and done(). */
  private readonly processing = new Set<K>();
  /** Workers blocked in get(), first come first served. */
  private readonly waiters: Array<(key: K | undefined) => void> = [];
  /** Delayed adds: one timer per key, for the earliest requested time. */
  private readonly delayed = new Map<K, { at: number; timer: ReturnType<typeof setTimeout> }>();
  private readonly drainWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.name = opts.name ?? '';
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>();
  }

  /** Marks the key as needing processing. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A worker holds it: done() will queue it again, so no second worker can get it meanwhile.
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.dispatch();
  }

  /** Adds the key after `delayMs` (immediately when ≤ 0). */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Adds the key after the rate limiter says it may be retried. */
  addRateLimited(key: K): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the key's backoff; call it when the key was processed successfully. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
  }

  /** How many times the key was rate limited since it was last forgotten. */
  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key to process; waits while the queue is empty. The caller owns the key until
   * it calls `done(key)`. Resolves `undefined` once the queue is shut down and empty.
   */
  get(): Promise<K | undefined> {
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key.value);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the processing of a key got from get(); a key re-added meanwhile is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.dispatch();
    }
    if (this.processing.size === 0) {
      for (const w of this.drainWaiters.splice(0)) w();
    }
  }

  /** Keys waiting for a worker (not counting delayed or in-process keys). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Stops accepting keys; workers get the keys already queued, then `undefined`. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.dispatch();
  }

  /** shutDown(), then waits until every key handed out has been marked done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private take(): { value: K } | undefined {
    if (this.head >= this.queue.length) return undefined;
    const key = this.queue[this.head] as K;
    this.head++;
    // Compact now and then so a long-lived queue does not keep every key ever added.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return { value: key };
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const key = this.take();
      if (key === undefined) break;
      (this.waiters.shift() as (k: K | undefined) => void)(key.value);
    }
    if (this.shuttingDown && this.len() === 0) {
      for (const w of this.waiters.splice(0)) w(undefined);
    }
  }
}
