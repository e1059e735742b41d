// SPDX-License-Identifier: Apache-2.0
import type { appsV1 } from '@berth/api-types';
import { isPodAvailable, isPodReady, type Pod } from '../shared/pod-utils';

/** A ReplicaSet's (or ReplicationController's) status, as both kinds share it. */
export type ReplicaSetStatus = appsV1.ReplicaSetStatusJson;
/** One condition in it. */
export type ReplicaSetCondition = appsV1.ReplicaSetConditionJson;

/** What calculateStatus needs about the owner. */
export interface StatusInput {
  generation?: number;
  status?: ReplicaSetStatus;
  templateLabels: Record<string, string>;
  minReadySeconds: number;
}

/** The error manageReplicas hit, if any, and whether it was creating or deleting. */
export interface ManageError {
  creating: boolean;
  message: string;
}

/**
 * The status of a ReplicaSet given its active pods (Kubernetes' calculateStatus): replicas,
 * pods carrying every template label, ready and available (ready for minReadySeconds)
 * pods, and the ReplicaFailure condition while creating or deleting fails.
 */
export function calculateReplicaSetStatus(rs: StatusInput, pods: Pod[], manageErr: ManageError | undefined, now: Date): ReplicaSetStatus {
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(rs.templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, rs.minReadySeconds, now)) available++;
    }
  }
  let conditions = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageErr && !failure) {
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      reason: manageErr.creating ? 'FailedCreate' : 'FailedDelete',
      message: manageErr.message,
    });
  } else if (!manageErr && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.generation ?? 0,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** Whether two statuses say the same (omitted counts are zero). */
export function sameReplicaSetStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const n = (v: number | undefined): number => v ?? 0;
  return (
    n(a?.replicas) === n(b.replicas) &&
    n(a?.fullyLabeledReplicas) === n(b.fullyLabeledReplicas) &&
    n(a?.readyReplicas) === n(b.readyReplicas) &&
    n(a?.availableReplicas) === n(b.availableReplicas) &&
    n(a?.observedGeneration) === n(b.observedGeneration) &&
    JSON.stringify(a?.conditions ?? []) === JSON.stringify(b.conditions ?? [])
  );
}
