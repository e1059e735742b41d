// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { isNotFound, type KubeObject } from '@berth/api';
import type { ApiClient } from '@berth/client';
import { startControlPlane, type TestControlPlane } from '@berth/testing';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const PODS = { group: '', version: 'v1', resource: 'pods' };
const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const RS = { group: 'apps', version: 'v1', resource: 'replicasets' };
const DEPLOY = { group: 'apps', version: 'v1', resource: 'deployments' };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Plays the kubelet: every pending pod in the namespace is marked Running and Ready. */
async function markPodsReady(client: ApiClient, ns: string): Promise<void> {
  const pods = (await client.list<Obj>(PODS, { namespace: ns })).items;
  const now = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp || p.status?.['phase'] === 'Running') continue;
    const containers = ((p.spec?.['containers'] as Array<{ name: string; image: string }>) ?? []).map((c) => ({ name: c.name, image: c.image, ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } }));
    await client
      .update(PODS, ns, { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }], containerStatuses: containers } }, { subresource: 'status' })
      .catch(() => undefined);
  }
}

const owned = (pods: Obj[], uid: string | undefined): Obj[] => pods.filter((p) => p.metadata?.ownerReferences?.some((r) => r.uid === uid) && !p.metadata?.deletionTimestamp);

describe('controller-manager against a real control plane', { timeout: 240_000 }, () => {
  let cp: TestControlPlane;
  let client: ReturnType<TestControlPlane['client']>;
  let cm: ChildProcess;
  const logs: string[] = [];

  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
    cm = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'apps/controller-manager/src/main.ts'), '--insecure', '--apiserver', cp.apiserverAddress, '--health-port', '0', '--nats-url', cp.nats.url,
        '--controllers', 'replicaset-controller,deployment-controller,garbage-collector-controller,namespace-controller'],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BERTH_LOG_LEVEL: 'info' } },
    );
    cm.stderr?.on('data', (d: Buffer) => {
      logs.push(d.toString());
      if (logs.length > 300) logs.shift();
    });
    await client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cm-test' } });
  });

  after(async () => {
    if (cm && cm.exitCode === null) {
      cm.kill('SIGTERM');
      const timer = setTimeout(() => cm.kill('SIGKILL'), 5000);
      await new Promise((r) => cm.once('exit', r));
      clearTimeout(timer);
    }
    client?.close();
    await cp?.stop();
  });

  test('takes the Lease kube-system/berth-controller-manager', async () => {
    const lease = await waitFor('the lease', () => client.get<Obj>(LEASES, 'kube-system', 'berth-controller-manager'));
    assert.ok(lease.spec?.['holderIdentity'], logs.join(''));
  });

  test('ReplicaSet: creates pods, heals after a pod is deleted, releases a pod whose label is removed', async () => {
    const rs = await client.create<Obj>(RS, 'cm-test', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'go-demo-2' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { type: 'backend', service: 'go-demo-2' } },
        template: { metadata: { labels: { type: 'backend', service: 'go-demo-2', db: 'mongo' } }, spec: { containers: [{ name: 'db', image: 'mongo:3.3' }] } },
      },
    });
    const uid = rs.metadata?.uid;
    const first = await waitFor('2 pods', async () => {
      const pods = owned((await client.list<Obj>(PODS, { namespace: 'cm-test' })).items, uid);
      return pods.length === 2 && pods;
    });
    for (const p of first) assert.match(p.metadata?.name ?? '', /^go-demo-2-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const victim = first[0]?.metadata?.name ?? '';
    await client.delete(PODS, 'cm-test', victim);
    await waitFor('a replacement pod', async () => {
      const pods = owned((await client.list<Obj>(PODS, { namespace: 'cm-test' })).items, uid);
      return pods.length === 2 && !pods.some((p) => p.metadata?.name === victim);
    });
    // The book: `kubectl label pod <pod> service-` → the pod is released and replaced.
    const pods = owned((await client.list<Obj>(PODS, { namespace: 'cm-test' })).items, uid);
    const relabel = pods[0]?.metadata?.name ?? '';
    await client.patch(PODS, 'cm-test', relabel, 'application/merge-patch+json', { metadata: { labels: { service: null } } });
    await waitFor('release and replacement', async () => {
      const all = (await client.list<Obj>(PODS, { namespace: 'cm-test' })).items;
      const released = all.find((p) => p.metadata?.name === relabel);
      return owned(all, uid).length === 2 && released && !(released.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
    });
    const status = await waitFor('status', async () => {
      const cur = await client.get<Obj>(RS, 'cm-test', 'go-demo-2');
      return cur.status?.['replicas'] === 2 && cur.status?.['fullyLabeledReplicas'] === 2 && cur.status;
    });
    assert.equal(status['observedGeneration'], 1);
  });

  test('--cascade=orphan leaves the pods; background deletion of the owner removes them', async () => {
    const uid = (await client.get<Obj>(RS, 'cm-test', 'go-demo-2')).metadata?.uid;
    const before = owned((await client.list<Obj>(PODS, { namespace: 'cm-test' })).items, uid).map((p) => p.metadata?.name);
    await client.delete(RS, 'cm-test', 'go-demo-2', { propagationPolicy: 'Orphan' });
    await waitFor('the RS gone', async () => client.get(RS, 'cm-test', 'go-demo-2').then(() => false, (e) => isNotFound(e)));
    const pods = (await client.list<Obj>(PODS, { namespace: 'cm-test' })).items;
    for (const name of before) {
      const p = pods.find((x) => x.metadata?.name === name);
      assert.ok(p, `${name} survives`);
      assert.equal((p.metadata?.ownerReferences ?? []).length, 0);
    }
  });

  test('Deployment: RS named by hash, pods, an image update rolls to completion, background delete cascades', async () => {
    const template = { metadata: { labels: { type: 'api', service: 'go-demo-2' } }, spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2:1.0' }] } };
    const d = await client.create<Obj>(DEPLOY, 'cm-test', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'go-demo-2-api' },
      spec: { replicas: 3, selector: { matchLabels: { type: 'api', service: 'go-demo-2' } }, template },
    });
    const rs1 = await waitFor('the first RS', async () => (await client.list<Obj>(RS, { namespace: 'cm-test' })).items.find((r) => r.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid));
    assert.match(rs1.metadata?.name ?? '', /^go-demo-2-api-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs1.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    await waitFor('3 pods with the hash label', async () => {
      const pods = owned((await client.list<Obj>(PODS, { namespace: 'cm-test' })).items, rs1.metadata?.uid);
      return pods.length === 3 && pods.every((p) => p.metadata?.labels?.['pod-template-hash'] === rs1.metadata?.labels?.['pod-template-hash']);
    });
    await waitFor('available', async () => {
      await markPodsReady(client, 'cm-test');
      const cur = await client.get<Obj>(DEPLOY, 'cm-test', 'go-demo-2-api');
      return cur.status?.['availableReplicas'] === 3;
    });
    // `set image`: a new RS takes over as pods become ready.
    const cur = await client.get<Obj>(DEPLOY, 'cm-test', 'go-demo-2-api');
    await client.update(DEPLOY, 'cm-test', { ...cur, spec: { ...cur.spec, template: { ...template, spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2:2.0' }] } } } });
    const done = await waitFor(
      'the rollout to complete',
      async () => {
        await markPodsReady(client, 'cm-test');
        const x = await client.get<Obj>(DEPLOY, 'cm-test', 'go-demo-2-api');
        const s = x.status ?? {};
        const progressing = (s['conditions'] as Array<{ type: string; reason: string }> | undefined)?.find((c) => c.type === 'Progressing');
        return s['observedGeneration'] === x.metadata?.generation && s['updatedReplicas'] === 3 && s['replicas'] === 3 && s['availableReplicas'] === 3 && progressing?.reason === 'NewReplicaSetAvailable' && x;
      },
      60_000,
    );
    assert.equal(done.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    const rss = (await client.list<Obj>(RS, { namespace: 'cm-test' })).items.filter((r) => r.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid);
    assert.equal(rss.length, 2);
    assert.equal(rss.find((r) => r.metadata?.uid === rs1.metadata?.uid)?.spec?.['replicas'], 0);

    await client.delete(DEPLOY, 'cm-test', 'go-demo-2-api');
    await waitFor('RSs and their pods gone', async () => {
      const left = (await client.list<Obj>(RS, { namespace: 'cm-test' })).items.filter((r) => r.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid);
      const pods = (await client.list<Obj>(PODS, { namespace: 'cm-test' })).items.filter((p) => p.metadata?.labels?.['type'] === 'api');
      return left.length === 0 && pods.length === 0;
    });
  });

  test('deleting a namespace empties it, then removes it', async () => {
    await client.delete(NAMESPACES, '', 'cm-test');
    await waitFor('the namespace gone', async () => client.get(NAMESPACES, '', 'cm-test').then(() => false, (e) => isNotFound(e)), 60_000);
    assert.equal((await client.list(PODS, { namespace: 'cm-test' })).items.length, 0);
  });
});
