// SPDX-License-Identifier: Apache-2.0
import type { ContainerInfo, SandboxInfo } from '@berth/runtime';
import type { coreV1 } from '@berth/api-types';
import { Quantity } from '@berth/api';
import type { ContainerProbeState } from './probe-manager';
import type { Container, ContainerStatus, Pod, PodStatus } from './types';

/** Why a container is not running, when the kubelet knows better than the runtime. */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/** What the status is computed from: the pod, what runs, and the kubelet's own knowledge. */
export interface StatusInput {
  pod: Pod;
  hostIP: string;
  /** The ready sandbox, if any. */
  sandbox?: SandboxInfo;
  /** The pod's containers by spec name, newest attempt first. */
  containers: Map<string, ContainerInfo[]>;
  /** Waiting reasons set by the worker (ErrImagePull, CrashLoopBackOff, ...), by container name. */
  waiting: Map<string, WaitingReason>;
  probes(containerId: string, c: Container): ContainerProbeState;
  /** Runtime name for container ids ("docker" → docker://<id>). */
  runtimeName: string;
  now: Date;
}

/**
 * The pod status the kubelet reports (kubelet's generateAPIPodStatus): phase, conditions,
 * IPs, and one status per init and app container with state, lastState, restartCount,
 * ready, started, image and ids. Pure: the same input gives the same status, and
 * condition transition times are kept from the previous status when nothing changed.
 */
export function computePodStatus(input: StatusInput): PodStatus {
  const { pod } = input;
  const spec = pod.spec ?? {};
  const prev = pod.status ?? {};
  const initStatuses = (spec.initContainers ?? []).map((c) => containerStatus(input, c, true));
  const statuses = (spec.containers ?? []).map((c) => containerStatus(input, c, false));
  const initDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0 || ((s.lastState?.terminated?.exitCode === 0) && !s.state?.running && !s.state?.waiting));
  const phase = podPhase(spec.restartPolicy ?? 'Always', initStatuses, statuses, initDone);
  const ts = iso(input.now);
  const cond = (type: string, ok: boolean, reason?: string, message?: string): coreV1.PodConditionJson => {
    const status = ok ? 'True' : 'False';
    const old = (prev.conditions ?? []).find((c) => c.type === type);
    const c: coreV1.PodConditionJson = { type, status, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : ts };
    if (!ok && reason) c.reason = reason;
    if (!ok && message) c.message = message;
    return c;
  };
  const terminalOk = phase === 'Succeeded';
  const notInit = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const initialized = initDone || notInit.length === 0;
  const containersReady = notReady.length === 0 && phase === 'Running';
  const conditions = [
    cond('Initialized', initialized || terminalOk, 'ContainersNotInitialized', `containers with incomplete status: [${notInit.join(' ')}]`),
    cond('Ready', containersReady, phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady', phase === 'Succeeded' || phase === 'Failed' ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    cond('ContainersReady', containersReady, phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady', phase === 'Succeeded' || phase === 'Failed' ? undefined : `containers with unready status: [${notReady.join(' ')}]`),
    cond('PodScheduled', true),
  ];
  const podIP = input.sandbox?.ip || (phase === 'Succeeded' || phase === 'Failed' ? prev.podIP ?? '' : '');
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    ...(input.hostIP ? { hostIPs: [{ ip: input.hostIP }] } : {}),
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: prev.startTime ?? ts,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    qosClass: qosClass(pod),
  };
  return status;
}

function containerStatus(input: StatusInput, c: Container, init: boolean): ContainerStatus {
  const name = c.name ?? '';
  const list = input.containers.get(name) ?? [];
  const latest = list[0];
  const previous = list[1];
  const waiting = input.waiting.get(name);
  const cid = (x: ContainerInfo): string => `${input.runtimeName}://${x.id}`;
  const terminated = (x: ContainerInfo): coreV1.ContainerStateTerminatedJson => ({
    exitCode: x.exitCode,
    reason: x.oomKilled ? 'OOMKilled' : x.exitCode === 0 && !x.error ? 'Completed' : x.error ? 'StartError' : 'Error',
    ...(x.error ? { message: x.error } : {}),
    ...(x.startedAt ? { startedAt: iso(x.startedAt) } : {}),
    ...(x.finishedAt ? { finishedAt: iso(x.finishedAt) } : {}),
    containerID: cid(x),
  });
  const s: ContainerStatus = {
    name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: latest?.attempt ?? 0,
    image: c.image ?? '',
    imageID: latest?.imageRef ?? '',
    started: false,
  };
  if (!latest) {
    s.state = { waiting: { reason: waiting?.reason ?? (init ? 'PodInitializing' : 'ContainerCreating'), ...(waiting?.message ? { message: waiting.message } : {}) } };
    if (!init && !waiting && (input.pod.spec?.initContainers?.length ?? 0) > 0) s.state = { waiting: { reason: 'PodInitializing' } };
    return s;
  }
  s.containerID = cid(latest);
  if (latest.state === 'running') {
    const probe = input.probes(latest.id, c);
    s.state = { running: { startedAt: latest.startedAt ? iso(latest.startedAt) : iso(input.now) } };
    s.started = probe.started;
    s.ready = !init && probe.started && probe.ready;
    if (previous && previous.state === 'exited') s.lastState = { terminated: terminated(previous) };
  } else if (latest.state === 'exited') {
    if (waiting) {
      s.state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
      s.lastState = { terminated: terminated(latest) };
    } else {
      s.state = { terminated: terminated(latest) };
      if (previous && previous.state === 'exited') s.lastState = { terminated: terminated(previous) };
    }
  } else {
    s.state = { waiting: { reason: waiting?.reason ?? 'ContainerCreating', ...(waiting?.message ? { message: waiting.message } : {}) } };
    if (previous && previous.state === 'exited') s.lastState = { terminated: terminated(previous) };
  }
  return s;
}

/** Kubernetes' getPhase. */
function podPhase(restartPolicy: string, init: ContainerStatus[], app: ContainerStatus[], initDone: boolean): string {
  if (!initDone) {
    const failedInit = init.some((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
    if (failedInit && restartPolicy === 'Never') return 'Failed';
    return 'Pending';
  }
  let pending = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else pending++;
    }
  }
  if (pending > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'OnFailure') return 'Running';
    return 'Failed';
  }
  return 'Pending';
}

/** Guaranteed / Burstable / BestEffort, from requests and limits. */
export function qosClass(pod: Pod): string {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (!l || !q || !Quantity.parse(l).equals(Quantity.parse(q))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
