// SPDX-License-Identifier: Apache-2.0
import type { ControllerContext, ControllerDescriptor } from '../shared/controller-descriptor';
import type { Pod } from '../shared/pod-utils';
import { PODS } from '../shared/resources';
import { runController } from '../shared/run-controller';
import { REPLICASET_KIND, REPLICATION_CONTROLLER_KIND, ReplicaSetController, type ReplicaSetKind, type ReplicaSetLike } from './replicaset-controller';

export * from './replicaset-controller';
export * from './replicaset-status';

function descriptor(kind: ReplicaSetKind): ControllerDescriptor {
  return {
    name: kind.name,
    async start(ctx: ControllerContext): Promise<void> {
      const owners = ctx.informers.informerFor<ReplicaSetLike>(kind.type);
      const pods = ctx.informers.informerFor<Pod>(PODS);
      const c = new ReplicaSetController({
        client: ctx.client,
        owners,
        pods,
        kind,
        recorder: ctx.recorder(kind.name),
        logger: ctx.logger,
        ...(ctx.now ? { now: ctx.now } : {}),
      });
      runController({ ctx, name: kind.name, queue: c.queue, sync: (k) => c.sync(k), informers: [owners, pods] });
    },
  };
}

/** The ReplicaSet controller. */
export const replicaSetController: ControllerDescriptor = descriptor(REPLICASET_KIND);
/** The ReplicationController controller (same logic, map selectors). */
export const replicationController: ControllerDescriptor = descriptor(REPLICATION_CONTROLLER_KIND);
