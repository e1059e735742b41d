// SPDX-License-Identifier: Apache-2.0
import { Quantity, isConflict, isNotFound } from '@berth/api';
import type { ApiClient } from '@berth/client';
import {
  ImagePullError,
  LABEL_CONTAINER_HASH,
  type ContainerInfo,
  type ContainerRuntime,
  type SandboxInfo,
} from '@berth/runtime';
import { createHash } from 'node:crypto';
import { Backoff } from './backoff';
import { ContainerConfigError, containerEnv, expandVars, type NodeAllocatable } from './container-env';
import { LifecycleHooks } from './lifecycle-hooks';
import { computePodStatus, type WaitingReason } from './pod-status';
import { ProbeManager, probeKindLabel, type ProbeKind } from './probe-manager';
import type { Prober } from './prober';
import { PODS, silentKubeletLogger, type Container, type KubeletLogger, type KubeletRecorder, type ObjectSource, type Pod } from './types';
import { MountError, type VolumeManager, containerMounts, type PreparedVolume } from './volumes';

/** Everything the pod workers need; all I/O goes through these. */
export interface PodWorkersOptions {
  nodeName: string;
  client: ApiClient;
  runtime: ContainerRuntime;
  recorder: KubeletRecorder;
  objects: ObjectSource;
  volumes: VolumeManager;
  prober: Prober;
  hostIP: string;
  allocatable: NodeAllocatable;
  /** Cluster DNS server IPs (resolv.conf nameservers). */
  clusterDNS: string[];
  clusterDomain?: string;
  /** Crash-loop back-off (default 10 s → 5 min). */
  backoff?: { initialMs: number; maxMs: number };
  /** Image pull back-off (default 10 s → 5 min). */
  imageBackoff?: { initialMs: number; maxMs: number };
  /** Asks for another sync of the pod after delayMs (back-off expiry, retries). */
  requeue(uid: string, delayMs: number): void;
  logger?: KubeletLogger;
  now?: () => number;
}

interface PodState {
  waiting: Map<string, WaitingReason>;
  lastStatus?: string;
  lastMountError?: string;
  terminating?: Promise<void>;
  /** Container ids already killed for a failed liveness probe. */
  killedForProbe: Set<string>;
  /** Container ids whose postStart hook is running: reported as not yet started. */
  starting: Set<string>;
  /** Aborted by cancelStart: the sync in progress stops waiting for postStart hooks. */
  startAbort?: AbortController;
}

/** Kubernetes' minimumGracePeriodInSeconds: a graceful stop always leaves the process this long. */
const MIN_GRACE_SECONDS = 2;
/** The grace period of a pod removed from the API without one (Kubernetes: "we always supply a grace period of 1"). */
const GONE_GRACE_SECONDS = 1;

/**
 * PodWorkers reconciles each pod bound to this node with what runs in the container
 * runtime (the kubelet's syncPod): level-triggered, so `sync(uid, pod)` may be called any
 * number of times and does only what is missing. Callers serialize calls per pod (the
 * kubelet's work queue does).
 */
export class PodWorkers {
  readonly probes: ProbeManager;
  private readonly hooks: LifecycleHooks;
  private readonly state = new Map<string, PodState>();
  private readonly backoff: Backoff;
  private readonly imageBackoff: Backoff;
  private readonly log: KubeletLogger;
  private readonly now: () => number;
  private readonly pods = new Map<string, Pod>();
  private runtimeName = '';

  constructor(private readonly o: PodWorkersOptions) {
    this.backoff = new Backoff(o.backoff?.initialMs ?? 10_000, o.backoff?.maxMs ?? 300_000);
    this.imageBackoff = new Backoff(o.imageBackoff?.initialMs ?? 10_000, o.imageBackoff?.maxMs ?? 300_000);
    this.log = o.logger ?? silentKubeletLogger;
    this.now = o.now ?? Date.now;
    this.hooks = new LifecycleHooks(o.runtime, o.recorder, this.now);
    this.probes = new ProbeManager(o.prober, {
      onFailure: (pod, name, kind, message) => this.o.recorder.event(pod, 'Warning', 'Unhealthy', message),
      onChange: (uid) => this.o.requeue(uid, 0),
    });
  }

  /** Brings one pod to its desired state; `pod` undefined means the pod is gone from the API. */
  async sync(uid: string, pod: Pod | undefined): Promise<void> {
    if (!this.runtimeName) this.runtimeName = (await this.o.runtime.version()).name;
    if (!pod) {
      await this.removePod(uid);
      return;
    }
    this.pods.set(uid, pod);
    const st = this.podState(uid);
    if (pod.metadata?.deletionTimestamp) {
      await this.terminate(pod, st);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      // terminal: nothing restarts; make sure nothing runs
      await this.killContainers(pod, await this.o.runtime.listContainers({ podUid: uid }), 0);
      return;
    }

    // 1. volumes
    let volumes: Map<string, PreparedVolume>;
    try {
      volumes = await this.o.volumes.setUp(pod);
      st.lastMountError = undefined;
    } catch (err) {
      if (!(err instanceof MountError)) throw err;
      if (st.lastMountError !== err.message) this.o.recorder.event(pod, 'Warning', 'FailedMount', err.message);
      st.lastMountError = err.message;
      await this.writeStatus(pod, st, undefined, []);
      this.o.requeue(uid, 2000);
      return;
    }

    // 2. sandbox
    const [sandboxes, listed] = await Promise.all([this.o.runtime.listSandboxes({ podUid: uid }), this.o.runtime.listContainers({ podUid: uid })]);
    let containers = listed;
    let sandbox = newest(sandboxes.filter((s) => s.state === 'ready'));
    if (!sandbox) {
      if (this.podFinished(pod, containers)) {
        await this.writeStatus(pod, st, undefined, containers);
        return;
      }
      // A dead sandbox takes the pod's network with it: every container is restarted in a new one.
      if (sandboxes.length > 0) {
        this.o.recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
        await this.killContainers(pod, containers, 0);
        containers = await this.o.runtime.listContainers({ podUid: uid });
        for (const s of sandboxes) await this.o.runtime.removeSandbox(s.id);
      }
      sandbox = await this.o.runtime.runSandbox({
        pod: { uid, name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default' },
        attempt: sandboxes.reduce((m, s) => Math.max(m, s.attempt + 1), 0),
        hostname: pod.spec?.hostname || pod.metadata?.name || '',
        ...this.dnsConfig(pod),
        extraHosts: (pod.spec?.hostAliases ?? []).flatMap((h) => (h.ip ? [`${h.ip} ${(h.hostnames ?? []).join(' ')}`] : [])),
        singleContainer: (pod.spec?.initContainers ?? []).length === 0 && (pod.spec?.containers ?? []).length === 1,
      });
    }
    for (const s of sandboxes) if (s.id !== sandbox.id && s.state !== 'ready') await this.o.runtime.removeSandbox(s.id);
    // the pod IP is visible to env (status.podIP) from here on
    const podForEnv: Pod = { ...pod, status: { ...pod.status, podIP: sandbox.ip, podIPs: [{ ip: sandbox.ip }], hostIP: this.o.hostIP } };

    // 3. containers: init containers in order, then the app containers
    const byName = groupByName(containers);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    const start = (st.startAbort = new AbortController()).signal;
    let initDone = true;
    for (const c of pod.spec?.initContainers ?? []) {
      if (start.aborted) break;
      const latest = byName.get(c.name ?? '')?.[0];
      if (latest && latest.state === 'exited' && latest.exitCode === 0 && !latest.error) {
        st.waiting.delete(c.name ?? '');
        continue;
      }
      initDone = false;
      if (latest?.state === 'running' || latest?.state === 'created') break;
      if (latest && latest.state === 'exited') {
        if (policy === 'Never') break; // the pod fails
        if (!(await this.backoffAllows(pod, st, c, latest))) break;
      }
      await this.startContainer(podForEnv, st, sandbox, c, nextAttempt(byName.get(c.name ?? '')), volumes, true, start);
      break;
    }
    if (initDone) {
      for (const c of pod.spec?.containers ?? []) {
        if (start.aborted) break;
        const name = c.name ?? '';
        const list = byName.get(name);
        const latest = list?.[0];
        if (latest?.state === 'running') {
          st.waiting.delete(name);
          const probe = this.probes.state(latest.id, c);
          if (probe.unhealthy && !st.killedForProbe.has(latest.id)) {
            st.killedForProbe.add(latest.id);
            const what = probe.unhealthy.kind === 'startup' ? 'startup' : 'liveness';
            await this.killContainer(pod, latest, gracePeriod(pod, c, probe.unhealthy.kind), `Container ${name} failed ${what} probe, will be restarted`);
            this.o.requeue(uid, 0);
          } else {
            this.probes.ensure(pod, name, latest.startedAt?.getTime() ?? this.now(), { podIP: sandbox.ip, containerId: latest.id, container: c });
          }
          continue;
        }
        if (latest?.state === 'created') {
          // a create whose start never happened (kubelet crash): start it now
          await this.o.runtime.startContainer(latest.id).catch(() => undefined);
          continue;
        }
        if (latest && latest.state === 'exited') {
          this.probes.stop(latest.id);
          const restart = policy === 'Always' || (policy === 'OnFailure' && (latest.exitCode !== 0 || !!latest.error));
          if (!restart) {
            st.waiting.delete(name);
            continue;
          }
          if (!(await this.backoffAllows(pod, st, c, latest))) continue;
        }
        await this.startContainer(podForEnv, st, sandbox, c, nextAttempt(list), volumes, false, start);
      }
    }
    st.startAbort = undefined;

    // 4. garbage: keep the newest two instances of each container (state and logs --previous)
    containers = await this.o.runtime.listContainers({ podUid: uid });
    if (this.podFinished(pod, containers)) await this.o.runtime.stopSandbox(sandbox.id);
    for (const list of groupByName(containers).values()) {
      for (const old of list.slice(2)) if (old.state !== 'running') await this.o.runtime.removeContainer(old.id);
    }
    await this.writeStatus(pod, st, sandbox, containers);
  }

  /**
   * Stops waiting for the postStart hooks of a pod that is being deleted (the kubelet
   * cancels the sync in progress when termination is requested): the sync returns, and
   * the next one terminates the pod. The hook's exec itself ends with its container.
   */
  cancelStart(uid: string): void {
    this.state.get(uid)?.startAbort?.abort();
  }

  /** The pods this worker has seen and not yet removed (uids). */
  knownUids(): string[] {
    return [...this.state.keys()];
  }

  // ---- steps ----

  private async backoffAllows(pod: Pod, st: PodState, c: Container, latest: ContainerInfo): Promise<boolean> {
    const key = `${pod.metadata?.uid}/${c.name}`;
    const since = latest.finishedAt?.getTime() ?? this.now();
    const left = this.backoff.remaining(key, since, this.now());
    if (left > 0) {
      const delaySec = Math.round(this.backoff.delay(key) / 1000);
      this.o.recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      st.waiting.set(c.name ?? '', {
        reason: 'CrashLoopBackOff',
        message: `back-off ${delaySec < 60 ? `${delaySec}s` : `${Math.floor(delaySec / 60)}m${delaySec % 60 ? `${delaySec % 60}s` : ''}`} restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`,
      });
      this.o.requeue(pod.metadata?.uid ?? '', left + 10);
      return false;
    }
    this.backoff.next(key, this.now());
    return true;
  }

  private async startContainer(
    pod: Pod,
    st: PodState,
    sandbox: SandboxInfo,
    c: Container,
    attempt: number,
    volumes: Map<string, PreparedVolume>,
    init: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const name = c.name ?? '';
    const image = c.image ?? '';
    const uid = pod.metadata?.uid ?? '';
    // image
    const imageKey = `${uid}/${image}`;
    const pullPolicy = c.imagePullPolicy || (/:latest$|^[^:]*$/.test(image.split('/').pop() ?? '') ? 'Always' : 'IfNotPresent');
    const present = await this.o.runtime.imageStatus(image);
    // Images come from the node's local store (there is no registry), so "pulling" a present
    // image is a local lookup; it is still reported as Pulling/Pulled, the events users know.
    {
      if (pullPolicy === 'Never' && !present) {
        st.waiting.set(name, { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` });
        this.o.recorder.event(pod, 'Warning', 'ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
        return;
      }
      const left = this.imageBackoff.remaining(imageKey, this.lastPullFailure.get(imageKey) ?? 0, this.now());
      if (left > 0) {
        st.waiting.set(name, { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
        this.o.recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
        this.o.requeue(uid, left + 10);
        return;
      }
      this.o.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
      const t0 = this.now();
      try {
        // a present image needs no second lookup (one docker call less per container start)
        if (!present) await this.o.runtime.pullImage(image);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        this.lastPullFailure.set(imageKey, this.now());
        const delay = this.imageBackoff.next(imageKey, this.now());
        this.o.recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
        this.o.recorder.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
        st.waiting.set(name, { reason: err instanceof ImagePullError ? err.reason : 'ErrImagePull', message: `failed to pull and unpack image "${image}": ${msg}` });
        this.o.requeue(uid, delay + 10);
        return;
      }
      this.imageBackoff.reset(imageKey);
      this.o.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${this.now() - t0}ms`);
    }

    // config
    let env: Array<{ name: string; value: string }>;
    try {
      env = containerEnv(pod, c, this.o.objects, this.o.allocatable);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      st.waiting.set(name, { reason: 'CreateContainerConfigError', message: err.message });
      this.o.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      this.o.requeue(uid, 2000);
      return;
    }
    const vars = new Map(env.map((e) => [e.name, e.value]));
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    const cpuLimit = limits['cpu'] ? Quantity.parse(limits['cpu']).milliValue() : 0;
    const cpuReq = requests['cpu'] ?? limits['cpu'];
    const id = await this.o.runtime.createContainer(sandbox.id, {
      name,
      attempt,
      image,
      command: c.command?.map((s) => expandVars(s, vars)),
      args: c.args?.map((s) => expandVars(s, vars)),
      env,
      workingDir: c.workingDir,
      mounts: containerMounts(c, volumes),
      tty: c.tty,
      stdin: c.stdin,
      stdinOnce: c.stdinOnce,
      memoryLimitBytes: limits['memory'] ? Quantity.parse(limits['memory']).value() : undefined,
      nanoCpus: cpuLimit ? cpuLimit * 1_000_000 : undefined,
      cpuShares: cpuReq ? Math.max(2, Math.round((Quantity.parse(cpuReq).milliValue() * 1024) / 1000)) : undefined,
      labels: { [LABEL_CONTAINER_HASH]: containerHash(c), ...(init ? { 'berth.io/init': 'true' } : {}) },
    });
    this.o.recorder.event(pod, 'Normal', 'Created', `Created container ${name}`);
    try {
      await this.o.runtime.startContainer(id);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      st.waiting.set(name, { reason: 'RunContainerError', message: msg });
      this.o.recorder.event(pod, 'Warning', 'Failed', `Error: failed to start container "${name}": ${msg}`);
      this.o.requeue(uid, 1000);
      return;
    }
    const startedAt = this.now();
    this.o.recorder.event(pod, 'Normal', 'Started', `Started container ${name}`);
    if (c.lifecycle?.postStart) {
      if (!(await this.runPostStart(pod, st, sandbox, c, id, signal))) return;
    }
    st.waiting.delete(name);
    if (!init) this.probes.ensure(pod, name, startedAt, { podIP: sandbox.ip, containerId: id, container: c });
  }

  /**
   * Runs a started container's postStart hook; until it returns, the container is
   * reported Waiting (ContainerCreating), as Kubernetes reports it. A failure is a
   * FailedPostStartHook event (no details: they could hold secrets), the container is
   * killed (preStop included) and, when it will be restarted, waits with reason
   * PostStartHookError and the hook's message. Returns whether the hook succeeded.
   */
  private async runPostStart(pod: Pod, st: PodState, sandbox: SandboxInfo, c: Container, id: string, signal: AbortSignal): Promise<boolean> {
    const name = c.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    st.starting.add(id);
    st.waiting.set(name, { reason: 'ContainerCreating' });
    await this.writeStatus(this.pods.get(uid) ?? pod, st, sandbox, await this.o.runtime.listContainers({ podUid: uid }));
    const r = await this.hooks.postStart({ pod, container: c, containerId: id, podIP: sandbox.ip }, signal);
    st.starting.delete(id);
    if (r.ok) return true;
    if (r.interrupted) return false; // the pod is being deleted: its termination stops the container
    this.log.info({ uid, container: name, message: r.message }, 'postStart hook failed');
    this.o.recorder.event(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
    const info = await this.o.runtime.inspectContainer(id);
    await this.killContainer(pod, info, terminationGrace(pod), 'FailedPostStartHook');
    const after = await this.o.runtime.inspectContainer(id);
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always' || (policy === 'OnFailure' && (after.exitCode !== 0 || !!after.error))) {
      st.waiting.set(name, { reason: 'PostStartHookError', message: r.message });
    } else {
      st.waiting.delete(name);
    }
    this.o.requeue(uid, 0);
    return false;
  }

  private readonly lastPullFailure = new Map<string, number>();

  /** Graceful termination: SIGTERM every container, SIGKILL after the grace period, then the final delete. */
  private async terminate(pod: Pod, st: PodState): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (!st.terminating) {
      st.terminating = (async () => {
        const containers = await this.o.runtime.listContainers({ podUid: uid });
        const grace = terminationGrace(pod);
        const t0 = this.now();
        await this.killContainers(pod, containers, grace);
        this.log.debug({ uid, grace, ms: this.now() - t0 }, 'pod containers stopped');
        for (const s of await this.o.runtime.listSandboxes({ podUid: uid })) await this.o.runtime.stopSandbox(s.id);
        // Report the final container states before the object goes away.
        const after = await this.o.runtime.listContainers({ podUid: uid });
        const latest = this.pods.get(uid) ?? pod;
        await this.writeStatus(latest, st, undefined, after).catch(() => undefined);
        try {
          await this.o.client.delete(PODS, pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '', {
            gracePeriodSeconds: 0,
            preconditions: { uid },
          });
          this.log.debug({ uid, ms: this.now() - t0 }, 'pod deleted');
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      })().finally(() => {
        const s = this.state.get(uid);
        if (s) s.terminating = undefined;
      });
    }
    await st.terminating;
  }

  /** Stops the given containers in parallel (Killing events and preStop hooks for running ones). */
  private async killContainers(pod: Pod, containers: ContainerInfo[], grace: number): Promise<void> {
    await Promise.all(containers.filter((c) => c.state === 'running' || c.state === 'created').map((c) => this.killContainer(pod, c, grace)));
  }

  /**
   * The kubelet's killContainer: the Killing event, the container's preStop hook within
   * the grace period, then SIGTERM with what is left of it (at least 2 s of a non-zero
   * grace period, even when the hook used it all up) and SIGKILL after that.
   */
  private async killContainer(pod: Pod, c: ContainerInfo, graceSeconds: number, message = `Stopping container ${c.name}`): Promise<void> {
    this.probes.stop(c.id);
    let grace = graceSeconds;
    if (c.state === 'running') {
      this.o.recorder.event(pod, 'Normal', 'Killing', message);
      const spec = containerSpec(pod, c.name);
      if (spec?.lifecycle?.preStop && grace > 0) {
        const podIP = (await this.o.runtime.listSandboxes({ podUid: c.pod.uid })).find((s) => s.id === c.sandboxId && s.state === 'ready')?.ip ?? '';
        grace -= await this.hooks.preStop({ pod, container: spec, containerId: c.id, podIP }, grace);
      }
    }
    if (graceSeconds > 0) grace = Math.max(grace, MIN_GRACE_SECONDS);
    await this.o.runtime.stopContainer(c.id, grace);
  }

  /**
   * A pod gone from the API (force-deleted, or deleted while this kubelet was away): stop
   * what still runs, then remove everything it left on the node. As Kubernetes' kubelet
   * does, the grace period is never below 1 s: a pod we knew gets its preStop hooks within
   * it and then SIGTERM (2 s at least) before SIGKILL; an orphan found in the runtime, whose
   * spec we never saw, gets SIGTERM and the same 2 s.
   */
  async removePod(uid: string): Promise<void> {
    const containers = await this.o.runtime.listContainers({ podUid: uid });
    const known = this.pods.get(uid);
    if (known) await this.killContainers(known, containers, GONE_GRACE_SECONDS);
    else await Promise.all(containers.filter((c) => c.state === 'running').map((c) => this.o.runtime.stopContainer(c.id, MIN_GRACE_SECONDS)));
    for (const c of containers) this.probes.stop(c.id);
    await Promise.all(containers.map((c) => this.o.runtime.removeContainer(c.id)));
    for (const s of await this.o.runtime.listSandboxes({ podUid: uid })) await this.o.runtime.removeSandbox(s.id);
    await this.o.volumes.tearDown(uid);
    this.state.delete(uid);
    this.pods.delete(uid);
    this.backoff.resetPrefix(`${uid}/`);
    this.imageBackoff.resetPrefix(`${uid}/`);
  }

  /** True when restartPolicy says nothing will run again (Never/OnFailure with all containers done). */
  private podFinished(pod: Pod, containers: ContainerInfo[]): boolean {
    const policy = pod.spec?.restartPolicy ?? 'Always';
    if (policy === 'Always') return false;
    const byName = groupByName(containers);
    return (pod.spec?.containers ?? []).every((c) => {
      const l = byName.get(c.name ?? '')?.[0];
      return l?.state === 'exited' && (policy === 'Never' || l.exitCode === 0);
    });
  }

  private async writeStatus(pod: Pod, st: PodState, sandbox: SandboxInfo | undefined, containers: ContainerInfo[]): Promise<void> {
    const status = computePodStatus({
      pod,
      hostIP: this.o.hostIP,
      sandbox,
      // a container whose postStart hook runs is reported as before its start
      containers: groupByName(st.starting.size ? containers.filter((c) => !st.starting.has(c.id)) : containers),
      waiting: st.waiting,
      probes: (id, c) => this.probes.state(id, c),
      runtimeName: this.runtimeName || 'docker',
      now: new Date(this.now()),
    });
    if (st.lastMountError) {
      for (const s of status.containerStatuses ?? []) if (s.state?.waiting) s.state.waiting = { reason: 'ContainerCreating' };
    }
    const json = JSON.stringify(status);
    if (json === JSON.stringify(pod.status ?? {}) || json === st.lastStatus) return;
    try {
      await this.o.client.patch(PODS, pod.metadata?.namespace ?? 'default', pod.metadata?.name ?? '', 'application/merge-patch+json', { status }, { subresource: 'status' });
      st.lastStatus = json;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private dnsConfig(pod: Pod): { dnsServers: string[]; dnsSearches: string[]; dnsOptions: string[] } {
    const ns = pod.metadata?.namespace ?? 'default';
    const domain = this.o.clusterDomain ?? 'cluster.local';
    const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
    const custom = pod.spec?.dnsConfig;
    let servers = policy === 'None' ? [] : this.o.clusterDNS;
    let searches = policy === 'None' ? [] : [`${ns}.svc.${domain}`, `svc.${domain}`, domain];
    let options = policy === 'None' ? [] : ['ndots:5'];
    if (custom) {
      servers = [...servers, ...(custom.nameservers ?? [])];
      searches = [...searches, ...(custom.searches ?? [])];
      options = [...options, ...(custom.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? '')))];
    }
    return { dnsServers: servers, dnsSearches: searches, dnsOptions: options };
  }

  private podState(uid: string): PodState {
    let s = this.state.get(uid);
    if (!s) this.state.set(uid, (s = { waiting: new Map(), killedForProbe: new Set(), starting: new Set() }));
    return s;
  }
}

/** Grace for killing a container after a failed probe (probe-level terminationGracePeriodSeconds wins). */
function gracePeriod(pod: Pod, c: Container, kind: ProbeKind): number {
  const p = kind === 'startup' ? c.startupProbe : c.livenessProbe;
  void probeKindLabel;
  return p?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** The pod's grace period for stopping its containers: the deletion's, else the spec's (default 30 s). */
function terminationGrace(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** The spec of a container (app or init) by name. */
function containerSpec(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}

function groupByName(containers: ContainerInfo[]): Map<string, ContainerInfo[]> {
  const m = new Map<string, ContainerInfo[]>();
  for (const c of containers) {
    const l = m.get(c.name) ?? [];
    l.push(c);
    m.set(c.name, l);
  }
  for (const l of m.values()) l.sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime());
  return m;
}

function nextAttempt(list: ContainerInfo[] | undefined): number {
  return list && list.length > 0 ? Math.max(...list.map((c) => c.attempt)) + 1 : 0;
}

function newest(s: SandboxInfo[]): SandboxInfo | undefined {
  return [...s].sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime())[0];
}

/** A short hash of the container spec, stored as a label (spec changes are visible in `docker inspect`). */
export function containerHash(c: Container): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}
