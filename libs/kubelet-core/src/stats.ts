// SPDX-License-Identifier: Apache-2.0
import type { ContainerRuntime } from '@berth/runtime';

/** Usage of one container, as `berth top pod --containers` shows it. */
export interface ContainerUsage {
  name: string;
  /** CPU in millicores, averaged over the sampling window. */
  cpuMillis: number;
  memoryWorkingSetBytes: number;
}

/** Usage of one pod: the sum of its running containers. */
export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  cpuMillis: number;
  memoryWorkingSetBytes: number;
  containers: ContainerUsage[];
  timestamp: Date;
}

/**
 * Samples the running containers of the node twice, `windowMs` apart (Docker's one-shot
 * stats have no previous CPU sample, so the rate needs two), and returns the usage per pod.
 */
export async function collectPodUsage(runtime: ContainerRuntime, windowMs = 1000): Promise<PodUsage[]> {
  const running = (await runtime.listContainers()).filter((c) => c.state === 'running');
  const first = await Promise.all(running.map((c) => runtime.stats(c.id).catch(() => undefined)));
  await new Promise((r) => setTimeout(r, windowMs));
  const second = await Promise.all(running.map((c) => runtime.stats(c.id).catch(() => undefined)));
  const pods = new Map<string, PodUsage>();
  running.forEach((c, i) => {
    const a = first[i];
    const b = second[i];
    if (!a || !b) return;
    const dt = b.timestamp.getTime() - a.timestamp.getTime() || windowMs;
    const cpuMillis = Math.max(0, Math.round((b.cpuUsageNanos - a.cpuUsageNanos) / 1e6 / (dt / 1000)));
    let p = pods.get(c.pod.uid);
    if (!p) pods.set(c.pod.uid, (p = { namespace: c.pod.namespace, name: c.pod.name, uid: c.pod.uid, cpuMillis: 0, memoryWorkingSetBytes: 0, containers: [], timestamp: b.timestamp }));
    p.cpuMillis += cpuMillis;
    p.memoryWorkingSetBytes += b.memoryWorkingSetBytes;
    p.containers.push({ name: c.name, cpuMillis, memoryWorkingSetBytes: b.memoryWorkingSetBytes });
  });
  return [...pods.values()].sort((x, y) => `${x.namespace}/${x.name}`.localeCompare(`${y.namespace}/${y.name}`));
}
