// SPDX-License-Identifier: Apache-2.0
// bench/rollout: on a cluster of its own (deploy/local/cluster.sh, name "bbench"):
//  A. a Deployment of 10 replicas behind a NodePort Service under 200 requests/s (a new
//     connection each, like curl): wall time of a rolling update (rollout restart → rollout
//     complete) and failed requests. Targets: ≤ 10 s, 0 failed. The client runs at a raised
//     priority, as a client on another machine would not share these 2 cores.
//  B. scale 0 → 100 replicas pinned to one node: time until all are Running; then the same
//     with Docker Swarm (`docker service create/scale`) on that node's own dockerd, in the
//     same run, its tasks without a network and then on an overlay network (an IP per task,
//     as per pod). Targets: ≤ 15 s and faster than Swarm.
// Run: node --import tsx bench/rollout/main.ts   (root; bounded: every wait has a deadline)
// Env: BENCH_REPLICAS (100), BENCH_KEEP=true keeps the cluster, BENCH_ONLY=A or B runs one phase.
// Failed requests are reported by kind (connect refused, reset, timeout, HTTP status) and by
// when they happened: before the restart, during the rollout, after it completed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { cpuBetween, formatCpu, sampleCpu } from '../cpu-by-process';

const REPO = join(import.meta.dirname, '../..');
const HOME = mkdtempSync('/tmp/berth-bench-rollout-');
const SUBNET = '172.31.88';
const NODE1 = 'bbench-node1';
const REPLICAS = Number(process.env['BENCH_REPLICAS'] ?? 100);
const env = {
  ...process.env,
  BERTH_HOME: HOME,
  BERTH_CLUSTER: 'bbench',
  BERTH_NODE_SUBNET: SUBNET,
  BERTH_API_PORT: '46443',
  BERTH_ETCD_PORT: '42379',
  BERTH_NATS_PORT: '44222',
  KUBECONFIG: join(HOME, 'config'),
};

function berth(...args: string[]): string {
  return execFileSync('node', [join(REPO, 'apps/cli/bin/berth.mjs'), ...args], { env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}
function apply(yaml: string): void {
  execFileSync('node', [join(REPO, 'apps/cli/bin/berth.mjs'), 'apply', '-f', '-'], { env, input: yaml, stdio: ['pipe', 'ignore', 'inherit'] });
}
const docker = (...args: string[]): string => execFileSync('docker', ['-H', `unix:///run/${NODE1}.sock`, ...args], { encoding: 'utf8' }).trim();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** '' for a 200, else what went wrong: an error code (ECONNREFUSED, ECONNRESET…), 'timeout' or 'HTTP <status>'. */
function request(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? '' : `HTTP ${res.statusCode ?? '?'}`));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

async function rollingUpdate(): Promise<{ seconds: number; failed: number; sent: number; kinds: string }> {
  apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 10
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      # A Node server (listen backlog 511): busybox httpd, the nginx stand-in, listens with a
      # backlog of 9 and drops SYNs (ListenDrops) at 200 new connections/s on a busy machine.
      - name: web
        image: berth/node:20
        command: [node, -e, "require('http').createServer((q, s) => s.end('ok')).listen(80)"]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80}]
`);
  await until('10 web replicas available', () => berth('get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}') === '10', 180_000, 500);
  const port = berth('get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}');
  const url = `http://${SUBNET}.11:${port}/`;
  await until('the NodePort answering', () => spawnSync('curl', ['-sf', '--max-time', '2', url]).status === 0, 30_000, 200);
  // 200 requests/s, each on a new connection, paced from a fixed start; at nice -10, so a
  // saturated machine does not stall the client itself (its timeouts would count as failures).
  setPriority(-10);
  let sent = 0;
  let failed = 0;
  let running = true;
  let phase: 'before' | 'during' | 'after' = 'before';
  /** "ECONNREFUSED during" → count. */
  const kinds = new Map<string, number>();
  const inflight = new Set<Promise<void>>();
  const t0 = Date.now();
  const load = (async () => {
    while (running) {
      const due = t0 + sent * 5;
      if (Date.now() < due) await sleep(due - Date.now());
      sent++;
      const sentIn = phase;
      const p = request(url).then((err) => {
        if (err) {
          failed++;
          const k = `${err} ${sentIn}`;
          kinds.set(k, (kinds.get(k) ?? 0) + 1);
        }
        inflight.delete(p);
      });
      inflight.add(p);
    }
  })();
  await sleep(2000);
  const start = Date.now();
  const cpu0 = sampleCpu();
  phase = 'during';
  berth('rollout', 'restart', 'deployment/web');
  execFileSync('node', [join(REPO, 'apps/cli/bin/berth.mjs'), 'rollout', 'status', 'deployment/web', '--timeout=120s'], { env, stdio: 'ignore' });
  const seconds = (Date.now() - start) / 1000;
  console.log(`   rollout CPU: ${formatCpu(cpuBetween(cpu0, sampleCpu()))}`);
  phase = 'after';
  await sleep(2000);
  running = false;
  await load;
  await Promise.all(inflight);
  berth('delete', 'deployment', 'web');
  berth('delete', 'service', 'web');
  const sorted = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`);
  return { seconds, failed, sent, kinds: sorted.join(', ') || 'none' };
}

async function scaleBerth(): Promise<number> {
  apply(`apiVersion: apps/v1
kind: Deployment
metadata: {name: scale}
spec:
  replicas: 0
  selector: {matchLabels: {app: scale}}
  template:
    metadata: {labels: {app: scale}}
    spec:
      nodeSelector: {kubernetes.io/hostname: ${NODE1}}
      terminationGracePeriodSeconds: 0
      containers: [{name: sleep, image: busybox, command: [sleep, "3600"]}]
`);
  const start = Date.now();
  const cpu0 = sampleCpu();
  berth('scale', 'deployment/scale', `--replicas=${REPLICAS}`);
  // One watching client, as a user would wait: polling with a new CLI process every 250 ms
  // cost about a core of Node start-ups on a 2-core machine, taken from the cluster it timed.
  execFileSync('node', [join(REPO, 'apps/cli/bin/berth.mjs'), 'rollout', 'status', 'deployment/scale', '--timeout=300s'], { env, stdio: 'ignore' });
  const seconds = (Date.now() - start) / 1000;
  console.log(`   berth CPU: ${formatCpu(cpuBetween(cpu0, sampleCpu()))}`);
  berth('delete', 'deployment', 'scale');
  await until('the pods gone', () => berth('get', 'pods', '-l', 'app=scale', '-o', 'name') === '', 300_000, 500);
  return seconds;
}

/**
 * The same scale with Swarm. Without a network (`docker service create` alone, on this
 * dockerd that has no default bridge) a task is a bare container; with an overlay network
 * each task gets an IP of its own, as each pod does.
 */
async function scaleSwarm(network: boolean): Promise<number> {
  docker('swarm', 'init', '--advertise-addr', `${SUBNET}.11`, '--listen-addr', `${SUBNET}.11:2377`);
  try {
    if (network) docker('network', 'create', '-d', 'overlay', 'scale-net');
    docker('service', 'create', '-d', '--name', 'scale', ...(network ? ['--network', 'scale-net'] : []), '--replicas', '0', '--restart-condition', 'none', 'busybox', 'sleep', '3600');
    const start = Date.now();
    const cpu0 = sampleCpu();
    docker('service', 'scale', '-d', `scale=${REPLICAS}`);
    await until(`${REPLICAS} Swarm tasks running`, () => docker('service', 'ls', '--filter', 'name=scale', '--format', '{{.Replicas}}') === `${REPLICAS}/${REPLICAS}`, 300_000, 250);
    const seconds = (Date.now() - start) / 1000;
    console.log(`   Swarm${network ? ' (overlay network)' : ''} ${seconds.toFixed(1)} s, CPU: ${formatCpu(cpuBetween(cpu0, sampleCpu()))}`);
    docker('service', 'rm', 'scale');
    return seconds;
  } finally {
    spawnSync('docker', ['-H', `unix:///run/${NODE1}.sock`, 'swarm', 'leave', '--force'], { stdio: 'ignore' });
  }
}

async function main(): Promise<void> {
  const up = spawnSync('bash', [join(REPO, 'deploy/local/cluster.sh'), 'up', '--nodes', '2'], { env, encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`cluster up failed:\n${up.stdout}\n${up.stderr}`);
  try {
    const only = process.env['BENCH_ONLY'];
    if (only !== 'B') {
      const r = await rollingUpdate();
      console.log(`A. rolling update of 10 replicas under 200 req/s: ${r.seconds.toFixed(1)} s (target ≤ 10 s), ${r.failed} of ${r.sent} requests failed (target 0): ${r.kinds}`);
    }
    if (only === 'A') return;
    const berthS = await scaleBerth();
    console.log(`   berth scale 0 → ${REPLICAS}: ${berthS.toFixed(1)} s`);
    const swarmS = await scaleSwarm(false);
    const overlayS = await scaleSwarm(true);
    console.log(`B. scale 0 → ${REPLICAS} on one node: berth ${berthS.toFixed(1)} s (target ≤ 15 s); Docker Swarm on the same dockerd ${swarmS.toFixed(1)} s without a network (berth/swarm = ${(berthS / swarmS).toFixed(2)}), ${overlayS.toFixed(1)} s with an overlay network (berth/swarm = ${(berthS / overlayS).toFixed(2)})`);
  } finally {
    if (process.env['BENCH_KEEP'] !== 'true') {
      spawnSync('bash', [join(REPO, 'deploy/local/cluster.sh'), 'down', '--purge'], { env, stdio: 'ignore' });
      rmSync(HOME, { recursive: true, force: true });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
