// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { translateTimestampSince } from './age';

/** The cells kubectl computes for a pod (k8s.io/kubernetes/pkg/printers/internalversion printPod). */
export interface PodCells {
  /** `ready/total` containers, restartable (sidecar) init containers included. */
  ready: string;
  /** The STATUS column: phase, or the reason that explains it (CrashLoopBackOff, Init:0/1, Terminating...). */
  status: string;
  /** `0`, or `3 (2m ago)` with the time since the last container termination. */
  restarts: string;
  ip: string;
  node: string;
  nominatedNode: string;
  readinessGates: string;
}

const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

function isRestartableInitContainer(c: coreV1.ContainerJson | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(status: coreV1.PodStatusJson | undefined, type: string): boolean {
  for (const c of status?.conditions ?? []) {
    if (c.type === type) return c.status === 'True';
  }
  return false;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** kubectl's printPod: READY, STATUS, RESTARTS and the wide columns of one pod. */
export function podCells(pod: coreV1.PodJson, now: Date): PodCells {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestartDate: string | undefined;
  let lastRestartableInitRestartDate: string | undefined;

  const phase = status.phase ?? '';
  let reason = status.reason || phase;

  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, coreV1.ContainerJson>();
  for (const c of spec.initContainers ?? []) {
    initContainers.set(c.name ?? '', c);
    if (isRestartableInitContainer(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const container = initStatuses[i] as coreV1.ContainerStatusJson;
    restarts += container.restartCount ?? 0;
    const lastTerminated = container.lastState?.terminated;
    if (lastTerminated) lastRestartDate = later(lastRestartDate, lastTerminated.finishedAt);
    const restartable = isRestartableInitContainer(initContainers.get(container.name ?? ''));
    if (restartable) {
      restartableInitRestarts += container.restartCount ?? 0;
      if (lastTerminated) lastRestartableInitRestartDate = later(lastRestartableInitRestartDate, lastTerminated.finishedAt);
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      // initialization failed
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
      initializing = true;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
      initializing = true;
    }
    break;
  }

  if (!initializing || conditionTrue(status, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestartDate = lastRestartableInitRestartDate;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walked backwards so that the first container's state wins, as kubectl does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] as coreV1.ContainerStatusJson;
      restarts += container.restartCount ?? 0;
      const lastTerminated = container.lastState?.terminated;
      if (lastTerminated) lastRestartDate = later(lastRestartDate, lastTerminated.finishedAt);
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting && waiting.reason) {
        reason = waiting.reason;
      } else if (terminated && terminated.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (container.ready && container.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod with a container still running is not Completed yet.
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = !!pod.metadata?.deletionTimestamp;
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestartDate) restartsText = `${restarts} (${translateTimestampSince(lastRestartDate, now)} ago)`;

  let readinessGates = '<none>';
  const gates = spec.readinessGates ?? [];
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const cond = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
      if (cond?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  return {
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsText,
    ip: status.podIPs?.[0]?.ip || status.podIP || '<none>',
    node: spec.nodeName || '<none>',
    nominatedNode: status.nominatedNodeName || '<none>',
    readinessGates,
  };
}
