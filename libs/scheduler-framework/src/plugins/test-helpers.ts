// SPDX-License-Identifier: Apache-2.0
import { Cache } from '../cache';
import { CycleState, type FilterPlugin, type PreFilterPlugin } from '../interface';
import { newPodInfo, NodeInfo } from '../node-info';
import type { Status } from '../status';
import type { Node, Pod } from '../types';

/** A NodeInfo holding `pods` (tests). */
export function nodeInfo(node: Node, ...pods: Pod[]): NodeInfo {
  const info = new NodeInfo(node);
  for (const p of pods) info.addPod(newPodInfo(p));
  return info;
}

/**
 * Runs PreFilter (if any) then Filter, as the framework does (a PreFilter's Skip means the
 * Filter does not run), and returns "" for fits or the reasons joined.
 */
export function runFilter(plugin: FilterPlugin & Partial<PreFilterPlugin>, pod: Pod, info: NodeInfo): string {
  const state = new CycleState();
  const pre = plugin.preFilter?.(state, pod);
  if (pre?.code === 'Skip') return '';
  if (pre && pre.code !== 'Success') return `prefilter:${pre.code}:${pre.message()}`;
  const s: Status | undefined = plugin.filter(state, pod, info);
  return s === undefined || s.code === 'Success' ? '' : `${s.code}:${s.message()}`;
}

/** A cache with these nodes (tests). */
export function cacheWith(...nodes: Node[]): Cache {
  const c = new Cache();
  for (const n of nodes) c.addNode(n);
  return c;
}
