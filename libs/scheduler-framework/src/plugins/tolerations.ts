// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';

export type Taint = coreV1.TaintJson;
export type Toleration = coreV1.TolerationJson;

/**
 * True when the toleration tolerates the taint (core/v1 Toleration.ToleratesTaint): same
 * effect or an empty effect; same key or an empty key with Exists; Exists ignores the
 * value, Equal (the default operator) compares it.
 */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return !t.key ? false : (t.value ?? '') === (taint.value ?? '');
  return false;
}

/** The first taint (of the given effects) that no toleration tolerates. */
export function findUntoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, effects: ReadonlySet<string>): Taint | undefined {
  for (const taint of taints ?? []) {
    if (!effects.has(taint.effect ?? '')) continue;
    if (!(tolerations ?? []).some((t) => toleratesTaint(t, taint))) return taint;
  }
  return undefined;
}
