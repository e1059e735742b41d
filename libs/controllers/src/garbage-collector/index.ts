// SPDX-License-Identifier: Apache-2.0
import type { ControllerContext, ControllerDescriptor } from '../shared/controller-descriptor';
import { runController } from '../shared/run-controller';
import { GARBAGE_COLLECTOR, GarbageCollector, servedMonitoredResources } from './garbage-collector';

export * from './garbage-collector';
export * from './owner-classification';

/** The garbage collector. */
export const garbageCollectorController: ControllerDescriptor = {
  name: GARBAGE_COLLECTOR,
  async start(ctx: ControllerContext): Promise<void> {
    const informers = servedMonitoredResources().map((t) => ctx.informers.informerFor(t));
    const gc = new GarbageCollector({ client: ctx.client, informers, logger: ctx.logger });
    runController({ ctx, name: GARBAGE_COLLECTOR, queue: gc.queue, sync: (k) => gc.sync(k), informers, workers: 10 });
  },
};
