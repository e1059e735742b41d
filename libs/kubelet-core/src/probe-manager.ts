// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import type { Prober, ProbeTarget } from './prober';
import type { Pod } from './types';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** The current verdict of one container's probes. */
export interface ContainerProbeState {
  /** Readiness: false until the readiness probe succeeds (true without a readiness probe). */
  ready: boolean;
  /** Startup: false until the startup probe succeeds (true without one). */
  started: boolean;
  /** Set when liveness (or startup) failed failureThreshold times: the container must be restarted. */
  unhealthy?: { kind: ProbeKind; message: string };
}

/** Called on every failed probe run (Unhealthy events) and whenever a verdict changes. */
export interface ProbeListener {
  onFailure(pod: Pod, containerName: string, kind: ProbeKind, message: string): void;
  onChange(podUid: string): void;
}

interface Worker {
  abort: AbortController;
  state: ContainerProbeState;
}

const KIND_LABEL: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** "Liveness" etc., as Kubernetes prefixes probe failure events. */
export function probeKindLabel(kind: ProbeKind): string {
  return KIND_LABEL[kind];
}

/**
 * ProbeManager runs the probes of each running container (one loop per container and
 * probe, as the kubelet's probe workers): waits initialDelaySeconds, then probes every
 * periodSeconds with timeoutSeconds, and flips a verdict after successThreshold
 * consecutive successes or failureThreshold consecutive failures. Startup gates the
 * others; a liveness or startup failure marks the container unhealthy for the pod worker.
 */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly prober: Prober,
    private readonly listener: ProbeListener,
  ) {}

  /** The verdict for a container id (defaults when it has no probes or is not tracked). */
  state(containerId: string, c: { readinessProbe?: unknown; startupProbe?: unknown }): ContainerProbeState {
    return this.workers.get(containerId)?.state ?? { ready: !c.readinessProbe, started: !c.startupProbe };
  }

  /** Starts probing a running container (no-op when already probing it). */
  ensure(pod: Pod, containerName: string, containerStartedAt: number, target: ProbeTarget): void {
    const id = target.containerId;
    if (this.workers.has(id)) return;
    const c = target.container;
    const w: Worker = { abort: new AbortController(), state: { ready: !c.readinessProbe, started: !c.startupProbe } };
    this.workers.set(id, w);
    const uid = pod.metadata?.uid ?? '';
    void this.loop(pod, containerName, containerStartedAt, target, w, uid);
  }

  /** The container ids being probed. */
  tracked(): string[] {
    return [...this.workers.keys()];
  }

  /** Stops probing one container. */
  stop(containerId: string): void {
    const w = this.workers.get(containerId);
    w?.abort.abort();
    this.workers.delete(containerId);
  }

  stopAll(): void {
    for (const w of this.workers.values()) w.abort.abort();
    this.workers.clear();
  }

  private async loop(pod: Pod, name: string, startedAt: number, t: ProbeTarget, w: Worker, uid: string): Promise<void> {
    const c = t.container;
    const signal = w.abort.signal;
    const counters: Record<ProbeKind, { ok: number; fail: number; last?: boolean }> = {
      liveness: { ok: 0, fail: 0 },
      readiness: { ok: 0, fail: 0 },
      startup: { ok: 0, fail: 0 },
    };
    const nextAt: Record<ProbeKind, number> = { liveness: 0, readiness: 0, startup: 0 };
    const probes: Array<[ProbeKind, coreV1.ProbeJson]> = [];
    if (c.startupProbe) probes.push(['startup', c.startupProbe]);
    if (c.livenessProbe) probes.push(['liveness', c.livenessProbe]);
    if (c.readinessProbe) probes.push(['readiness', c.readinessProbe]);
    if (probes.length === 0) return;
    for (const [kind, p] of probes) nextAt[kind] = startedAt + (p.initialDelaySeconds ?? 0) * 1000;
    while (!signal.aborted) {
      const now = Date.now();
      let soonest = Infinity;
      for (const [kind, p] of probes) {
        if (kind !== 'startup' && !w.state.started) continue;
        if (kind === 'startup' && w.state.started) continue;
        if (now < nextAt[kind]) {
          soonest = Math.min(soonest, nextAt[kind]);
          continue;
        }
        const period = Math.max(1, p.periodSeconds ?? 10) * 1000;
        nextAt[kind] = now + period;
        soonest = Math.min(soonest, nextAt[kind]);
        const r = await this.prober.probe(p, t, Math.max(1, p.timeoutSeconds ?? 1) * 1000).catch((err: Error) => ({ ok: false, message: err.message }));
        if (signal.aborted) return;
        const k = counters[kind];
        if (r.ok) {
          k.ok++;
          k.fail = 0;
        } else {
          k.fail++;
          k.ok = 0;
          this.listener.onFailure(pod, name, kind, `${KIND_LABEL[kind]} probe failed: ${r.message}`);
        }
        const successThreshold = kind === 'readiness' ? Math.max(1, p.successThreshold ?? 1) : 1;
        const failureThreshold = Math.max(1, p.failureThreshold ?? 3);
        let changed = false;
        if (kind === 'readiness') {
          if (!w.state.ready && k.ok >= successThreshold) {
            w.state.ready = true;
            changed = true;
          }
          if (w.state.ready && k.fail >= failureThreshold) {
            w.state.ready = false;
            changed = true;
          }
        } else if (kind === 'startup') {
          if (k.ok >= 1) {
            w.state.started = true;
            changed = true;
          } else if (k.fail >= failureThreshold) {
            w.state.unhealthy = { kind, message: r.message };
            changed = true;
          }
        } else if (k.fail >= failureThreshold && !w.state.unhealthy) {
          w.state.unhealthy = { kind, message: r.message };
          changed = true;
        }
        if (changed) this.listener.onChange(uid);
        if (w.state.unhealthy) return; // the pod worker kills the container; a new one gets a new worker
      }
      const wait = Math.max(10, (Number.isFinite(soonest) ? soonest : Date.now() + 1000) - Date.now());
      await sleep(wait, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
