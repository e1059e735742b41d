// SPDX-License-Identifier: Apache-2.0
// bench/scheduler: scheduling throughput with hollow nodes on this machine. Prints figures;
// not a test. Run: npx tsx bench/scheduler/main.ts
//   warm-up: BENCH_WARMUP_PODS pods (default 1,000) on the first nodes, not measured, as
//            scheduler_perf's initPods: every process has compiled its hot paths before phase 1
//   phase 1: 500 hollow nodes, then BENCH_PODS pods (default 10,000)
//   phase 2: 4,500 more hollow nodes (5,000 in all), then BENCH_PODS more pods (0: no phase 2)
// Env: BENCH_PODS, BENCH_WARMUP_PODS, BENCH_NODES_1, BENCH_NODES_2, BENCH_CONCURRENCY (creates in flight, 64),
// BENCH_REPORT_RUNNING=0 (hollow nodes do not write pod status), BENCH_HEARTBEAT_MS (60 s),
// BENCH_BIND_PARALLELISM (the scheduler's --parallelism, 64).
// For each: pods/s from the first create to the last pod seen bound, the create rate alone,
// and the p50/p99 scheduling-attempt latency from the scheduler's own histogram.
// etcd, NATS, the apiserver, the scheduler (child processes) and the hollow nodes (this
// process) share the machine. The run stops by itself after BENCH_TIMEOUT_S (default 570 s).
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@berth/api';
import { SharedInformer } from '@berth/client';
import { startHollowNodes, type HollowNodes } from '@berth/hollow-nodes';
import { CONTROL_PLANE_NODE_FLAGS, freePort, startControlPlane } from '@berth/testing';
import { cpuSecondsOf } from '../cpu-by-process';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PODS_PER_PHASE = Number(process.env['BENCH_PODS'] ?? 10_000);
const WARMUP_PODS = Number(process.env['BENCH_WARMUP_PODS'] ?? 1_000);
const NODES_1 = Number(process.env['BENCH_NODES_1'] ?? 500);
const NODES_2 = Number(process.env['BENCH_NODES_2'] ?? 5_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const TIMEOUT_S = Number(process.env['BENCH_TIMEOUT_S'] ?? 570);
const PHASE_TIMEOUT_S = Number(process.env['BENCH_PHASE_TIMEOUT_S'] ?? 200);
const REPORT_RUNNING = process.env['BENCH_REPORT_RUNNING'] !== '0';
const HEARTBEAT_MS = Number(process.env['BENCH_HEARTBEAT_MS'] ?? 60_000);
const PODS = { group: '', version: 'v1', resource: 'pods' };
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const SERVICE_ACCOUNTS = { group: '', version: 'v1', resource: 'serviceaccounts' };
type Pod = KubeObject & { spec?: { nodeName?: string } };

async function pool(n: number, total: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = next++; i < total; i = next++) await fn(i);
    }),
  );
}

/** Cumulative bucket counts of scheduler_scheduling_attempt_duration_seconds{result="scheduled"}. */
async function scrapeHistogram(port: number): Promise<Map<number, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('scheduler_scheduling_attempt_duration_seconds_bucket') || !line.includes('result="scheduled"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le) out.set(le === '+Inf' ? Infinity : Number(le), v);
  }
  return out;
}

/** Quantile from the difference of two cumulative histograms, interpolating inside the bucket. */
function quantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const cum = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = cum[cum.length - 1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCum = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (cum[i]! >= rank) {
      const b = bounds[i]!;
      if (!Number.isFinite(b)) return prevBound;
      const within = cum[i]! - prevCum;
      return prevBound + (within === 0 ? 0 : ((rank - prevCum) / within) * (b - prevBound));
    }
    prevBound = bounds[i]!;
    prevCum = cum[i]!;
  }
  return prevBound;
}

async function main(): Promise<void> {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    console.log(`\nstopping: the ${TIMEOUT_S} s time limit was reached`);
    void cleanup().finally(() => process.exit(3));
  }, TIMEOUT_S * 1000);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; pods per phase ${PODS_PER_PHASE}; hollow nodes report pods Running: ${REPORT_RUNNING}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const cp = await startControlPlane();
  const client = cp.client();
  const healthPort = await freePort();
  const sched = spawn(
    process.execPath,
    [...CONTROL_PLANE_NODE_FLAGS, '--import', 'tsx', join(REPO, 'apps/scheduler/src/main.ts'), '--insecure', '--apiserver', cp.apiserverAddress, '--nats-url', cp.nats.url, '--leader-elect=false', '--health-port', String(healthPort), '--parallelism', process.env['BENCH_BIND_PARALLELISM'] ?? '64'],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BERTH_LOG_LEVEL: 'warn' } },
  );
  const hollow: HollowNodes[] = [];
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  let cleaned = false;
  async function cleanup(): Promise<void> {
    if (cleaned) return;
    cleaned = true;
    ac.abort();
    // SIGTERM first, so a profiler preloaded with NODE_OPTIONS=--import can write its profile.
    sched.kill('SIGTERM');
    const killer = setTimeout(() => sched.kill('SIGKILL'), 2000);
    await new Promise((resolve) => (sched.exitCode !== null ? resolve(undefined) : sched.once('exit', resolve)));
    clearTimeout(killer);
    await Promise.allSettled(hollow.map((h) => h.stop()));
    client.close();
    await cp.stop();
  }

  // When each create returned, when our own pod informer first saw the pod and saw it bound:
  // where a pod waits (watch delivery, or scheduling and binding).
  const createdAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const boundAt = new Map<string, number>();
  // One pod informer for this process, shared with the hollow nodes: each watch of pods
  // would cost the apiserver a send per pod event, a load that is not the scheduler's.
  const informer = new SharedInformer<Pod>(client, PODS);
  const seen = (p: Pod): void => {
    if (p.metadata?.namespace !== 'bench') return;
    const name = p.metadata?.name ?? '';
    if (!seenAt.has(name)) seenAt.set(name, Date.now());
    if (p.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, Date.now());
  };
  informer.addEventHandler({ onAdd: seen, onUpdate: (_o, n) => seen(n) });
  const createPods = (names: string[], app: string): Promise<void> =>
    pool(CONCURRENCY, names.length, async (i) => {
      await client.create(PODS, 'bench', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: names[i]!, namespace: 'bench', labels: { app } },
        spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '10m', memory: '10Mi' } } }] },
      });
      createdAt.set(names[i]!, Date.now());
    });
  await client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  // The ServiceAccount the controller-manager makes in every namespace: without it each pod
  // create would look it up in etcd (admission finds it in the watch cache in a real cluster).
  await client.create(SERVICE_ACCOUNTS, 'bench', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'bench' } });
  void informer.run(ac.signal);
  await informer.waitForSync(ac.signal);
  await new Promise((r) => setTimeout(r, 2000)); // the scheduler's caches sync

  const results: string[] = [];
  let nodesSoFar = 0;
  const phases = ([[1, NODES_1], [2, NODES_2]] as const).filter(([phase, target]) => phase === 1 || target > NODES_1);
  for (const [phase, target] of phases) {
    const t0 = Date.now();
    const add = target - nodesSoFar;
    hollow.push(await startHollowNodes({ client, count: add, namePrefix: `hollow-${phase}-`, capacity: { cpu: '32', memory: '128Gi', pods: '110' }, heartbeatMs: HEARTBEAT_MS, concurrency: CONCURRENCY, reportPods: REPORT_RUNNING, podInformer: informer }));
    nodesSoFar = target;
    const regS = (Date.now() - t0) / 1000;
    console.log(`phase ${phase}: ${add} hollow nodes registered in ${regS.toFixed(1)} s (${(add / regS).toFixed(0)} nodes/s); ${target} nodes in all`);
    await new Promise((r) => setTimeout(r, 3000)); // let the scheduler see them
    if (phase === 1 && WARMUP_PODS > 0) {
      const w0 = Date.now();
      const warm = Array.from({ length: WARMUP_PODS }, (_, i) => `warmup-${i}`);
      await createPods(warm, 'bench-warmup');
      const deadline = Date.now() + PHASE_TIMEOUT_S * 1000;
      while (warm.some((x) => !boundAt.has(x)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      console.log(`warm-up: ${warm.filter((x) => boundAt.has(x)).length}/${warm.length} pods bound in ${((Date.now() - w0) / 1000).toFixed(1)} s (not measured)`);
    }
    const hBefore = await scrapeHistogram(healthPort);
    const cpu = (): Record<string, number> => ({
      scheduler: cpuSecondsOf(`--health-port ${healthPort}`),
      apiserver: cpuSecondsOf(`--bind-address ${cp.apiserverAddress}`),
      etcd: cpuSecondsOf(`--listen-client-urls ${cp.etcd.endpoint}`),
      nats: cpuSecondsOf('berth-nats-'), // its config file's directory (the only NATS of this run)
      'bench+hollow': (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    });
    const cpuBefore = cpu();
    let maxActive = 0;
    const sampler = setInterval(() => {
      void fetch(`http://127.0.0.1:${healthPort}/metrics`)
        .then((r) => r.text())
        .then((t) => {
          const m = /scheduler_pending_pods\{queue="active"[^}]*\} (\d+)/.exec(t);
          if (m) maxActive = Math.max(maxActive, Number(m[1]));
        })
        .catch(() => {});
    }, 1000);
    const names = Array.from({ length: PODS_PER_PHASE }, (_, i) => `p${phase}-${i}`);
    const createStart = Date.now();
    await createPods(names, `bench-${phase}`);
    const createS = (Date.now() - createStart) / 1000;
    console.log(`phase ${phase}: ${names.length} pods created in ${createS.toFixed(1)} s (${(names.length / createS).toFixed(0)}/s)`);
    const deadline = Date.now() + PHASE_TIMEOUT_S * 1000;
    const bound = (): number => names.reduce((n, x) => n + (boundAt.has(x) ? 1 : 0), 0);
    while (bound() < names.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const n = bound();
    const last = Math.max(...names.map((x) => boundAt.get(x) ?? 0));
    const e2eS = (last - createStart) / 1000;
    clearInterval(sampler);
    const hAfter = await scrapeHistogram(healthPort);
    const cpuAfter = cpu();
    const wall = (Date.now() - createStart) / 1000;
    const cpuLine = Object.keys(cpuAfter)
      .map((k) => `${k} ${(((cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0)) / wall * 100).toFixed(0)}%`)
      .join(', ');
    // The machine is saturated while pods are created, so pods/s follows CPU per pod.
    const cpuPerPodMs = (Object.keys(cpuAfter).reduce((sum, k) => sum + (cpuAfter[k] ?? 0) - (cpuBefore[k] ?? 0), 0) / Math.max(1, n)) * 1000;
    const lag = (from: Map<string, number>, to: Map<string, number>): string => {
      const d = names.flatMap((x) => (from.has(x) && to.has(x) ? [to.get(x)! - from.get(x)!] : [])).sort((a, b) => a - b);
      const at = (q: number): number => d[Math.min(d.length - 1, Math.floor(q * d.length))] ?? NaN;
      return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
    };
    const waits = `create returned → seen by a watch ${lag(createdAt, seenAt)}; seen → seen bound ${lag(seenAt, boundAt)}`;
    const p50 = quantile(hBefore, hAfter, 0.5) * 1000;
    const p99 = quantile(hBefore, hAfter, 0.99) * 1000;
    const line =
      `phase ${phase}: ${target} nodes, ${n}/${names.length} pods bound in ${e2eS.toFixed(1)} s from the first create → ${(n / e2eS).toFixed(0)} pods/s; ` +
      `creates alone ${(names.length / createS).toFixed(0)}/s; attempt latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ` +
      `${hollow.reduce((s, h) => s + h.runningCount(), 0)} pods reported Running so far; max scheduler activeQ ${maxActive}; ` +
      `CPU (of one core) ${cpuLine}; CPU per pod bound ${cpuPerPodMs.toFixed(2)} ms; ${waits}`;
    console.log(line);
    results.push(line);
  }
  console.log(`\nsummary (${((Date.now() - started) / 1000).toFixed(0)} s in all):\n${results.join('\n')}`);
  clearTimeout(watchdog);
  await cleanup();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
