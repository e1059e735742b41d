// SPDX-License-Identifier: Apache-2.0
import type { appsV1, coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { CONTROLLER_REVISIONS, type ControllerRevision } from '../statefulset/controller-history';
import { DAEMONSET_CONTROLLER, DaemonSetController, DAEMONSETS, NODES, PODS } from './daemonset-controller';

export { DAEMONSET_CONTROLLER, DaemonSetController, newDaemonPod, type DaemonSet, type DaemonSetControllerDeps } from './daemonset-controller';
export { daemonPodNode, daemonPodTolerations, nodeShouldRunDaemonPod, pinToNode } from './node-eligibility';

/** The DaemonSet controller. Daemon pods are pinned by node affinity and bound by the scheduler. */
export const daemonSetController: ControllerDescriptor = {
  name: DAEMONSET_CONTROLLER,
  async start(ctx) {
    const ctrl = new DaemonSetController({
      client: ctx.client,
      daemonSets: ctx.informers.informerFor<appsV1.DaemonSetJson>(DAEMONSETS),
      pods: ctx.informers.informerFor<coreV1.PodJson>(PODS),
      nodes: ctx.informers.informerFor<coreV1.NodeJson>(NODES),
      revisions: ctx.informers.informerFor<ControllerRevision>(CONTROLLER_REVISIONS),
      recorder: ctx.recorder(DAEMONSET_CONTROLLER),
      logger: ctx.logger,
      now: ctx.now,
    });
    const workers = typeof ctx.options['workers'] === 'number' ? ctx.options['workers'] : 2;
    ctrl.run(ctx.signal, workers).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.error({ err, controller: DAEMONSET_CONTROLLER }, 'controller stopped');
    });
  },
};
