// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { defaultNormalizeScore, MAX_NODE_SCORE, type ClusterEvent, type CycleState, type FilterPlugin, type NodeScore, type PreFilterPlugin, type ScorePlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Node, Pod } from '../types';

export const NODE_AFFINITY = 'NodeAffinity';
/** Reason when nodeSelector or required node affinity does not match. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

type Requirement = coreV1.NodeSelectorRequirementJson;
type Term = coreV1.NodeSelectorTermJson;

function matchRequirement(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      if (!/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const v = Number(value);
      const want = Number(values[0]);
      return r.operator === 'Gt' ? v > want : v < want;
    }
    default:
      return false;
  }
}

/**
 * True when the node matches a NodeSelectorTerm: every matchExpression on labels and every
 * matchField (only metadata.name exists) holds. A term with neither matches nothing.
 */
export function matchNodeSelectorTerm(term: Term, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) if (!matchRequirement(r, r.key !== undefined ? labels[r.key] : undefined)) return false;
  for (const f of fields) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return false;
    if (!matchRequirement(f, node.metadata?.name)) return false;
  }
  return true;
}

/** True when the node satisfies the pod's nodeSelector and required node affinity (terms are ORed). */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const selector = pod.spec?.nodeSelector;
  if (selector) {
    const labels = node.metadata?.labels ?? {};
    for (const k in selector) if (labels[k] !== selector[k]) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = required.nodeSelectorTerms ?? [];
    if (!terms.some((t) => matchNodeSelectorTerm(t, node))) return false;
  }
  return true;
}

/** NodeAffinity: filters by nodeSelector and required affinity; scores preferred affinity by weight. */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeLabelChange'];
  }
  /** A pod without nodeSelector or required node affinity fits every node: nothing to filter. */
  preFilter(_state: CycleState, pod: Pod): Status | undefined {
    const selector = pod.spec?.nodeSelector;
    const hasSelector = selector !== undefined && Object.keys(selector).length > 0;
    return hasSelector || pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ? undefined : new Status('Skip');
  }
  filter(_state: CycleState, pod: Pod, info: NodeInfo): Status | undefined {
    if (!info.node || podMatchesNodeSelectorAndAffinity(pod, info.node)) return undefined;
    return new Status('UnschedulableAndUnresolvable', ERR_REASON_POD);
  }
  preScore(_state: CycleState, pod: Pod): Status | undefined {
    return pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ? undefined : new Status('Skip');
  }
  score(_state: CycleState, pod: Pod, info: NodeInfo): number {
    let sum = 0;
    for (const p of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (!p.weight || !p.preference || !info.node) continue;
      if (matchNodeSelectorTerm(p.preference, info.node)) sum += p.weight;
    }
    return sum;
  }
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  }
}
