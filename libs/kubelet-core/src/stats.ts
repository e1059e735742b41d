// SPDX-License-Identifier: Apache-2.0
import { setTimeout as sleep } from 'node:timers/promises';
import { Quantity, type ContainerMetrics, type NodeStats, type PodMetrics } from '@berth/api';
import type { ContainerRuntime, ContainerStats } from '@berth/runtime';
import { silentKubeletLogger, type KubeletLogger } from './types';

/** Cumulative CPU time and current memory of something measured: a process, a cgroup. */
export interface UsageSample {
  /** CPU time used so far, in nanoseconds. */
  cpuUsageNanos: number;
  memoryWorkingSetBytes: number;
  timestamp: Date;
}

export interface StatsCollectorOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  /** Time between samples (default 10 s, metrics-server's resolution). */
  intervalMs?: number;
  /** The first window after start, shorter so that `top` has answers soon (default 1 s). */
  firstWindowMs?: number;
  /**
   * The node's own processes beyond its pods (the kubelet's: thisProcessUsage), added to
   * the node's usage. Without it the node's usage is the sum of its pods'.
   */
  system?: () => UsageSample;
  logger?: KubeletLogger;
}

/**
 * StatsCollector is the kubelet's resource analyzer: it samples every running container
 * of the node (and the node's own processes) every intervalMs and keeps the usage of the
 * last window, so a NodeProxy.Stats request is answered at once. CPU is a rate: the CPU
 * time a container used between two samples over the time between them, so a container
 * has usage from its second sample on (a node from the collector's second sample);
 * memory is the working set of the latest sample.
 *
 * The node's usage is the sum of its pods' plus `system`: nodes are network namespaces on
 * a shared host, so the host's /proc/stat and /proc/meminfo would count every node (and
 * the control plane) at once. Dockerd, containerd and kube-proxy are not counted.
 */
export class StatsCollector {
  private previous = new Map<string, ContainerStats>();
  private previousSystem: UsageSample | undefined;
  private previousAt: number | undefined;
  private last: NodeStats = { pods: [] };
  private readonly log: KubeletLogger;

  constructor(private readonly o: StatsCollectorOptions) {
    this.log = o.logger ?? silentKubeletLogger;
  }

  /** The usage over the last window (no node usage and no pods before the second sample). */
  summary(): NodeStats {
    return this.last;
  }

  /** Takes one sample of every running container and computes the window since the previous one. */
  async sample(): Promise<void> {
    const at = Date.now();
    const running = (await this.o.runtime.listContainers()).filter((c) => c.state === 'running');
    // A container that stops between the list and its stats is left out of this window.
    const samples = await Promise.all(running.map((c) => this.o.runtime.stats(c.id).catch(() => undefined)));
    const system = this.o.system?.();

    const current = new Map<string, ContainerStats>();
    const pods = new Map<string, { namespace: string; name: string; containers: ContainerMetrics[]; end: number; windowMs: number }>();
    let nodeNanoCores = 0;
    let nodeMemory = 0;
    running.forEach((c, i) => {
      const now = samples[i];
      if (!now) return;
      current.set(c.id, now);
      nodeMemory += now.memoryWorkingSetBytes;
      const before = this.previous.get(c.id);
      const windowMs = before ? now.timestamp.getTime() - before.timestamp.getTime() : 0;
      if (!before || windowMs <= 0) return;
      const nanoCores = rate(before.cpuUsageNanos, now.cpuUsageNanos, windowMs);
      nodeNanoCores += nanoCores;
      let pod = pods.get(c.pod.uid);
      if (!pod) pods.set(c.pod.uid, (pod = { namespace: c.pod.namespace, name: c.pod.name, containers: [], end: 0, windowMs }));
      pod.containers.push({ name: c.name, usage: usage(nanoCores, now.memoryWorkingSetBytes) });
      if (now.timestamp.getTime() > pod.end) [pod.end, pod.windowMs] = [now.timestamp.getTime(), windowMs];
    });

    const previousAt = this.previousAt;
    const previousSystem = this.previousSystem;
    this.previous = current;
    this.previousSystem = system;
    this.previousAt = at;
    if (previousAt === undefined) return;

    if (system) {
      nodeMemory += system.memoryWorkingSetBytes;
      const systemWindowMs = previousSystem ? system.timestamp.getTime() - previousSystem.timestamp.getTime() : 0;
      if (previousSystem && systemWindowMs > 0) nodeNanoCores += rate(previousSystem.cpuUsageNanos, system.cpuUsageNanos, systemWindowMs);
    }
    const podMetrics: PodMetrics[] = [...pods.values()]
      .map((p) => ({
        apiVersion: 'metrics.k8s.io/v1beta1' as const,
        kind: 'PodMetrics' as const,
        metadata: { name: p.name, namespace: p.namespace },
        timestamp: rfc3339(p.end),
        window: duration(p.windowMs),
        containers: p.containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      }))
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    this.last = {
      node: {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'NodeMetrics',
        metadata: { name: this.o.nodeName },
        timestamp: rfc3339(at),
        window: duration(at - previousAt),
        usage: usage(nodeNanoCores, nodeMemory),
      },
      pods: podMetrics,
    };
  }

  /** Samples now, after firstWindowMs, then every intervalMs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const once = async (): Promise<void> => {
      try {
        await this.sample();
      } catch (err) {
        this.log.warn({ err: String(err) }, 'resource usage sample failed');
      }
    };
    try {
      await once();
      await sleep(this.o.firstWindowMs ?? 1000, undefined, { signal });
      for (;;) {
        await once();
        await sleep(this.o.intervalMs ?? 10_000, undefined, { signal });
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }
}

/** This process's usage (the kubelet's own, as StatsCollectorOptions.system). */
export function thisProcessUsage(): UsageSample {
  const cpu = process.cpuUsage();
  return { cpuUsageNanos: (cpu.user + cpu.system) * 1000, memoryWorkingSetBytes: process.memoryUsage.rss(), timestamp: new Date() };
}

/** CPU nanocores: CPU time used over the window. A counter that went back (a restart) counts as none. */
function rate(beforeNanos: number, nowNanos: number, windowMs: number): number {
  return Math.max(0, Math.round(((nowNanos - beforeNanos) * 1000) / windowMs));
}

/** A ResourceList as metrics-server writes it: `cpu` in (nano)cores, `memory` in bytes, canonical forms. */
function usage(nanoCores: number, memoryBytes: number): Record<string, string> {
  return {
    cpu: Quantity.parse(`${nanoCores}n`).toString(),
    memory: Quantity.fromValue(memoryBytes, 'BinarySI').toString(),
  };
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A window as a protobuf (and Kubernetes) duration: "10s", "10.012s". */
function duration(ms: number): string {
  return `${ms / 1000}s`;
}
