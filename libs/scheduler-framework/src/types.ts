// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { ResourceType } from '@berth/client';
import type { coreV1 } from '@berth/api-types';

/** A Pod as the scheduler reads it (Kubernetes JSON). */
export type Pod = coreV1.PodJson & KubeObject;
/** A Node as the scheduler reads it (Kubernetes JSON). */
export type Node = coreV1.NodeJson & KubeObject;
/** A PersistentVolumeClaim, for the VolumeBinding plugin. */
export type PersistentVolumeClaim = coreV1.PersistentVolumeClaimJson & KubeObject;
/** A Service, for SelectorSpread. */
export type Service = coreV1.ServiceJson & KubeObject;

export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
export const PVCS: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };

/** The scheduler name pods get when they name none (kube-scheduler's default profile). */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** namespace/name of a pod (the queue and cache key). */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** The pod's priority (spec.priority, set by admission from its PriorityClass; 0 by default). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}
