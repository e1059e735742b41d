// SPDX-License-Identifier: Apache-2.0
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryRuntime } from '@berth/runtime';
import { StatsCollector, thisProcessUsage, type UsageSample } from './stats';

async function runningPod(rt: MemoryRuntime, uid: string, name: string, containers: string[], namespace = 'default'): Promise<string[]> {
  const sb = await rt.runSandbox({ pod: { uid, name, namespace }, attempt: 0, hostname: name, dnsServers: [], dnsSearches: [], dnsOptions: [] });
  const ids: string[] = [];
  for (const c of containers) {
    const id = await rt.createContainer(sb.id, { name: c, attempt: 0, image: 'busybox:latest', env: [], mounts: [] });
    await rt.startContainer(id);
    ids.push(id);
  }
  return ids;
}

// The kubelet's own process, stood in for: a steady 100m and 10 MiB.
const system = (): UsageSample => {
  const now = Date.now();
  return { cpuUsageNanos: now * 100_000, memoryWorkingSetBytes: 10 << 20, timestamp: new Date(now) };
};

test('usage comes from two samples: CPU as a rate per container, memory as the last working set; the node adds its own', async () => {
  const rt = new MemoryRuntime({ images: ['busybox:latest'] });
  const [b, a] = await runningPod(rt, 'u1', 'web', ['b', 'a']);
  const [db] = await runningPod(rt, 'u2', 'db', ['db'], 'data');
  rt.setUsage(a as string, { cpuMillicores: 250, memoryWorkingSetBytes: 64 << 20 });
  rt.setUsage(b as string, { cpuMillicores: 5, memoryWorkingSetBytes: 1 << 20 });
  rt.setUsage(db as string, { cpuMillicores: 1500, memoryWorkingSetBytes: 300 * 1024 * 1024 + 512 });
  const stats = new StatsCollector({ runtime: rt, nodeName: 'node1', system });

  await stats.sample();
  assert.deepEqual(stats.summary(), { pods: [] }, 'one sample is no rate yet');
  await sleep(30);
  await stats.sample();
  const s = stats.summary();
  assert.deepEqual(
    s.pods.map((p) => ({ ...p, timestamp: typeof p.timestamp, window: typeof p.window })),
    [
      {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'PodMetrics',
        metadata: { name: 'db', namespace: 'data' },
        timestamp: 'string',
        window: 'string',
        containers: [{ name: 'db', usage: { cpu: '1500m', memory: '314573312' } }],
      },
      {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'PodMetrics',
        metadata: { name: 'web', namespace: 'default' },
        timestamp: 'string',
        window: 'string',
        containers: [
          { name: 'a', usage: { cpu: '250m', memory: '64Mi' } },
          { name: 'b', usage: { cpu: '5m', memory: '1Mi' } },
        ],
      },
    ],
  );
  assert.match(s.pods[0]?.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(s.pods[0]?.window ?? '', /^0\.0\d+s$/);
  // 250m + 5m + 1500m + 100m of the kubelet; 64Mi + 1Mi + 300Mi + 512 + 10Mi.
  assert.deepEqual(s.node?.usage, { cpu: '1855m', memory: String((375 << 20) + 512) });
  assert.equal(s.node?.metadata.name, 'node1');
  assert.equal(s.node?.kind, 'NodeMetrics');
});

test('a container has usage from its second sample on; one that stopped is gone', async () => {
  const rt = new MemoryRuntime({ images: ['busybox:latest'] });
  const [web] = await runningPod(rt, 'u1', 'web', ['web']);
  const stats = new StatsCollector({ runtime: rt, nodeName: 'node1' });
  await stats.sample();
  await sleep(20);
  const [late] = await runningPod(rt, 'u2', 'late', ['late']);
  rt.setUsage(late as string, { cpuMillicores: 42 });
  await stats.sample();
  assert.deepEqual(stats.summary().pods.map((p) => p.metadata.name), ['web'], 'the late pod has one sample');
  assert.deepEqual(stats.summary().node?.usage, { cpu: '1m', memory: '8Mi' }, 'the late pod\'s memory counts at once');
  rt.exit(web as string, 0);
  await sleep(20);
  await stats.sample();
  assert.deepEqual(stats.summary().pods.map((p) => [p.metadata.name, p.containers[0]?.usage]), [['late', { cpu: '42m', memory: '4Mi' }]]);
});

test('run samples at once, after the first window, then every interval, until aborted', async () => {
  const rt = new MemoryRuntime({ images: ['busybox:latest'] });
  await runningPod(rt, 'u1', 'web', ['web']);
  const stats = new StatsCollector({ runtime: rt, nodeName: 'node1', firstWindowMs: 20, intervalMs: 50, system: thisProcessUsage });
  const ac = new AbortController();
  const done = stats.run(ac.signal);
  for (let i = 0; i < 100 && stats.summary().pods.length === 0; i++) await sleep(10);
  assert.deepEqual(stats.summary().pods.map((p) => p.metadata.name), ['web']);
  assert.ok(stats.summary().node, 'the node has usage');
  const first = stats.summary();
  for (let i = 0; i < 100 && stats.summary() === first; i++) await sleep(10);
  assert.notEqual(stats.summary(), first, 'a later window replaced the first');
  ac.abort();
  await done;
});
