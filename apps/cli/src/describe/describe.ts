// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { parseApiVersion } from '@berth/api';
import type { DescribeContext } from './context';
import { describeConfigMap, describeSecret, describeServiceAccount } from './config';
import { describeGeneric } from './generic';
import { describeLimitRange, describeNamespace, describeResourceQuota } from './namespace';
import { describeEndpointSlice, describeEndpoints, describeIngress, describeService } from './network';
import { describeNode } from './node';
import { describePod } from './pod';
import { describeRole, describeRoleBinding } from './rbac';
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from './storage';
import {
  describeCronJob,
  describeDaemonSet,
  describeDeployment,
  describeJob,
  describeReplicaSet,
  describeReplicationController,
  describeStatefulSet,
} from './workloads';

type Describer = (obj: KubeObject, ctx: DescribeContext) => Promise<string>;

/** kubectl's describerMap: group/Kind → describer. Kinds not here get the generic describer. */
const DESCRIBERS = new Map<string, Describer>([
  ['/Pod', describePod],
  ['/ReplicationController', describeReplicationController],
  ['/Secret', (o) => describeSecret(o)],
  ['/Service', describeService],
  ['/ServiceAccount', describeServiceAccount],
  ['/Node', describeNode],
  ['/LimitRange', (o) => describeLimitRange(o)],
  ['/ResourceQuota', (o) => describeResourceQuota(o)],
  ['/PersistentVolume', describePersistentVolume],
  ['/PersistentVolumeClaim', describePersistentVolumeClaim],
  ['/Namespace', describeNamespace],
  ['/Endpoints', describeEndpoints],
  ['/ConfigMap', describeConfigMap],
  ['discovery.k8s.io/EndpointSlice', describeEndpointSlice],
  ['networking.k8s.io/Ingress', describeIngress],
  ['extensions/Ingress', describeIngress],
  ['batch/Job', describeJob],
  ['batch/CronJob', describeCronJob],
  ['apps/StatefulSet', describeStatefulSet],
  ['apps/Deployment', describeDeployment],
  ['apps/DaemonSet', describeDaemonSet],
  ['apps/ReplicaSet', describeReplicaSet],
  ['extensions/Deployment', describeDeployment],
  ['extensions/DaemonSet', describeDaemonSet],
  ['extensions/ReplicaSet', describeReplicaSet],
  ['storage.k8s.io/StorageClass', describeStorageClass],
  ['rbac.authorization.k8s.io/Role', (o) => describeRole(o)],
  ['rbac.authorization.k8s.io/ClusterRole', (o) => describeRole(o)],
  ['rbac.authorization.k8s.io/RoleBinding', (o) => describeRoleBinding(o)],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', (o) => describeRoleBinding(o)],
]);

/**
 * The text `kubectl describe` prints for one object, laid out as kubectl lays it out
 * (tab-aligned label columns, two-space levels, `<none>` for empty, an Events table).
 * Related objects (a ReplicaSet's pods, a Service's endpoints...) come from ctx.list.
 */
export function describe(obj: KubeObject, ctx: DescribeContext): Promise<string> {
  const { group } = parseApiVersion(obj.apiVersion ?? 'v1');
  const describer = DESCRIBERS.get(`${group}/${obj.kind ?? ''}`) ?? describeGeneric;
  return describer(obj, ctx);
}

/** True when the kind has its own describer (others are described generically). */
export function hasDescriber(apiVersion: string, kind: string): boolean {
  return DESCRIBERS.has(`${parseApiVersion(apiVersion).group}/${kind}`);
}
