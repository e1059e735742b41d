// SPDX-License-Identifier: Apache-2.0
import type { ApiClient } from '@berth/client';
import type { Cache } from './cache';
import type { NodeInfo } from './node-info';
import type { Status } from './status';
import type { PersistentVolumeClaim, Pod, Service } from './types';

/** The highest score a plugin may give a node (after normalization). */
export const MAX_NODE_SCORE = 100;

/**
 * The cluster changes that can make a rejected pod schedulable. Plugins say which ones
 * matter to them (eventsToRegister); the queue moves a pod out of the unschedulable
 * sub-queue only on an event one of its rejecting plugins registered for.
 */
export type ClusterEvent =
  | 'NodeAdd'
  | 'NodeAllocatableChange'
  | 'NodeLabelChange'
  | 'NodeTaintChange'
  | 'NodeUnschedulableChange'
  | 'NodeImagesChange'
  | 'AssignedPodAdd'
  | 'AssignedPodUpdate'
  | 'AssignedPodDelete'
  | 'PvcChange'
  | 'ServiceChange';

/**
 * CycleState carries data between the extension points of one scheduling cycle (e.g. the
 * pod's requests computed in PreFilter, read by every Filter call). Keys are per plugin.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}

/** What plugins may look at besides the pod and node: the cache and a few listers. */
export interface Handle {
  cache: Cache;
  /** The API, for the binder. */
  client?: ApiClient;
  /** PVCs by namespace/name (VolumeBinding); undefined when not wired. */
  getPvc?(namespace: string, name: string): PersistentVolumeClaim | undefined;
  /** Services of a namespace (SelectorSpread). */
  listServices?(namespace: string): Service[];
}

/** Every plugin has a name, shared with the registry and the configuration. */
export interface Plugin {
  readonly name: string;
  /** The cluster events that could make a pod this plugin rejected schedulable. */
  eventsToRegister?(): ClusterEvent[];
}

/** Runs once per cycle before the filters; may reject the pod outright or precompute state. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod): Status | undefined;
}

/** Decides whether the pod may run on one node. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
}

/** A node's score from one plugin. */
export interface NodeScore {
  name: string;
  score: number;
}

/** Ranks the feasible nodes: score each, then normalize all to 0..MAX_NODE_SCORE. */
export interface ScorePlugin extends Plugin {
  preScore?(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status | undefined;
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): void;
}

/** Writes the placement (the default binder creates pods/binding). */
export interface BindPlugin extends Plugin {
  bind(pod: Pod, nodeName: string): Promise<Status | undefined>;
}

/** Builds a plugin from its arguments (from the configuration) and the handle. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === 'function';
}
export function isBind(p: Plugin): p is BindPlugin {
  return typeof (p as BindPlugin).bind === 'function';
}

/**
 * Normalizes scores to 0..MAX_NODE_SCORE by the highest one (reverse: the lowest raw score
 * gets the most), as kube-scheduler's helper.DefaultNormalizeScore.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.trunc((maxPriority * s.score) / max);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}
