// SPDX-License-Identifier: Apache-2.0
import type { coordinationV1, coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { LEASES, NODE_LEASE_NAMESPACE, NODE_LIFECYCLE_CONTROLLER, NodeLifecycleController, NODES, PODS } from './node-lifecycle-controller';

export * from './taints';
export { NODE_LEASE_NAMESPACE, NODE_LIFECYCLE_CONTROLLER, NodeLifecycleController, readyCondition, type NodeLifecycleControllerDeps } from './node-lifecycle-controller';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The node lifecycle controller (node health, taints, taint-based eviction). Options:
 * nodeMonitorGracePeriodSeconds (40), podEvictionTimeoutSeconds (300), nodeMonitorPeriodMs (5000).
 */
export const nodeLifecycleController: ControllerDescriptor = {
  name: NODE_LIFECYCLE_CONTROLLER,
  async start(ctx) {
    const ctrl = new NodeLifecycleController({
      client: ctx.client,
      nodes: ctx.informers.informerFor<coreV1.NodeJson>(NODES),
      pods: ctx.informers.informerFor<coreV1.PodJson>(PODS),
      leases: ctx.informers.informerFor<coordinationV1.LeaseJson>(LEASES, { namespace: NODE_LEASE_NAMESPACE }),
      recorder: ctx.recorder(NODE_LIFECYCLE_CONTROLLER),
      logger: ctx.logger,
      now: ctx.now,
      nodeMonitorGracePeriodSeconds: num(ctx.options['nodeMonitorGracePeriodSeconds']),
      podEvictionTimeoutSeconds: num(ctx.options['podEvictionTimeoutSeconds']),
      nodeMonitorPeriodMs: num(ctx.options['nodeMonitorPeriodMs']),
    });
    ctrl.run(ctx.signal, num(ctx.options['workers']) ?? 1).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.error({ err, controller: NODE_LIFECYCLE_CONTROLLER }, 'controller stopped');
    });
  },
};
