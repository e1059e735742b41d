// SPDX-License-Identifier: Apache-2.0
import { DEFAULT_SCHEDULER_NAME } from './types';

/** One plugin entry of the configuration. */
export interface PluginRef {
  name: string;
  /** Score weight (1..100); ignored for plugins that do not score. */
  weight?: number;
}

/**
 * The scheduler's configuration, shaped like kube-scheduler's KubeSchedulerConfiguration
 * (one profile): which plugins run, their weights and arguments, and queue timings.
 */
export interface SchedulerConfiguration {
  schedulerName?: string;
  /**
   * Share of nodes to find feasible before scoring (0 = adaptive: 50% minus 1% per 125
   * nodes, at least 5%, at least 100 nodes), as kube-scheduler's percentageOfNodesToScore.
   */
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  /** How long a pod may sit in the unschedulable sub-queue before it is retried anyway. */
  podMaxInUnschedulablePodsDurationSeconds?: number;
  plugins?: {
    /** Added to the defaults (or replace a default's weight). */
    enabled?: PluginRef[];
    /** Removed from the defaults; `{name: '*'}` removes them all. */
    disabled?: Array<{ name: string }>;
  };
  pluginConfig?: Array<{ name: string; args: unknown }>;
}

/** A plugin as it will run: name, weight and arguments. */
export interface CompiledPlugin {
  name: string;
  weight: number;
  args: unknown;
}

/** The configuration after defaults and checks. */
export interface CompiledSchedulerConfig {
  schedulerName: string;
  percentageOfNodesToScore: number;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  podMaxInUnschedulablePodsDurationMs: number;
  plugins: CompiledPlugin[];
}

/** kube-scheduler's default plugin set and score weights (without inter-pod affinity and preemption). */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeBinding' },
  { name: 'SelectorSpread', weight: 2 },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

export class SchedulerConfigError extends Error {}

/**
 * Applies defaults and validates a configuration against the names a registry knows.
 * Pure: the same input always compiles to the same plugin list.
 */
export function compileSchedulerConfig(cfg: SchedulerConfiguration, knownPlugins: Iterable<string>): CompiledSchedulerConfig {
  const known = new Set(knownPlugins);
  const errors: string[] = [];
  const disabled = new Set((cfg.plugins?.disabled ?? []).map((d) => d.name));
  const out = new Map<string, CompiledPlugin>();
  if (!disabled.has('*')) {
    for (const p of DEFAULT_PLUGINS) if (!disabled.has(p.name)) out.set(p.name, { name: p.name, weight: p.weight ?? 1, args: undefined });
  }
  for (const p of cfg.plugins?.enabled ?? []) {
    if (!known.has(p.name)) {
      errors.push(`plugins.enabled: unknown plugin "${p.name}"`);
      continue;
    }
    const w = p.weight ?? out.get(p.name)?.weight ?? 1;
    if (!Number.isInteger(w) || w < 1 || w > 100) errors.push(`plugins.enabled[${p.name}].weight: must be an integer in 1..100, got ${String(p.weight)}`);
    out.set(p.name, { name: p.name, weight: w, args: undefined });
  }
  for (const d of disabled) if (d !== '*' && !known.has(d)) errors.push(`plugins.disabled: unknown plugin "${d}"`);
  for (const pc of cfg.pluginConfig ?? []) {
    const p = out.get(pc.name);
    if (!p) errors.push(`pluginConfig: plugin "${pc.name}" is not enabled`);
    else p.args = pc.args;
  }
  for (const p of out.values()) if (!known.has(p.name)) errors.push(`plugin "${p.name}" is not in the registry`);
  const pct = cfg.percentageOfNodesToScore ?? 0;
  if (!(pct >= 0 && pct <= 100)) errors.push(`percentageOfNodesToScore: must be in 0..100, got ${pct}`);
  const initial = cfg.podInitialBackoffSeconds ?? 1;
  const max = cfg.podMaxBackoffSeconds ?? 10;
  if (!(initial > 0)) errors.push(`podInitialBackoffSeconds: must be greater than 0, got ${initial}`);
  if (!(max >= initial)) errors.push(`podMaxBackoffSeconds: must be at least podInitialBackoffSeconds (${initial}), got ${max}`);
  const maxUnsched = cfg.podMaxInUnschedulablePodsDurationSeconds ?? 60;
  if (!(maxUnsched > 0)) errors.push(`podMaxInUnschedulablePodsDurationSeconds: must be greater than 0, got ${maxUnsched}`);
  if (errors.length > 0) throw new SchedulerConfigError(errors.join('; '));
  return {
    schedulerName: cfg.schedulerName || DEFAULT_SCHEDULER_NAME,
    percentageOfNodesToScore: pct,
    podInitialBackoffMs: initial * 1000,
    podMaxBackoffMs: max * 1000,
    podMaxInUnschedulablePodsDurationMs: maxUnsched * 1000,
    plugins: [...out.values()],
  };
}
