// SPDX-License-Identifier: Apache-2.0
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { podNonZeroRequests } from '../resources';
import type { Pod } from '../types';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
const STATE_KEY = 'PreScore' + NODE_RESOURCES_BALANCED_ALLOCATION;

// Helpers of the per-node scores live at module level: a closure made per call is an
// allocation per node per pod (and under tsx, a __name call).
function frac(req: number, alloc: number): number {
  return alloc <= 0 ? 1 : Math.min(1, req / alloc);
}

/**
 * The balanced-allocation score: nodes whose cpu and memory would be used in similar
 * proportions after placing the pod score higher, (1 − standard deviation of the
 * fractions)·100, so one resource is not exhausted while the other sits idle.
 */
export function balancedAllocationScore(pod: { milliCPU: number; memory: number }, info: NodeInfo): number {
  const cpu = frac(info.nonZeroRequested.milliCPU + pod.milliCPU, info.allocatable.milliCPU);
  const mem = frac(info.nonZeroRequested.memory + pod.memory, info.allocatable.memory);
  const std = Math.abs(cpu - mem) / 2;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** NodeResourcesBalancedAllocation: favours nodes whose resource usage stays balanced. */
export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  preScore(state: CycleState, pod: Pod): undefined {
    state.write(STATE_KEY, podNonZeroRequests(pod));
    return undefined;
  }
  score(state: CycleState, pod: Pod, info: NodeInfo): number {
    return balancedAllocationScore(state.read<{ milliCPU: number; memory: number }>(STATE_KEY) ?? podNonZeroRequests(pod), info);
  }
}
