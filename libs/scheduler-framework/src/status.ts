// SPDX-License-Identifier: Apache-2.0

/**
 * The result code of a plugin. Expected failures are codes, not exceptions.
 * - Success: the plugin ran and the pod fits (an undefined Status also means Success).
 * - Error: an internal error; the pod is retried after its backoff.
 * - Unschedulable: the pod does not fit now, but a change (another pod leaving,
 *   preemption) could make it fit; the pod waits in the unschedulable queue.
 * - UnschedulableAndUnresolvable: no change to other pods can help on this node (e.g.
 *   its labels do not match); preemption would skip the node.
 * - Skip: PreFilter/PreScore says the plugin has nothing to do for this pod.
 */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip';

/** A plugin's verdict with the reasons shown to users (kubectl describe). */
export class Status {
  /** The plugin that returned it (set by the framework). */
  plugin = '';
  readonly reasons: readonly string[];

  constructor(
    readonly code: Code,
    ...reasons: string[]
  ) {
    this.reasons = reasons;
  }

  /** The reasons joined with ", ". */
  message(): string {
    return this.reasons.join(', ');
  }

  isSuccess(): boolean {
    return this.code === 'Success';
  }

  /** Unschedulable or UnschedulableAndUnresolvable. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }
}

/** Success as a value (plugins may also return undefined). */
export const SUCCESS = new Status('Success');

/** True when `s` is undefined or Success. */
export function isSuccess(s: Status | undefined): boolean {
  return s === undefined || s.code === 'Success';
}

/** Why a pod fits nowhere: the per-node statuses and the pre-/post-filter messages. */
export interface Diagnosis {
  /** Node name → the status that rejected the pod there. */
  nodeToStatus: Map<string, Status>;
  /** Plugins that rejected the pod (the queue moves it back on events these plugins care about). */
  unschedulablePlugins: Set<string>;
  /** A PreFilter rejection applies to every node; its message replaces the per-node histogram. */
  preFilterMsg?: string;
  /** The PostFilter (preemption) message, e.g. "preemption: 0/2 nodes are available: ...". */
  postFilterMsg?: string;
}

/** A scheduling failure: the pod fits on none of `numAllNodes` nodes. */
export class FitError extends Error {
  constructor(
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super(fitErrorMessage(numAllNodes, diagnosis));
    this.name = 'FitError';
  }
}

/**
 * The message of FailedScheduling events and the PodScheduled condition, worded exactly as
 * kube-scheduler's FitError.Error(): `0/N nodes are available:` then either the PreFilter
 * message or "<count> <reason>" per distinct reason (sorted as strings, joined by ", "),
 * each part followed by "."; then the PostFilter message, also followed by ".".
 */
export function fitErrorMessage(numAllNodes: number, d: Pick<Diagnosis, 'nodeToStatus' | 'preFilterMsg' | 'postFilterMsg'>): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const status of d.nodeToStatus.values()) {
      for (const r of status.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    // Go's sort.Strings: byte order of the whole "count reason" string.
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}
