// SPDX-License-Identifier: Apache-2.0
import type { ClusterEvent, CycleState, FilterPlugin, PreFilterPlugin, ScorePlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { podNonZeroRequests, podRequests, type Resource } from '../resources';
import { Status } from '../status';
import type { Pod } from '../types';
import { leastAllocatedScore, mostAllocatedScore } from './least-allocated';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
const PRE_FILTER_KEY = 'PreFilter' + NODE_RESOURCES_FIT;
const PRE_SCORE_KEY = 'PreScore' + NODE_RESOURCES_FIT;

/** What PreFilter computes once per pod. */
interface PreFilterState {
  req: Resource;
  scalarNames: string[];
}

/** Arguments: how to score (LeastAllocated by default, as kube-scheduler). */
export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: 'LeastAllocated' | 'MostAllocated' };
}

/** One resource the pod asks for more of than the node has free. */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

/**
 * The resources `req` lacks on the node: pods (count), cpu, memory, ephemeral-storage and
 * extended resources, each against allocatable minus what the node's pods (bound and
 * assumed) request. Kubernetes' fitsRequest, with its messages.
 */
export function fitsRequest(req: Resource, info: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = info.allocatable;
  const used = info.requested;
  if (info.pods.size + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: info.pods.size, capacity: alloc.allowedPodNumber });
  }
  check(out, 'cpu', req.milliCPU, used.milliCPU, alloc.milliCPU);
  check(out, 'memory', req.memory, used.memory, alloc.memory);
  check(out, 'ephemeral-storage', req.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorage);
  for (const name in req.scalar) check(out, name, req.scalar[name]!, used.scalar[name] ?? 0, alloc.scalar[name] ?? 0);
  return out;
}

/**
 * Whether everything `req` asks for fits, without building the list of what does not: the
 * filter asks this of hundreds of nodes per pod, nearly all of which fit. `scalarNames` are
 * req.scalar's keys, listed once per pod.
 */
function fitsAll(req: Resource, scalarNames: readonly string[], info: NodeInfo): boolean {
  const alloc = info.allocatable;
  const used = info.requested;
  if (info.pods.size + 1 > alloc.allowedPodNumber) return false;
  if (!fitsOne(req.milliCPU, used.milliCPU, alloc.milliCPU) || !fitsOne(req.memory, used.memory, alloc.memory)) return false;
  if (!fitsOne(req.ephemeralStorage, used.ephemeralStorage, alloc.ephemeralStorage)) return false;
  for (const name of scalarNames) if (!fitsOne(req.scalar[name]!, used.scalar[name] ?? 0, alloc.scalar[name] ?? 0)) return false;
  return true;
}

function fitsOne(r: number, u: number, c: number): boolean {
  return !(r > 0 && r > c - u);
}

// At module level: fitsRequest runs per node per pod, a closure there is an allocation each time.
function check(out: InsufficientResource[], name: string, r: number, u: number, c: number): void {
  if (!fitsOne(r, u, c)) out.push({ resourceName: name, reason: `Insufficient ${name}`, requested: r, used: u, capacity: c });
}

/** NodeResourcesFit: the pod's requests must fit in what the node has left; scores by allocation. */
export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  private readonly scorer: typeof leastAllocatedScore;

  constructor(args?: NodeResourcesFitArgs) {
    const type = args?.scoringStrategy?.type ?? 'LeastAllocated';
    if (type !== 'LeastAllocated' && type !== 'MostAllocated') throw new Error(`NodeResourcesFit: scoringStrategy.type: unsupported value "${String(type)}"`);
    this.scorer = type === 'MostAllocated' ? mostAllocatedScore : leastAllocatedScore;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeAllocatableChange', 'AssignedPodDelete', 'AssignedPodUpdate'];
  }

  preFilter(state: CycleState, pod: Pod): undefined {
    const req = podRequests(pod);
    state.write(PRE_FILTER_KEY, { req, scalarNames: Object.keys(req.scalar) } satisfies PreFilterState);
    return undefined;
  }

  filter(state: CycleState, pod: Pod, info: NodeInfo): Status | undefined {
    let pre = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (!pre) {
      const req = podRequests(pod);
      pre = { req, scalarNames: Object.keys(req.scalar) };
    }
    if (fitsAll(pre.req, pre.scalarNames, info)) return undefined;
    const insufficient = fitsRequest(pre.req, info);
    if (insufficient.length === 0) return undefined;
    return new Status('Unschedulable', ...insufficient.map((i) => i.reason));
  }

  preScore(state: CycleState, pod: Pod): undefined {
    state.write(PRE_SCORE_KEY, podNonZeroRequests(pod));
    return undefined;
  }

  score(state: CycleState, pod: Pod, info: NodeInfo): number {
    return this.scorer(state.read<{ milliCPU: number; memory: number }>(PRE_SCORE_KEY) ?? podNonZeroRequests(pod), info);
  }
}
