// SPDX-License-Identifier: Apache-2.0
import { silentLogger, type ClientLogger } from './informer';
import type { WorkQueue } from './work-queue';

/** What runWorkers needs: a queue, a sync function, and when to stop. */
export interface RunWorkersOptions<K> {
  /** The controller's name, for logs. */
  name?: string;
  queue: WorkQueue<K>;
  /** How many keys are processed concurrently (never the same key twice). */
  workers: number;
  /** Level-triggered reconcile of one key; throw to retry the key with backoff. */
  sync(key: K): Promise<void>;
  /**
   * After this many consecutive failures of a key, stop retrying it (it is forgotten and
   * logged; the next event for it starts over). Default: retry forever.
   */
  maxRetries?: number;
  logger?: ClientLogger;
  /** Aborting shuts the queue down; workers finish their current key and return. */
  signal: AbortSignal;
}

/**
 * Runs `workers` loops of get → sync → forget/addRateLimited → done over the queue until
 * the signal aborts (sample-controller's runWorker/processNextWorkItem). Resolves when
 * every worker has returned.
 */
export async function runWorkers<K>(opts: RunWorkersOptions<K>): Promise<void> {
  const stop = (): void => opts.queue.shutDown();
  if (opts.signal.aborted) stop();
  else opts.signal.addEventListener('abort', stop, { once: true });
  const worker = async (): Promise<void> => {
    while (await processNextWorkItem(opts)) {
      // loop until the queue shuts down
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, worker));
  } finally {
    opts.signal.removeEventListener('abort', stop);
  }
}

/**
 * Takes one key from the queue and syncs it. Returns false when the worker should stop
 * (queue shut down or signal aborted).
 */
export async function processNextWorkItem<K>(opts: Omit<RunWorkersOptions<K>, 'workers'>): Promise<boolean> {
  const { queue, logger = silentLogger } = opts;
  const key = await queue.get();
  if (key === undefined) return false;
  // We call done at the end so the queue knows this key is no longer being processed, and
  // a key re-added meanwhile can be handed out again.
  try {
    if (opts.signal.aborted) return false;
    try {
      await opts.sync(key);
      queue.forget(key);
    } catch (err) {
      if (opts.maxRetries !== undefined && queue.numRequeues(key) >= opts.maxRetries) {
        // Absorb the error: retrying forever would only hot-loop on a permanent failure.
        logger.warn({ controller: opts.name, key, err }, 'dropping key out of the queue after too many failures');
        queue.forget(key);
      } else {
        logger.warn({ controller: opts.name, key, err }, 'sync failed; requeuing with backoff');
        queue.addRateLimited(key);
      }
    }
  } finally {
    queue.done(key);
  }
  return true;
}
