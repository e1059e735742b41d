// SPDX-License-Identifier: Apache-2.0
import type { OwnerReference } from '@berth/api';

/** What became of one owner of a dependent. */
export type OwnerState = 'solid' | 'dangling' | 'waitingForDependentsDeletion';

/** A dependent's owners sorted by state (classifyReferences). */
export interface ClassifiedOwners {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waiting: OwnerReference[];
}

/** Sorts owner references by state. */
export function classifyOwners(refs: OwnerReference[], stateOf: (ref: OwnerReference) => OwnerState): ClassifiedOwners {
  const out: ClassifiedOwners = { solid: [], dangling: [], waiting: [] };
  for (const ref of refs) {
    const s = stateOf(ref);
    if (s === 'solid') out.solid.push(ref);
    else if (s === 'dangling') out.dangling.push(ref);
    else out.waiting.push(ref);
  }
  return out;
}

/**
 * What the collector does with a dependent given its owners (attemptToDeleteItem):
 * keep it while any owner is solid (dropping references to gone or foreground-deleting
 * owners), otherwise delete it — in the foreground when an owner waits for it and it has
 * dependents of its own, so the wait covers the whole tree.
 */
export type DependentAction =
  | { action: 'keep' }
  | { action: 'removeRefs'; uids: string[] }
  | { action: 'delete'; propagationPolicy: 'Foreground' | 'Background' | 'Orphan' };

/** Decides the action for a dependent. */
export function dependentAction(owners: ClassifiedOwners, hasDependents: boolean, finalizers: string[]): DependentAction {
  if (owners.solid.length > 0) {
    const gone = [...owners.dangling, ...owners.waiting].map((r) => r.uid ?? '');
    return gone.length > 0 ? { action: 'removeRefs', uids: gone } : { action: 'keep' };
  }
  if (owners.waiting.length > 0 && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  // Otherwise keep whatever policy the object was already being deleted with.
  if (finalizers.includes('orphan')) return { action: 'delete', propagationPolicy: 'Orphan' };
  if (finalizers.includes('foregroundDeletion')) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}
