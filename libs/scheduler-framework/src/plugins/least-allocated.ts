// SPDX-License-Identifier: Apache-2.0
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { podNonZeroRequests } from '../resources';
import type { Pod } from '../types';

export const NODE_RESOURCES_LEAST_ALLOCATED = 'NodeResourcesLeastAllocated';

// Per-resource scores at module level: no closure per node per pod.
function leastAllocated(req: number, alloc: number): number {
  return alloc <= 0 || req > alloc ? 0 : Math.trunc(((alloc - req) * MAX_NODE_SCORE) / alloc);
}

function mostAllocated(req: number, alloc: number): number {
  return alloc <= 0 ? 0 : Math.trunc((Math.min(req, alloc) * MAX_NODE_SCORE) / alloc);
}

/**
 * LeastAllocated: favours nodes with more free cpu and memory after placing the pod,
 * (allocatable − requested)·100 / allocatable per resource, averaged (weights 1). Requests
 * use the non-zero defaults so pods without requests still spread.
 */
export function leastAllocatedScore(pod: { milliCPU: number; memory: number }, info: NodeInfo): number {
  const cpu = leastAllocated(info.nonZeroRequested.milliCPU + pod.milliCPU, info.allocatable.milliCPU);
  const mem = leastAllocated(info.nonZeroRequested.memory + pod.memory, info.allocatable.memory);
  return Math.trunc((cpu + mem) / 2);
}

/** MostAllocated: the opposite, packing pods onto busy nodes. */
export function mostAllocatedScore(pod: { milliCPU: number; memory: number }, info: NodeInfo): number {
  const cpu = mostAllocated(info.nonZeroRequested.milliCPU + pod.milliCPU, info.allocatable.milliCPU);
  const mem = mostAllocated(info.nonZeroRequested.memory + pod.memory, info.allocatable.memory);
  return Math.trunc((cpu + mem) / 2);
}

const STATE_KEY = 'PreScore' + NODE_RESOURCES_LEAST_ALLOCATED;

/** The legacy score-only plugin (kube-scheduler ≤1.22); NodeResourcesFit scores the same way by default. */
export class NodeResourcesLeastAllocated implements ScorePlugin {
  readonly name = NODE_RESOURCES_LEAST_ALLOCATED;
  preScore(state: CycleState, pod: Pod): undefined {
    state.write(STATE_KEY, podNonZeroRequests(pod));
    return undefined;
  }
  score(state: CycleState, pod: Pod, info: NodeInfo): number {
    return leastAllocatedScore(state.read<{ milliCPU: number; memory: number }>(STATE_KEY) ?? podNonZeroRequests(pod), info);
  }
}
