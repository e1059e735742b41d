// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';

/** A pod as the controllers read it. */
export type Pod = coreV1.PodJson;

/** The pod's Ready condition, if present. */
export function podReadyCondition(pod: Pod): coreV1.PodConditionJson | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

/** Whether the pod's Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * Whether the pod has been ready for at least minReadySeconds at `now`
 * (podutil.IsPodAvailable).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return false;
  return since + minReadySeconds * 1000 <= now.getTime();
}

/** Pods that count: not finished and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** Whether the pod is terminating (has a deletionTimestamp) and not finished. */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders pods for deletion, most deletable first (controller.ActivePods' Less): unscheduled
 * < scheduled; Pending < Unknown < Running; not ready < ready; ready for less time < longer;
 * more restarts < fewer; newer < older.
 */
export function comparePodsForDeletion(a: Pod, b: Pod): number {
  const aAssigned = !!a.spec?.nodeName;
  const bAssigned = !!b.spec?.nodeName;
  if (aAssigned !== bAssigned) return aAssigned ? 1 : -1;
  const ap = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a);
  const br = isPodReady(b);
  if (ar !== br) return ar ? 1 : -1;
  if (ar && br) {
    const at = Date.parse(podReadyCondition(a)?.lastTransitionTime ?? '') || 0;
    const bt = Date.parse(podReadyCondition(b)?.lastTransitionTime ?? '') || 0;
    // Ready more recently: delete first.
    if (at !== bt) return bt - at;
  }
  const restarts = (p: Pod): number => Math.max(0, ...(p.status?.containerStatuses ?? []).map((s) => s.restartCount ?? 0));
  const arc = restarts(a);
  const brc = restarts(b);
  if (arc !== brc) return brc - arc;
  const ac = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bc = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (ac !== bc) return bc - ac;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}
