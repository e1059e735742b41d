// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { str } from './json';
import { tryList, type DescribeContext } from './context';
import { controllerUid } from './format';

/** The `Pods Status:` counts of a controller's pods. */
export interface PodPhaseCounts {
  running: number;
  waiting: number;
  succeeded: number;
  failed: number;
  error?: Error;
}

/**
 * kubectl's getPodStatusForController: pods matching the selector that this controller
 * (by uid) controls, counted by phase. Orphans and other controllers' pods are skipped.
 */
export async function podStatusForController(ctx: DescribeContext, owner: KubeObject, labelSelector: string): Promise<PodPhaseCounts> {
  const counts: PodPhaseCounts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
  const { items, error } = await tryList(ctx, 'pods', '', str(owner, 'metadata.namespace'), { labelSelector });
  if (error) return { ...counts, error };
  const uid = str(owner, 'metadata.uid');
  for (const pod of items) {
    if (controllerUid(pod) !== uid || uid === '') continue;
    switch (str(pod, 'status.phase')) {
      case 'Running':
        counts.running++;
        break;
      case 'Pending':
        counts.waiting++;
        break;
      case 'Succeeded':
        counts.succeeded++;
        break;
      case 'Failed':
        counts.failed++;
        break;
    }
  }
  return counts;
}

/** `3 Running / 0 Waiting / 0 Succeeded / 0 Failed`. */
export function formatPodPhaseCounts(c: PodPhaseCounts): string {
  return `${c.running} Running / ${c.waiting} Waiting / ${c.succeeded} Succeeded / ${c.failed} Failed`;
}
