// SPDX-License-Identifier: Apache-2.0
// Integration: the scheduler process (child) against a real apiserver, etcd and NATS, with
// hollow nodes in this process standing in for kubelets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@berth/api';
import { LEASES, type ApiClient, type Lease } from '@berth/client';
import { startHollowNodes, type HollowNodes } from '@berth/hollow-nodes';
import { freePort, startControlPlane, type TestControlPlane } from '@berth/testing';
import { parseAllDocuments } from 'yaml';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };
const EVENTS = { group: '', version: 'v1', resource: 'events' };
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
type Pod = KubeObject & { spec?: Record<string, any>; status?: Record<string, any> };

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface SchedulerProc {
  child: ChildProcess;
  identity: string;
  healthPort: number;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

async function startScheduler(cp: TestControlPlane, identity: string): Promise<SchedulerProc> {
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', join(REPO, 'apps/scheduler/src/main.ts'),
      '--insecure', '--apiserver', cp.apiserverAddress, '--nats-url', cp.nats.url, '--identity', identity, '--health-port', String(healthPort),
      '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms',
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BERTH_LOG_LEVEL: 'info' } },
  );
  const logs: string[] = [];
  const keep = (d: Buffer): void => {
    logs.push(d.toString());
    if (logs.length > 300) logs.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    identity,
    healthPort,
    logs,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** The go-demo-2-db pod template of the book's res/go-demo-2-insuf-node.yml, as a bare pod. */
function bookDbPod(name: string): Pod {
  const docs = parseAllDocuments(readFileSync(join(import.meta.dirname, '../../../../shared/k8s-specs/res/go-demo-2-insuf-node.yml'), 'utf8')).map((d) => d.toJS() as KubeObject & { spec?: any });
  const deploy = docs.find((d) => d.kind === 'Deployment' && d.metadata?.name === 'go-demo-2-db')!;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...deploy.spec.template.metadata, name }, spec: deploy.spec.template.spec };
}

function pod(ns: string, name: string, memory = '100Mi', extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ...extra },
    spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '100m', memory } } }] },
  };
}

async function nodeOf(c: ApiClient, ns: string, name: string): Promise<string | undefined> {
  return (await c.get<Pod>(PODS, ns, name)).spec?.nodeName;
}

describe('scheduler (integration)', { timeout: 180_000 }, () => {
  let cp: TestControlPlane;
  let client: ReturnType<TestControlPlane['client']>;
  const procs: SchedulerProc[] = [];
  const hollow: HollowNodes[] = [];

  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
  });
  after(async () => {
    await Promise.allSettled(procs.map((p) => p.stop('SIGKILL')));
    await Promise.allSettled(hollow.map((h) => h.stop()));
    client?.close();
    await cp?.stop();
  });

  async function namespace(name: string): Promise<string> {
    await client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }
  async function nodes(prefix: string, count: number, memory: string): Promise<HollowNodes> {
    const h = await startHollowNodes({ client, count, namePrefix: prefix, capacity: { cpu: '2', memory, pods: '110' }, heartbeatMs: 5000 });
    hollow.push(h);
    return h;
  }

  test('pods are bound, Running on hollow nodes, with Scheduled events; the too-big pod waits with the book\'s message', async () => {
    const s = await startScheduler(cp, 'sched-a');
    procs.push(s);
    await nodes('small-', 2, '2Gi');
    const ns = await namespace('insuf');
    await client.create(PODS, ns, bookDbPod('go-demo-2-db'));
    await client.create(PODS, ns, pod(ns, 'fits'));

    const ran = await until('fits Running', async () => {
      const p = await client.get<Pod>(PODS, ns, 'fits');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.match(ran.spec?.nodeName ?? '', /^small-[01]$/);

    const msg = '0/2 nodes are available: 2 Insufficient memory.';
    const cond = await until('PodScheduled=False', async () => {
      const p = await client.get<Pod>(PODS, ns, 'go-demo-2-db');
      const c = p.status?.conditions?.find((x: { type: string }) => x.type === 'PodScheduled');
      return c?.status === 'False' ? c : undefined;
    }, 20_000);
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, msg);
    const p = await client.get<Pod>(PODS, ns, 'go-demo-2-db');
    assert.equal(p.status?.phase, 'Pending');
    assert.equal(p.spec?.nodeName, undefined);

    const events = await until('events', async () => {
      const list = (await client.list<KubeObject & Record<string, any>>(EVENTS, { namespace: ns })).items;
      const failed = list.find((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'go-demo-2-db');
      const ok = list.find((e) => e.reason === 'Scheduled' && e.involvedObject?.name === 'fits');
      return failed && ok ? { failed, ok } : undefined;
    });
    assert.equal(events.failed.type, 'Warning');
    assert.equal(events.failed.message, msg);
    assert.equal(events.failed.source?.component, 'default-scheduler');
    assert.equal(events.ok.message, `Successfully assigned ${ns}/fits to ${ran.spec?.nodeName}`);

    // A node big enough arrives: the pending pod is scheduled by the NodeAdd event (not by the 60 s flush).
    const t0 = Date.now();
    await nodes('big-', 1, '8Gi');
    const where = await until('db bound', () => nodeOf(client, ns, 'go-demo-2-db'), 20_000);
    assert.equal(where, 'big-0');
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);

    const metrics = await (await fetch(`http://127.0.0.1:${s.healthPort}/metrics`)).text();
    assert.match(metrics, /scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"[^}]*\} [1-9]/);
    assert.match(metrics, /scheduler_schedule_attempts_total\{result="unschedulable"/);
    assert.match(metrics, /scheduler_scheduling_attempt_duration_seconds_bucket/);
    assert.match(metrics, /scheduler_pending_pods\{queue="unschedulable"/);
    assert.equal((await fetch(`http://127.0.0.1:${s.healthPort}/healthz`)).status, 200);
  });

  test('three replicas spread over two nodes; a cordoned node receives nothing', async () => {
    const ns = await namespace('spread');
    // Two fresh nodes with lots of room; the others are cordoned so only these two count.
    await nodes('spread-', 2, '16Gi');
    for (const n of ['small-0', 'small-1', 'big-0']) {
      await client.patch(NODES, '', n, 'application/merge-patch+json', { spec: { unschedulable: true } });
    }
    const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: '11111111-2222-3333-4444-555555555555', controller: true }], labels: { app: 'web' } };
    for (const i of [1, 2, 3]) await client.create(PODS, ns, pod(ns, `web-${i}`, '100Mi', owner));
    const placed = await until('3 bound', async () => {
      const names = await Promise.all([1, 2, 3].map((i) => nodeOf(client, ns, `web-${i}`)));
      return names.every(Boolean) ? (names as string[]) : undefined;
    });
    const counts = ['spread-0', 'spread-1'].map((n) => placed.filter((x) => x === n).length).sort();
    assert.deepEqual(counts, [1, 2], `placed on ${placed.join(', ')}`);

    // Cordon spread-0 as well: new pods all go to spread-1.
    await client.patch(NODES, '', 'spread-0', 'application/merge-patch+json', { spec: { unschedulable: true } });
    await new Promise((r) => setTimeout(r, 500)); // let the scheduler's informer see the cordon
    for (const i of [1, 2, 3]) await client.create(PODS, ns, pod(ns, `late-${i}`));
    const late = await until('late pods bound', async () => {
      const names = await Promise.all([1, 2, 3].map((i) => nodeOf(client, ns, `late-${i}`)));
      return names.every(Boolean) ? names : undefined;
    });
    assert.deepEqual(late, ['spread-1', 'spread-1', 'spread-1']);
  });

  test('leader failover: a standby takes over within the lease duration', async () => {
    const b = await startScheduler(cp, 'sched-b');
    procs.push(b);
    const a = procs.find((p) => p.identity === 'sched-a')!;
    const lease = await until('lease held', async () => {
      const l = await client.get<Lease>(LEASES, 'kube-system', 'berth-scheduler');
      return l.spec?.holderIdentity ? l : undefined;
    });
    assert.equal(lease.spec?.holderIdentity, 'sched-a');
    // Give b time to stand by, then kill the leader without letting it release the lease.
    await new Promise((r) => setTimeout(r, 1500));
    await a.stop('SIGKILL');
    const killedAt = Date.now();
    const ns = await namespace('failover');
    await client.patch(NODES, '', 'spread-0', 'application/merge-patch+json', { spec: { unschedulable: false } });
    await client.create(PODS, ns, pod(ns, 'after-failover'));
    await until('bound by the standby', () => nodeOf(client, ns, 'after-failover'), 20_000);
    const took = Date.now() - killedAt;
    const l = await client.get<Lease>(LEASES, 'kube-system', 'berth-scheduler');
    assert.equal(l.spec?.holderIdentity, 'sched-b');
    assert.ok(took < 3000 + 8000, `failover took ${took} ms`);
  });
});
