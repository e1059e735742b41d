// SPDX-License-Identifier: Apache-2.0
import { selectorFromSet, type LabelSelectorMatcher } from '@berth/api';
import { MAX_NODE_SCORE, type CycleState, type Handle, type NodeScore, type ScorePlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Pod } from '../types';

export const SELECTOR_SPREAD = 'SelectorSpread';
const STATE_KEY = 'PreScore' + SELECTOR_SPREAD;
const SPREAD_OWNERS = new Set(['ReplicaSet', 'StatefulSet', 'ReplicationController']);

interface SpreadState {
  controllerUID: string;
  namespace: string;
  services: LabelSelectorMatcher[];
}

/**
 * SelectorSpread: spreads the pods of one ReplicaSet, StatefulSet or Service across nodes.
 * A node's raw score is how many such pods it already runs (bound or assumed); fewer is
 * better, normalized as maxPriority·(max − count)/max. Pods of the same controller are
 * found by owner UID (kept counted per node), those of a Service by its selector.
 */
export class SelectorSpread implements ScorePlugin {
  readonly name = SELECTOR_SPREAD;
  constructor(private readonly handle: Handle) {}

  preScore(state: CycleState, pod: Pod): Status | undefined {
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller && SPREAD_OWNERS.has(o.kind ?? ''));
    const namespace = pod.metadata?.namespace ?? '';
    const labels = pod.metadata?.labels ?? {};
    const services: LabelSelectorMatcher[] = [];
    for (const svc of this.handle.listServices?.(namespace) ?? []) {
      const sel = svc.spec?.selector;
      if (!sel || Object.keys(sel).length === 0) continue;
      const m = selectorFromSet(sel);
      if (m.matches(labels)) services.push(m);
    }
    if (!owner?.uid && services.length === 0) return new Status('Skip');
    state.write(STATE_KEY, { controllerUID: owner?.uid ?? '', namespace, services } satisfies SpreadState);
    return undefined;
  }

  score(state: CycleState, _pod: Pod, info: NodeInfo): number {
    const s = state.read<SpreadState>(STATE_KEY);
    if (!s) return 0;
    if (s.services.length === 0) return info.controllerCounts.get(s.controllerUID) ?? 0;
    let n = 0;
    for (const p of info.pods.values()) {
      if (p.pod.metadata?.namespace !== s.namespace) continue;
      if (s.controllerUID && p.controllerUID === s.controllerUID) n++;
      else if (s.services.some((m) => m.matches(p.pod.metadata?.labels))) n++;
    }
    return n;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): void {
    let max = 0;
    for (const s of scores) if (s.score > max) max = s.score;
    for (const s of scores) s.score = max === 0 ? MAX_NODE_SCORE : Math.trunc((MAX_NODE_SCORE * (max - s.score)) / max);
  }
}
