// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '@berth/api';
import type { Pod } from '../shared/pod-utils';
import { PODS, REPLICASETS } from '../shared/resources';
import { ControllerFixture } from '../shared/test-fixture';
import { ReplicaSetController, type ReplicaSetLike } from './replicaset-controller';

function rs(name: string, replicas: number, extra: Partial<ReplicaSetLike['spec']> = {}): ReplicaSetLike {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      replicas,
      selector: { matchLabels: { type: 'backend', service: 'go-demo-2' } },
      template: { metadata: { labels: { type: 'backend', service: 'go-demo-2', db: 'mongo' } }, spec: { containers: [{ name: 'db', image: 'mongo:3.3' }] } },
      ...extra,
    },
  };
}

function readyPod(name: string, labels: Record<string, string>, owner?: ReplicaSetLike): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels,
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'db', image: 'mongo:3.3' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2023-12-31T00:00:00Z' }] },
  };
}

let f: ControllerFixture;
let ctl: ReplicaSetController | undefined;
// Shutting the queue down clears delayed adds (minReadySeconds requeues), so the test process can exit.
afterEach(() => {
  ctl?.queue.shutDown();
  f.stop();
});

async function setup(...objs: Array<[typeof PODS, KubeObject]>): Promise<ReplicaSetController> {
  f = new ControllerFixture();
  for (const [t, o] of objs) f.api.seed(t, o);
  const c = new ReplicaSetController({ client: f.api, owners: f.informer(REPLICASETS), pods: f.informer(PODS), recorder: f.recorder, now: () => f.clock });
  ctl = c;
  await f.start();
  return c;
}

describe('ReplicaSetController', () => {
  test('creates missing pods in slow-start batches with controller ownerReferences, and reports status', async () => {
    const c = await setup([REPLICASETS, rs('go-demo-2', 3)]);
    await c.sync('default/go-demo-2');
    const creates = f.api.writeActions().filter((a) => a.verb === 'create');
    assert.equal(creates.length, 3);
    for (const a of creates) {
      assert.equal(a.object?.metadata?.generateName, 'go-demo-2-');
      assert.deepEqual(a.object?.metadata?.ownerReferences, [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'go-demo-2', uid: 'uid-go-demo-2', controller: true, blockOwnerDeletion: true },
      ]);
      assert.deepEqual(a.object?.metadata?.labels, { type: 'backend', service: 'go-demo-2', db: 'mongo' });
    }
    const pods = f.api.storedAll<Pod>(PODS);
    assert.equal(pods.length, 3);
    for (const p of pods) assert.match(p.metadata?.name ?? '', /^go-demo-2-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(f.recorder.lines.filter((l) => l.startsWith('Normal SuccessfulCreate Created pod: go-demo-2-')).length, 3);
    // The status reflects the cache as synced (pods not seen yet), written once.
    const statusWrites = f.api.writeActions().filter((a) => a.subresource === 'status');
    assert.equal(statusWrites.length, 1);
    // Expectations hold back a second round until the informer has seen the pods.
    f.api.clearActions();
    await c.sync('default/go-demo-2');
    assert.equal(f.api.writeActions().filter((a) => a.verb === 'create').length, 0);
    await f.settle();
    await c.sync('default/go-demo-2');
    assert.equal(f.api.writeActions().filter((a) => a.verb === 'create').length, 0);
    const stored = f.api.stored<ReplicaSetLike>(REPLICASETS, 'default', 'go-demo-2');
    assert.equal(stored?.status?.replicas, 3);
    assert.equal(stored?.status?.fullyLabeledReplicas, 3);
    assert.equal(stored?.status?.readyReplicas, 0);
  });

  test('a failing create stops after the first batch and records FailedCreate and ReplicaFailure', async () => {
    const c = await setup([REPLICASETS, rs('web', 10)]);
    let calls = 0;
    f.api.prependReactor('create', 'pods', () => {
      calls++;
      throw new Error('exceeded quota: compute-quota');
    });
    await assert.rejects(c.sync('default/web'), /exceeded quota/);
    assert.equal(calls, 1, 'slow start: one attempt, not ten');
    assert.deepEqual(f.recorder.lines, ['Warning FailedCreate Error creating: exceeded quota: compute-quota']);
    const stored = f.api.stored<ReplicaSetLike>(REPLICASETS, 'default', 'web');
    assert.equal(stored?.status?.conditions?.[0]?.type, 'ReplicaFailure');
    assert.equal(stored?.status?.conditions?.[0]?.reason, 'FailedCreate');
    // Expectations were lowered: the next sync tries again at once.
    assert.deepEqual(c.expectations.pending('default/web'), { add: 0, del: 0 });
  });

  test('batches grow 1, 2, 4, 8', async () => {
    const c = await setup([REPLICASETS, rs('big', 15)]);
    const inFlight: number[] = [];
    let current = 0;
    f.api.prependReactor('create', 'pods', async () => {
      current++;
      inFlight.push(current);
      await new Promise((r) => setTimeout(r, 5));
      current--;
      return undefined;
    });
    await c.sync('default/big');
    assert.equal(f.api.storedAll(PODS).length, 15);
    assert.equal(Math.max(...inFlight), 8);
  });

  test('adopts matching orphans instead of creating', async () => {
    const owner = rs('go-demo-2', 2);
    const c = await setup([REPLICASETS, owner], [PODS, readyPod('orphan-1', { type: 'backend', service: 'go-demo-2', db: 'mongo' })], [PODS, readyPod('other', { app: 'x' })]);
    await c.sync('default/go-demo-2');
    const patches = f.api.writeActions().filter((a) => a.verb === 'patch');
    assert.deepEqual(patches.map((p) => p.name), ['orphan-1']);
    assert.equal(f.api.stored<Pod>(PODS, 'default', 'orphan-1')?.metadata?.ownerReferences?.[0]?.uid, 'uid-go-demo-2');
    assert.equal(f.api.stored<Pod>(PODS, 'default', 'other')?.metadata?.ownerReferences, undefined);
    assert.equal(f.api.writeActions().filter((a) => a.verb === 'create').length, 1, 'one created, one adopted');
  });

  test('releases a pod whose label was removed and creates a replacement (the book\'s label-removal session)', async () => {
    const owner = rs('go-demo-2', 2);
    const p1 = readyPod('go-demo-2-aaaaa', { type: 'backend', service: 'go-demo-2', db: 'mongo' }, owner);
    const p2 = readyPod('go-demo-2-bbbbb', { type: 'backend', db: 'mongo' }, owner); // `service` removed
    const c = await setup([REPLICASETS, owner], [PODS, p1], [PODS, p2]);
    await c.sync('default/go-demo-2');
    const released = f.api.stored<Pod>(PODS, 'default', 'go-demo-2-bbbbb');
    assert.deepEqual(released?.metadata?.ownerReferences, []);
    const creates = f.api.writeActions().filter((a) => a.verb === 'create');
    assert.equal(creates.length, 1);
    assert.equal(f.api.storedAll(PODS).length, 3);
  });

  test('deletes extra pods, unscheduled before pending before not-ready before ready', async () => {
    const owner = rs('web', 1);
    const labels = { type: 'backend', service: 'go-demo-2', db: 'mongo' };
    const ready = readyPod('ready', labels, owner);
    const notReady = { ...readyPod('not-ready', labels, owner), status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } };
    const pending = { ...readyPod('pending', labels, owner), status: { phase: 'Pending' } };
    const unscheduled = { ...readyPod('unscheduled', labels, owner), spec: { containers: [] }, status: { phase: 'Pending' } };
    const c = await setup([REPLICASETS, owner], [PODS, ready], [PODS, notReady], [PODS, pending], [PODS, unscheduled]);
    await c.sync('default/web');
    const deletes = f.api.writeActions().filter((a) => a.verb === 'delete').map((a) => a.name);
    assert.deepEqual(new Set(deletes), new Set(['unscheduled', 'pending', 'not-ready']));
    assert.ok(f.api.stored(PODS, 'default', 'ready'));
    assert.equal(f.recorder.lines.filter((l) => l.startsWith('Normal SuccessfulDelete Deleted pod: ')).length, 3);
  });

  test('status counts ready and available pods with minReadySeconds, and is not rewritten when unchanged', async () => {
    const owner = rs('web', 2, { minReadySeconds: 3600 * 48 });
    const labels = { type: 'backend', service: 'go-demo-2', db: 'mongo' };
    const c = await setup([REPLICASETS, owner], [PODS, readyPod('a', labels, owner)], [PODS, readyPod('b', { type: 'backend', service: 'go-demo-2' }, owner)]);
    await c.sync('default/web');
    const st = f.api.stored<ReplicaSetLike>(REPLICASETS, 'default', 'web')?.status;
    assert.deepEqual({ ...st }, { replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 2, availableReplicas: 0, observedGeneration: 1 });
    await f.settle();
    f.api.clearActions();
    await c.sync('default/web');
    assert.deepEqual(f.api.writeActions(), []);
  });

  test('a deleted ReplicaSet is a no-op', async () => {
    const c = await setup();
    await c.sync('default/gone');
    assert.deepEqual(f.api.writeActions(), []);
  });
});
