// SPDX-License-Identifier: Apache-2.0
import type { ControllerContext, ControllerDescriptor } from '../shared/controller-descriptor';
import { NAMESPACES } from '../shared/resources';
import { runController } from '../shared/run-controller';
import { NAMESPACE_CONTROLLER, NamespaceController, type Namespace } from './namespace-controller';

export * from './namespace-controller';
export * from './namespace-conditions';

/** The namespace controller. */
export const namespaceController: ControllerDescriptor = {
  name: NAMESPACE_CONTROLLER,
  async start(ctx: ControllerContext): Promise<void> {
    const namespaces = ctx.informers.informerFor<Namespace>(NAMESPACES);
    const c = new NamespaceController({ client: ctx.client, namespaces, logger: ctx.logger, ...(ctx.now ? { now: ctx.now } : {}) });
    runController({ ctx, name: NAMESPACE_CONTROLLER, queue: c.queue, sync: (k) => c.sync(k), informers: [namespaces], workers: 2 });
  },
};
