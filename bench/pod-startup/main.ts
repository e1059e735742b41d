// SPDX-License-Identifier: Apache-2.0
// bench/pod-startup: create a pod → observed Running (all containers started) through a watch,
// on a warm node (local images) with a real kubelet, dockerd, apiserver, etcd and NATS.
// Prints p50/p99 over BENCH_PODS sequential pods, the floor (the same containers started by a
// bare dockerode script, same run), and the time for BENCH_BURST pods at once to be Running.
// Run: node --import tsx bench/pod-startup/main.ts   (root; dockerd is started when missing)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { KubeObject } from '@berth/api';
import { freePort, startControlPlane } from '@berth/testing';
import { cpuBetween, formatCpu, sampleCpu } from '../cpu-by-process';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const PODS_N = Number(process.env['BENCH_PODS'] ?? 50);
const BURST = Number(process.env['BENCH_BURST'] ?? 100);
const NODE = 'bench-node';
const CIDR = '10.250.0.0/22';
const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };
type Pod = KubeObject & { status?: { phase?: string; containerStatuses?: Array<{ state?: { running?: unknown } }> } };

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const isRunning = (p: Pod): boolean => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).length > 0 && (p.status.containerStatuses ?? []).every((c) => !!c.state?.running);
const podSpec = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { nodeName: NODE, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
});

async function main(): Promise<void> {
  execFileSync('bash', [join(REPO, 'scripts/start-dockerd.sh')], { stdio: 'inherit' });
  execFileSync('bash', [join(REPO, 'deploy/images/build.sh')], { stdio: 'ignore', env: { ...process.env, BERTH_IMAGES: 'pause busybox' } });
  const cp = await startControlPlane();
  const client = cp.client();
  const rootDir = mkdtempSync(join(tmpdir(), 'bench-kubelet-'));
  const kubelet = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'apps/kubelet/src/main.ts'), '--insecure', '--apiserver', cp.apiserverAddress, '--nats-url', cp.nats.url, '--node-name', NODE, '--pod-cidr', CIDR, '--root-dir', rootDir, '--health-port', String(await freePort()), '--max-pods', '500'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BERTH_LOG_LEVEL: 'warn' } });
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  try {
    for (;;) {
      if (kubelet.exitCode !== null) throw new Error(`the kubelet exited with code ${kubelet.exitCode} (its log is above)`);
      const n = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(NODES, '', NODE).catch(() => undefined);
      if (n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // one watch sees every pod become Running
    const waiters = new Map<string, () => void>();
    const seen = new Set<string>();
    const abort = new AbortController();
    void (async () => {
      for await (const ev of client.watch<Pod>(PODS, { namespace: 'default', signal: abort.signal })) {
        const name = ev.object.metadata?.name ?? '';
        if (isRunning(ev.object) && !seen.has(name)) {
          seen.add(name);
          waiters.get(name)?.();
        }
      }
    })().catch(() => {});
    const runningOf = (name: string): Promise<void> => new Promise((r) => (seen.has(name) ? r() : waiters.set(name, r)));
    const del = async (names: string[]): Promise<void> => {
      await Promise.all(names.map((n) => client.delete(PODS, 'default', n, { gracePeriodSeconds: 0 }).catch(() => {})));
    };

    // warm-up
    await client.create(PODS, 'default', podSpec('warm'));
    await runningOf('warm');
    await del(['warm']);

    const lat: number[] = [];
    for (let i = 0; i < PODS_N; i++) {
      const name = `seq-${i}`;
      const t0 = performance.now();
      const done = runningOf(name);
      await client.create(PODS, 'default', podSpec(name));
      await done;
      lat.push(performance.now() - t0);
    }
    await del(lat.map((_, i) => `seq-${i}`));

    // floor: the same container via dockerode. The pod has one container, so the kubelet runs
    // it without a pause container, on the node network with a static IP: so does the floor.
    const net = 'bench-floor';
    await docker.createNetwork({ Name: net, Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.249.0.0/22', Gateway: '10.249.0.1' }] } });
    const floorPod = async (i: number): Promise<void> => {
      const ip = `10.249.${Math.floor((10 + i) / 250)}.${(10 + i) % 250}`;
      const app = await docker.createContainer({ name: `bench-floor-${i}-c`, Image: 'busybox:latest', Cmd: ['sleep', '3600'], Hostname: `f${i}`, HostConfig: { NetworkMode: net }, NetworkingConfig: { EndpointsConfig: { [net]: { IPAMConfig: { IPv4Address: ip } } } } });
      await app.start();
    };
    const floorRemove = async (n: number): Promise<void> => {
      const ids = (await docker.listContainers({ all: true, filters: { name: ['bench-floor-'] } })).map((c) => c.Id);
      for (let i = 0; i < ids.length; i += 16) await Promise.all(ids.slice(i, i + 16).map((id) => docker.getContainer(id).remove({ force: true })));
      void n;
    };
    const floor: number[] = [];
    for (let i = 0; i < PODS_N; i++) {
      const t0 = performance.now();
      await floorPod(i);
      floor.push(performance.now() - t0);
    }
    await floorRemove(PODS_N);
    // the floor of the burst: BURST such containers by dockerode, 16 at a time (the kubelet's pod workers)
    const fcpu0 = sampleCpu();
    const ft0 = performance.now();
    let nextFloor = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (nextFloor < BURST) await floorPod(nextFloor++);
    }));
    const floorBurstMs = performance.now() - ft0;
    const floorBurstCpu = cpuBetween(fcpu0, sampleCpu());
    await floorRemove(BURST);
    await docker.getNetwork(net).remove();

    // burst: BURST pods created at once, until all are Running
    const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
    const cpu0 = sampleCpu();
    const t0 = performance.now();
    const all = Promise.all(names.map(runningOf));
    await Promise.all(names.map((n) => client.create(PODS, 'default', podSpec(n))));
    await all;
    const burstMs = performance.now() - t0;
    const burstCpu = cpuBetween(cpu0, sampleCpu());
    abort.abort();
    await del(names);

    const f = (x: number): string => `${x.toFixed(0)} ms`;
    console.log(`pod startup, ${PODS_N} sequential pods (create → Running seen by a watch): p50 ${f(pct(lat, 50))}, p99 ${f(pct(lat, 99))}`);
    console.log(`floor (bare dockerode, same containers): p50 ${f(pct(floor, 50))}, p99 ${f(pct(floor, 99))}; ratio p50 ${(pct(lat, 50) / pct(floor, 50)).toFixed(2)}×`);
    console.log(`${BURST} pods at once: all Running in ${(burstMs / 1000).toFixed(2)} s`);
    console.log(`  CPU during the burst, ${formatCpu(burstCpu)}`);
    console.log(`floor of the burst (bare dockerode, 16 at a time): ${(floorBurstMs / 1000).toFixed(2)} s; ratio ${(burstMs / floorBurstMs).toFixed(2)}×`);
    console.log(`  CPU during the floor burst, ${formatCpu(floorBurstCpu)}`);
  } finally {
    if (kubelet.exitCode === null) {
      await new Promise<void>((r) => {
        kubelet.once('exit', () => r());
        kubelet.kill('SIGTERM');
      });
    }
    const left = execFileSync('/usr/bin/docker', ['ps', '-aq', '--filter', `label=berth.io/node=${NODE}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (left.length) execFileSync('/usr/bin/docker', ['rm', '-f', ...left], { stdio: 'ignore' });
    execFileSync('/usr/bin/docker', ['network', 'rm', `berth-${NODE}`], { stdio: 'ignore' });
    client.close();
    await cp.stop();
    rmSync(rootDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
