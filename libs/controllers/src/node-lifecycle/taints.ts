// SPDX-License-Identifier: Apache-2.0
/**
 * The taints the node lifecycle controller manages and the toleration arithmetic of
 * Kubernetes' taint eviction (pkg/controller/tainteviction, v1helper.TolerationsTolerateTaint).
 * Pure functions: the controller decides with them, then writes.
 */
import type { coreV1 } from '@berth/api-types';

export type Taint = coreV1.TaintJson;
export type Toleration = coreV1.TolerationJson;

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** The (key, effect) pairs this controller owns: it adds and removes them, and leaves every other taint alone. */
const MANAGED: Array<[string, string]> = [
  [TAINT_NOT_READY, 'NoExecute'],
  [TAINT_UNREACHABLE, 'NoExecute'],
  [TAINT_NOT_READY, 'NoSchedule'],
  [TAINT_UNREACHABLE, 'NoSchedule'],
  [TAINT_UNSCHEDULABLE, 'NoSchedule'],
];

/** RFC 3339 without fractions, as metav1.Time marshals. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The taints a node should have: the ones it has that this controller does not manage, plus
 * not-ready (Ready=False) or unreachable (Ready=Unknown) as NoExecute and NoSchedule, plus
 * unschedulable:NoSchedule when the node is cordoned. A taint already present keeps its
 * timeAdded (eviction deadlines count from it); new NoExecute taints are stamped `now`.
 */
export function desiredTaints(current: Taint[], readyStatus: string | undefined, unschedulable: boolean, now: Date): Taint[] {
  const want = new Set<string>();
  const readyKey = readyStatus === 'False' ? TAINT_NOT_READY : readyStatus === 'Unknown' ? TAINT_UNREACHABLE : undefined;
  if (readyKey) {
    want.add(`${readyKey}:NoExecute`);
    want.add(`${readyKey}:NoSchedule`);
  }
  if (unschedulable) want.add(`${TAINT_UNSCHEDULABLE}:NoSchedule`);
  const managed = new Set(MANAGED.map(([k, e]) => `${k}:${e}`));
  const out: Taint[] = [];
  const have = new Set<string>();
  for (const t of current) {
    const id = `${t.key ?? ''}:${t.effect ?? ''}`;
    if (managed.has(id) && !want.has(id)) continue;
    have.add(id);
    out.push(t);
  }
  for (const [key, effect] of MANAGED) {
    const id = `${key}:${effect}`;
    if (!want.has(id) || have.has(id)) continue;
    out.push(effect === 'NoExecute' ? { key, effect, timeAdded: formatTime(now) } : { key, effect });
  }
  return out;
}

/** Whether two taint lists are the same set (order-insensitive, timeAdded included). */
export function sameTaints(a: Taint[], b: Taint[]): boolean {
  const id = (t: Taint): string => `${t.key ?? ''}=${t.value ?? ''}:${t.effect ?? ''}@${t.timeAdded ?? ''}`;
  const as = a.map(id).sort();
  const bs = b.map(id).sort();
  return as.length === bs.length && as.every((x, i) => x === bs[i]);
}

/** v1helper Toleration.ToleratesTaint: key/operator/value/effect matching. */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  // An empty key with operator Exists matches every taint.
  const op = tol.operator || 'Equal';
  if (op === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

/**
 * When a pod on a node with these taints must be evicted, in ms since the epoch:
 * `undefined` when it tolerates every NoExecute taint forever, `-Infinity` when some
 * NoExecute taint is not tolerated at all (evict now). Otherwise the earliest
 * `timeAdded + tolerationSeconds` over the taints; for not-ready/unreachable taints that the
 * pod does not tolerate, `defaultTolerationSeconds` applies (what Kubernetes'
 * DefaultTolerationSeconds admission would have added to the pod).
 */
export function evictionTime(taints: Taint[], tolerations: Toleration[], defaultTolerationSeconds: number, now: Date): number | undefined {
  let earliest: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    let seconds: number | undefined; // undefined: forever
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) {
      if (taint.key === TAINT_NOT_READY || taint.key === TAINT_UNREACHABLE) seconds = defaultTolerationSeconds;
      else return -Infinity;
    } else {
      // As v1helper.GetMatchingTolerations: the first toleration that matches the taint counts.
      const first = matching[0] as Toleration;
      seconds = first.tolerationSeconds === undefined || first.tolerationSeconds === null ? undefined : Math.max(0, first.tolerationSeconds);
    }
    if (seconds === undefined) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    const start = Number.isNaN(added) ? now.getTime() : added;
    const at = start + seconds * 1000;
    earliest = earliest === undefined ? at : Math.min(earliest, at);
  }
  return earliest;
}
