// SPDX-License-Identifier: Apache-2.0
import type { CompiledSchedulerConfig } from './config';
import {
  CycleState,
  isBind,
  isFilter,
  isPreFilter,
  isScore,
  MAX_NODE_SCORE,
  type BindPlugin,
  type ClusterEvent,
  type FilterPlugin,
  type Handle,
  type NodeScore,
  type Plugin,
  type PluginFactory,
  type PreFilterPlugin,
  type ScorePlugin,
} from './interface';
import type { NodeInfo } from './node-info';
import { FitError, isSuccess, Status, type Diagnosis } from './status';
import type { Pod } from './types';

/** Where the pod goes and how many nodes were looked at. */
export interface ScheduleResult {
  nodeName: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/**
 * Framework runs the enabled plugins at each extension point for one pod:
 * PreFilter → Filter (over enough nodes) → PreScore/Score/NormalizeScore (weighted) →
 * select the best node. Binding is separate (bind()), since it is I/O and runs after the
 * pod is assumed.
 */
export class Framework {
  readonly preFilters: PreFilterPlugin[] = [];
  readonly filters: FilterPlugin[] = [];
  readonly scorers: Array<{ plugin: ScorePlugin; weight: number }> = [];
  readonly binders: BindPlugin[] = [];
  /** Cluster event → plugins that registered for it. */
  private readonly eventPlugins = new Map<ClusterEvent, Set<string>>();
  private nextStartNodeIndex = 0;

  constructor(
    private readonly config: CompiledSchedulerConfig,
    registry: Record<string, PluginFactory>,
    private readonly handle: Handle,
    /** Random in [0,1) for tie-breaks; injectable for tests. */
    private readonly random: () => number = Math.random,
  ) {
    for (const p of config.plugins) {
      const factory = registry[p.name];
      if (!factory) throw new Error(`plugin "${p.name}" is not in the registry`);
      const plugin: Plugin = factory(p.args, handle);
      if (isPreFilter(plugin)) this.preFilters.push(plugin);
      if (isFilter(plugin)) this.filters.push(plugin);
      if (isScore(plugin)) this.scorers.push({ plugin, weight: p.weight });
      if (isBind(plugin)) this.binders.push(plugin);
      for (const ev of plugin.eventsToRegister?.() ?? []) {
        let s = this.eventPlugins.get(ev);
        if (!s) this.eventPlugins.set(ev, (s = new Set()));
        s.add(plugin.name);
      }
    }
  }

  get schedulerName(): string {
    return this.config.schedulerName;
  }

  /** The plugins that registered for an event. */
  pluginsForEvent(ev: ClusterEvent): ReadonlySet<string> {
    return this.eventPlugins.get(ev) ?? new Set();
  }

  /**
   * Finds a node for `pod`. Throws FitError when none fits (with per-node reasons), or an
   * Error when a plugin failed.
   */
  schedulePod(pod: Pod): ScheduleResult {
    const all = this.handle.cache.nodeInfoList();
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };
    if (all.length === 0) throw new FitError(0, diagnosis);
    const state = new CycleState();

    // A PreFilter that answers Skip has nothing to check for this pod: its Filter does not
    // run in this cycle (kube-scheduler's skipFilterPlugins).
    let skipped: Set<string> | undefined;
    for (const pl of this.preFilters) {
      const s = pl.preFilter(state, pod);
      if (isSuccess(s)) continue;
      if (s?.code === 'Skip') {
        (skipped ??= new Set()).add(pl.name);
        continue;
      }
      s!.plugin = pl.name;
      if (s!.isRejected()) {
        diagnosis.preFilterMsg = s!.message();
        diagnosis.unschedulablePlugins.add(pl.name);
        for (const n of all) diagnosis.nodeToStatus.set(n.name, s!);
        throw new FitError(all.length, diagnosis);
      }
      throw new Error(`running PreFilter plugin "${pl.name}": ${s!.message()}`);
    }

    const filters = skipped ? this.filters.filter((f) => !skipped.has(f.name)) : this.filters;
    const feasible = this.findFeasible(state, pod, all, filters, diagnosis);
    if (feasible.length === 0) throw new FitError(all.length, diagnosis);
    const evaluated = diagnosis.nodeToStatus.size + feasible.length;
    if (feasible.length === 1) return { nodeName: feasible[0]!.name, evaluatedNodes: evaluated, feasibleNodes: 1 };

    const totals = this.prioritize(state, pod, feasible);
    return { nodeName: this.selectHost(feasible, totals), evaluatedNodes: evaluated, feasibleNodes: feasible.length };
  }

  /** kube-scheduler's numFeasibleNodesToFind: stop filtering once this many nodes fit. */
  numFeasibleNodesToFind(numAllNodes: number): number {
    const minFeasible = 100;
    let pct = this.config.percentageOfNodesToScore;
    if (numAllNodes < minFeasible || pct >= 100) return numAllNodes;
    if (pct <= 0) {
      pct = 50 - Math.trunc(numAllNodes / 125);
      if (pct < 5) pct = 5;
    }
    const n = Math.trunc((numAllNodes * pct) / 100);
    return n < minFeasible ? minFeasible : n;
  }

  private findFeasible(state: CycleState, pod: Pod, all: NodeInfo[], filters: readonly FilterPlugin[], diagnosis: Diagnosis): NodeInfo[] {
    const want = this.numFeasibleNodesToFind(all.length);
    const feasible: NodeInfo[] = [];
    const n = all.length;
    const start = this.nextStartNodeIndex % n;
    let processed = 0;
    for (; processed < n && feasible.length < want; processed++) {
      const info = all[(start + processed) % n]!;
      const s = runFilters(filters, state, pod, info);
      if (s === undefined) {
        feasible.push(info);
      } else if (s.isRejected()) {
        diagnosis.nodeToStatus.set(info.name, s);
        diagnosis.unschedulablePlugins.add(s.plugin);
      } else {
        throw new Error(`running Filter plugin "${s.plugin}" on node "${info.name}": ${s.message()}`);
      }
    }
    // Rotate so successive pods look at different nodes first (spreads load, as kube-scheduler).
    this.nextStartNodeIndex = (start + processed) % n;
    return feasible;
  }

  /**
   * Weighted sum of the normalized scores per feasible node, in the order of `nodes`. Only a
   * plugin that normalizes its scores gets them as NodeScore objects; the others add straight
   * into the totals (a pod is scored on hundreds of nodes by every plugin).
   */
  prioritize(state: CycleState, pod: Pod, nodes: NodeInfo[]): Float64Array {
    const totals = new Float64Array(nodes.length);
    for (const { plugin, weight } of this.scorers) {
      const pre = plugin.preScore?.(state, pod, nodes);
      if (pre?.code === 'Skip') continue;
      if (pre && !pre.isSuccess()) throw new Error(`running PreScore plugin "${plugin.name}": ${pre.message()}`);
      if (plugin.normalizeScore) {
        const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pod, n) }));
        plugin.normalizeScore(state, pod, scores);
        for (let i = 0; i < scores.length; i++) totals[i]! += checkedScore(plugin.name, nodes[i]!, scores[i]!.score) * weight;
      } else {
        for (let i = 0; i < nodes.length; i++) totals[i]! += checkedScore(plugin.name, nodes[i]!, plugin.score(state, pod, nodes[i]!)) * weight;
      }
    }
    return totals;
  }

  /** The node with the highest total; ties are broken uniformly at random (reservoir sampling). */
  private selectHost(nodes: NodeInfo[], totals: Float64Array): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!.name;
  }

  /** Runs the bind plugins until one handles the pod. */
  async bind(pod: Pod, nodeName: string): Promise<Status | undefined> {
    for (const b of this.binders) {
      const s = await b.bind(pod, nodeName);
      if (s?.code === 'Skip') continue;
      if (s) s.plugin = b.name;
      return s;
    }
    return new Status('Error', 'no bind plugin handled the pod');
  }
}

/** A plugin's score of a node, which must be within 0..MAX_NODE_SCORE. */
function checkedScore(plugin: string, node: NodeInfo, score: number): number {
  if (score < 0 || score > MAX_NODE_SCORE || Number.isNaN(score)) {
    throw new Error(`plugin "${plugin}" returns an invalid score ${score} for node "${node.name}"`);
  }
  return score;
}

/** Runs the filters on one node; the first rejection wins (undefined = fits). */
function runFilters(filters: readonly FilterPlugin[], state: CycleState, pod: Pod, info: NodeInfo): Status | undefined {
  for (const pl of filters) {
    const s = pl.filter(state, pod, info);
    if (s !== undefined && s.code !== 'Success') {
      s.plugin = pl.name;
      return s;
    }
  }
  return undefined;
}
