// SPDX-License-Identifier: Apache-2.0
// Shared set-up of the pod worker unit tests: FakeApi + MemoryRuntime + a recording event sink.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApi } from '@berth/client/testing';
import type { KubeObject } from '@berth/api';
import { MemoryRuntime, type MemoryRuntimeOptions } from '@berth/runtime';
import { PodWorkers } from './pod-worker';
import type { Prober, ProbeResult } from './prober';
import { VolumeManager } from './volumes';
import { CONFIGMAPS, PODS, SECRETS, type ConfigMap, type Pod, type Secret } from './types';

export interface RecordedEvent {
  type: string;
  reason: string;
  message: string;
}

export interface Harness {
  api: FakeApi;
  runtime: MemoryRuntime;
  workers: PodWorkers;
  events: RecordedEvent[];
  requeues: Array<{ uid: string; delayMs: number }>;
  probeResults: Map<string, ProbeResult>;
  rootDir: string;
  /** Seeds a pod bound to node1 and returns its uid. */
  add(pod: Pod): Promise<string>;
  /** Syncs the pod from the API's current state; returns the stored pod afterwards. */
  sync(name: string, namespace?: string): Promise<Pod>;
  get(name: string, namespace?: string): Promise<Pod>;
  cleanup(): void;
}

export function harness(opts: MemoryRuntimeOptions & { backoffMs?: number } = {}): Harness {
  const api = new FakeApi();
  const runtime = new MemoryRuntime({ images: ['mongo:3.3', 'vfarcic/go-demo-2:latest', 'busybox:latest', 'alpine:latest'], ...opts });
  const events: RecordedEvent[] = [];
  const requeues: Array<{ uid: string; delayMs: number }> = [];
  const probeResults = new Map<string, ProbeResult>();
  const rootDir = mkdtempSync(join(tmpdir(), 'kubelet-core-'));
  const objects = {
    configMap: (ns: string, name: string) => api.stored(CONFIGMAPS, ns, name) as ConfigMap | undefined,
    secret: (ns: string, name: string) => api.stored(SECRETS, ns, name) as Secret | undefined,
    services: () => [],
  };
  const prober: Prober = {
    probe: async (_p, t) => probeResults.get(t.container.name ?? '') ?? { ok: true, message: '' },
  };
  const workers = new PodWorkers({
    nodeName: 'node1',
    client: api,
    runtime,
    recorder: { event: (_o: KubeObject, type, reason, message) => events.push({ type, reason, message }) },
    objects,
    volumes: new VolumeManager(rootDir, objects),
    prober,
    hostIP: '192.168.0.10',
    allocatable: { cpu: 2, memoryBytes: 4 * 2 ** 30 },
    clusterDNS: ['10.96.0.10'],
    backoff: { initialMs: opts.backoffMs ?? 10_000, maxMs: (opts.backoffMs ?? 10_000) * 30 },
    imageBackoff: { initialMs: opts.backoffMs ?? 10_000, maxMs: (opts.backoffMs ?? 10_000) * 30 },
    requeue: (uid, delayMs) => requeues.push({ uid, delayMs }),
  });
  const get = (name: string, namespace = 'default') => api.get<Pod>(PODS, namespace, name);
  return {
    api,
    runtime,
    workers,
    events,
    requeues,
    probeResults,
    rootDir,
    async add(pod) {
      const p = structuredClone(pod);
      p.metadata = { namespace: 'default', ...p.metadata };
      p.spec = { nodeName: 'node1', ...p.spec };
      api.seed(PODS, p as KubeObject);
      const stored = await get(p.metadata.name ?? '', p.metadata.namespace);
      return stored.metadata?.uid ?? '';
    },
    async sync(name, namespace = 'default') {
      const pod = await get(name, namespace);
      await workers.sync(pod.metadata?.uid ?? '', pod);
      return get(name, namespace);
    },
    get,
    cleanup() {
      workers.probes.stopAll();
      rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

/** Waits until `cond` holds (polling every 10 ms, up to `ms`). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
