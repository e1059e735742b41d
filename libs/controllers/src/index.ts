// SPDX-License-Identifier: Apache-2.0
import { clusterRoleAggregationController } from './clusterrole-aggregation';
import { cronJobController } from './cronjob';
import { daemonSetController } from './daemonset';
import { deploymentController } from './deployment';
import { endpointsController } from './endpoints';
import { endpointSliceController } from './endpointslice';
import { garbageCollectorController } from './garbage-collector';
import { jobController } from './job';
import { namespaceController } from './namespace';
import { nodeIpamController } from './node-ipam';
import { nodeLifecycleController } from './node-lifecycle';
import { replicaSetController, replicationController } from './replicaset';
import { serviceAccountController, serviceAccountTokenController } from './serviceaccount';
import type { ControllerDescriptor } from './shared/controller-descriptor';
import { statefulSetController } from './statefulset';

export * from './shared';
export * from './replicaset';
export * from './deployment';
export * from './garbage-collector';
export * from './namespace';
export * from './serviceaccount';
export * from './clusterrole-aggregation';
export {
  cronJobController,
  daemonSetController,
  endpointsController,
  endpointSliceController,
  jobController,
  nodeIpamController,
  nodeLifecycleController,
  statefulSetController,
};

/** Every controller the controller-manager can run, in start order (--controllers picks among them). */
export const allControllers: readonly ControllerDescriptor[] = [
  replicaSetController,
  replicationController,
  deploymentController,
  statefulSetController,
  daemonSetController,
  jobController,
  cronJobController,
  endpointsController,
  endpointSliceController,
  garbageCollectorController,
  namespaceController,
  serviceAccountController,
  serviceAccountTokenController,
  nodeIpamController,
  nodeLifecycleController,
  clusterRoleAggregationController,
];
