// SPDX-License-Identifier: Apache-2.0
import type { appsV1, coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { CONTROLLER_REVISIONS, type ControllerRevision } from './controller-history';
import { PODS, PVCS, STATEFULSET_CONTROLLER, StatefulSetController, STATEFULSETS } from './statefulset-controller';

export * from './controller-history';
export {
  newStatefulSetPod,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  podOrdinal,
  pvcName,
  revisionData,
  STATEFULSET_CONTROLLER,
  StatefulSetController,
  type StatefulSet,
  type StatefulSetControllerDeps,
} from './statefulset-controller';

/** The StatefulSet controller. */
export const statefulSetController: ControllerDescriptor = {
  name: STATEFULSET_CONTROLLER,
  async start(ctx) {
    const ctrl = new StatefulSetController({
      client: ctx.client,
      statefulSets: ctx.informers.informerFor<appsV1.StatefulSetJson>(STATEFULSETS),
      pods: ctx.informers.informerFor<coreV1.PodJson>(PODS),
      revisions: ctx.informers.informerFor<ControllerRevision>(CONTROLLER_REVISIONS),
      pvcs: ctx.informers.informerFor<coreV1.PersistentVolumeClaimJson>(PVCS),
      recorder: ctx.recorder(STATEFULSET_CONTROLLER),
      logger: ctx.logger,
      now: ctx.now,
    });
    ctrl.run(ctx.signal).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.error({ err, controller: STATEFULSET_CONTROLLER }, 'controller stopped');
    });
  },
};
