// SPDX-License-Identifier: Apache-2.0
import { defaultNormalizeScore, MAX_NODE_SCORE, type ClusterEvent, type CycleState, type FilterPlugin, type NodeScore, type ScorePlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Pod } from '../types';
import { findUntoleratedTaint, toleratesTaint } from './tolerations';

export const TAINT_TOLERATION = 'TaintToleration';
const FILTER_EFFECTS: ReadonlySet<string> = new Set(['NoSchedule', 'NoExecute']);
const PRE_SCORE_KEY = 'PreScore' + TAINT_TOLERATION;
type Toleration = NonNullable<NonNullable<Pod['spec']>['tolerations']>[number];

function preferTolerations(pod: Pod): Toleration[] {
  return (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
}

/** The reason for an untolerated taint, as kube-scheduler prints it: `node(s) had untolerated taint {key: value}`. */
export function untoleratedTaintReason(key: string, value: string): string {
  return `node(s) had untolerated taint {${key}: ${value}}`;
}

/** TaintToleration: NoSchedule/NoExecute taints must be tolerated; PreferNoSchedule ones lower the score. */
export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeTaintChange'];
  }
  filter(_state: CycleState, pod: Pod, info: NodeInfo): Status | undefined {
    const taint = findUntoleratedTaint(info.node?.spec?.taints, pod.spec?.tolerations, FILTER_EFFECTS);
    if (!taint) return undefined;
    return new Status('UnschedulableAndUnresolvable', untoleratedTaintReason(taint.key ?? '', taint.value ?? ''));
  }
  /**
   * The tolerations that count for scoring, once per pod rather than once per node. When no
   * node has a PreferNoSchedule taint every node would score the same: Skip, and Score does
   * not run (a constant added to every node's total changes no choice).
   */
  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status | undefined {
    if (!nodes.some((n) => n.node?.spec?.taints?.some((t) => t.effect === 'PreferNoSchedule'))) return new Status('Skip');
    state.write(PRE_SCORE_KEY, preferTolerations(pod));
    return undefined;
  }
  score(state: CycleState, pod: Pod, info: NodeInfo): number {
    const taints = info.node?.spec?.taints;
    if (!taints?.length) return 0;
    const tolerations = state.read<Toleration[]>(PRE_SCORE_KEY) ?? preferTolerations(pod);
    let n = 0;
    for (const taint of taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => toleratesTaint(t, taint))) n++;
    }
    return n;
  }
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  }
}
