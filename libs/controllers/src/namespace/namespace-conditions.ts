// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';

/** A namespace condition. */
export type NamespaceCondition = coreV1.NamespaceConditionJson;

/** What one deletion pass found, for the namespace's conditions. */
export interface DeletionOutcome {
  /** Errors deleting or listing content (one line each). */
  errors: string[];
  /** Remaining objects per resource ('pods.' for core, 'replicasets.apps'). */
  remaining: Map<string, number>;
  /** Remaining objects per finalizer they carry. */
  finalizers: Map<string, number>;
}

/**
 * The namespace's deletion conditions, as Kubernetes' namespace controller writes them:
 * each type always present, True with a reason while something is wrong.
 */
export function deletionConditions(outcome: DeletionOutcome, previous: NamespaceCondition[], now: string): NamespaceCondition[] {
  const cond = (type: string, failed: boolean, badReason: string, badMsg: string, okReason: string, okMsg: string): NamespaceCondition => {
    const status = failed ? 'True' : 'False';
    const prev = previous.find((c) => c.type === type);
    return {
      type,
      status,
      lastTransitionTime: prev && prev.status === status ? (prev.lastTransitionTime ?? now) : now,
      reason: failed ? badReason : okReason,
      message: failed ? badMsg : okMsg,
    };
  };
  const remaining = [...outcome.remaining].sort(([a], [b]) => (a < b ? -1 : 1));
  const finalizers = [...outcome.finalizers].sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    cond('NamespaceDeletionDiscoveryFailure', false, 'DiscoveryFailed', '', 'ResourcesDiscovered', 'All resources successfully discovered'),
    cond('NamespaceDeletionGroupVersionParsingFailure', false, 'GroupVersionParsingFailed', '', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    cond(
      'NamespaceDeletionContentFailure',
      outcome.errors.length > 0,
      'ContentDeletionFailed',
      `Failed to delete all resource types, ${outcome.errors.length} remaining: ${outcome.errors.join(', ')}`,
      'ContentDeleted',
      'All content successfully deleted, may be waiting on finalization',
    ),
    cond(
      'NamespaceContentRemaining',
      remaining.length > 0,
      'SomeResourcesRemain',
      `Some resources are remaining: ${remaining.map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
      'ContentRemoved',
      'All content successfully removed',
    ),
    cond(
      'NamespaceFinalizersRemaining',
      finalizers.length > 0,
      'SomeFinalizersRemain',
      `Some content in the namespace has finalizers remaining: ${finalizers.map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}`,
      'ContentHasNoFinalizers',
      'All content-preserving finalizers finished',
    ),
  ];
}
