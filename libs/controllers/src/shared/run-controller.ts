// SPDX-License-Identifier: Apache-2.0
import { runWorkers, waitForCacheSync, type SharedInformer, type WorkQueue } from '@berth/client';
import type { ControllerContext } from './controller-descriptor';

/** What runController needs. */
export interface RunControllerOptions {
  ctx: ControllerContext;
  name: string;
  queue: WorkQueue<string>;
  sync(key: string): Promise<void>;
  /** Informers whose caches must be synced before the first sync. */
  informers: Array<Pick<SharedInformer, 'waitForSync'>>;
  /** Default 5 (ctx.options.workers overrides). */
  workers?: number;
}

/**
 * Starts a controller's workers in the background: waits for the caches, then runs
 * `workers` loops over the queue until ctx.signal aborts, timing each sync into
 * ctx.metrics. Returns at once (the descriptor's start contract).
 */
export function runController(opts: RunControllerOptions): void {
  const { ctx, name, queue } = opts;
  ctx.metrics?.registerQueue(name, () => queue.len());
  const workers = typeof ctx.options['workers'] === 'number' ? ctx.options['workers'] : (opts.workers ?? 5);
  const timedSync = async (key: string): Promise<void> => {
    const start = process.hrtime.bigint();
    let ok = false;
    try {
      await opts.sync(key);
      ok = true;
    } finally {
      ctx.metrics?.observeSync(name, Number(process.hrtime.bigint() - start) / 1e9, ok);
    }
  };
  void (async () => {
    try {
      await waitForCacheSync(ctx.signal, ...opts.informers);
      if (ctx.signal.aborted) return;
      ctx.logger.info({ controller: name, workers }, 'caches synced; starting workers');
      await runWorkers({ name, queue, workers, sync: timedSync, signal: ctx.signal, logger: ctx.logger });
    } catch (err) {
      ctx.logger.error({ controller: name, err }, 'controller stopped with an error');
    }
  })();
}
