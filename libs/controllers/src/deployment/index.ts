// SPDX-License-Identifier: Apache-2.0
import type { ControllerContext, ControllerDescriptor } from '../shared/controller-descriptor';
import type { Pod } from '../shared/pod-utils';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../shared/resources';
import { runController } from '../shared/run-controller';
import { DEPLOYMENT_CONTROLLER, DeploymentController } from './deployment-controller';
import type { Deployment, ReplicaSet } from './deployment-util';

export * from './deployment-controller';
export * from './deployment-util';

/** The Deployment controller. */
export const deploymentController: ControllerDescriptor = {
  name: DEPLOYMENT_CONTROLLER,
  async start(ctx: ControllerContext): Promise<void> {
    const deployments = ctx.informers.informerFor<Deployment>(DEPLOYMENTS);
    const replicaSets = ctx.informers.informerFor<ReplicaSet>(REPLICASETS);
    const pods = ctx.informers.informerFor<Pod>(PODS);
    const c = new DeploymentController({
      client: ctx.client,
      deployments,
      replicaSets,
      pods,
      recorder: ctx.recorder(DEPLOYMENT_CONTROLLER),
      logger: ctx.logger,
      ...(ctx.now ? { now: ctx.now } : {}),
    });
    runController({ ctx, name: DEPLOYMENT_CONTROLLER, queue: c.queue, sync: (k) => c.sync(k), informers: [deployments, replicaSets, pods] });
  },
};
