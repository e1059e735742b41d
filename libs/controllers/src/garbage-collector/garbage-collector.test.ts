// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '@berth/api';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../shared/resources';
import { ControllerFixture } from '../shared/test-fixture';
import { GarbageCollector } from './garbage-collector';

const ref = (kind: string, name: string, apiVersion = 'apps/v1') => ({ apiVersion, kind, name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: true });
const obj = (kind: string, name: string, owner?: ReturnType<typeof ref>, extra: Partial<NonNullable<KubeObject['metadata']>> = {}): KubeObject => ({
  kind,
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(owner ? { ownerReferences: [owner] } : {}), ...extra },
});

let f: ControllerFixture;
let gc: GarbageCollector;
afterEach(() => f.stop());

async function setup(seed: Array<[typeof PODS, KubeObject]>): Promise<void> {
  f = new ControllerFixture();
  for (const [t, o] of seed) f.api.seed(t, o);
  gc = new GarbageCollector({ client: f.api, informers: [f.informer(PODS), f.informer(REPLICASETS), f.informer(DEPLOYMENTS)] });
  await f.start();
}

/** Runs the collector's queue until it is empty (the informers settle between rounds). */
async function drain(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await f.settle();
    if (gc.queue.len() === 0) return;
    while (gc.queue.len() > 0) {
      const uid = (await gc.queue.get()) as string;
      await gc.sync(uid);
      gc.queue.done(uid);
    }
  }
}

describe('GarbageCollector', () => {
  test('background: dependents of a gone owner are deleted, down the tree', async () => {
    await setup([
      [DEPLOYMENTS, obj('Deployment', 'api')],
      [REPLICASETS, obj('ReplicaSet', 'api-abc', ref('Deployment', 'api'))],
      [PODS, obj('Pod', 'api-abc-1', ref('ReplicaSet', 'api-abc'))],
      [PODS, obj('Pod', 'lonely')],
    ]);
    await drain();
    assert.deepEqual(f.api.writeActions(), [], 'nothing is collected while owners exist');
    await f.api.delete(DEPLOYMENTS, 'default', 'api');
    await drain();
    assert.equal(f.api.stored(REPLICASETS, 'default', 'api-abc'), undefined);
    assert.equal(f.api.stored(PODS, 'default', 'api-abc-1'), undefined);
    assert.ok(f.api.stored(PODS, 'default', 'lonely'));
  });

  test('a dependent whose owner uid differs (owner recreated) is collected; one with another live owner is kept', async () => {
    await setup([
      [REPLICASETS, { ...obj('ReplicaSet', 'rs'), metadata: { name: 'rs', namespace: 'default', uid: 'new-uid' } }],
      [PODS, obj('Pod', 'p1', ref('ReplicaSet', 'rs'))],
      [REPLICASETS, obj('ReplicaSet', 'other')],
      [PODS, { ...obj('Pod', 'p2'), metadata: { name: 'p2', namespace: 'default', uid: 'uid-p2', ownerReferences: [ref('ReplicaSet', 'gone'), { ...ref('ReplicaSet', 'other'), controller: false }] } }],
    ]);
    await drain();
    assert.equal(f.api.stored(PODS, 'default', 'p1'), undefined);
    const p2 = f.api.stored(PODS, 'default', 'p2');
    assert.deepEqual(p2?.metadata?.ownerReferences?.map((r) => r.name), ['other'], 'the dangling reference is dropped');
  });

  test('orphan: `delete --cascade=orphan` leaves the dependents without the ownerReference', async () => {
    await setup([
      [REPLICASETS, obj('ReplicaSet', 'rs', undefined, { finalizers: ['orphan'], deletionTimestamp: '2024-01-01T00:00:00Z' })],
      [PODS, obj('Pod', 'p1', ref('ReplicaSet', 'rs'))],
      [PODS, obj('Pod', 'p2', ref('ReplicaSet', 'rs'))],
    ]);
    await drain();
    assert.equal(f.api.stored(REPLICASETS, 'default', 'rs'), undefined, 'the owner goes once the finalizer is removed');
    for (const p of ['p1', 'p2']) {
      const pod = f.api.stored(PODS, 'default', p);
      assert.ok(pod, `${p} survives`);
      assert.equal(pod.metadata?.ownerReferences, undefined);
    }
  });

  test('foreground: dependents are deleted first, then the owner', async () => {
    await setup([
      [DEPLOYMENTS, obj('Deployment', 'api', undefined, { finalizers: ['foregroundDeletion'], deletionTimestamp: '2024-01-01T00:00:00Z' })],
      [REPLICASETS, obj('ReplicaSet', 'api-abc', ref('Deployment', 'api'))],
      [PODS, obj('Pod', 'api-abc-1', ref('ReplicaSet', 'api-abc'))],
    ]);
    await drain();
    const deletes = f.api.writeActions().filter((a) => a.verb === 'delete');
    assert.equal(deletes[0]?.name, 'api-abc');
    assert.equal(deletes[0]?.deleteOptions?.propagationPolicy, 'Foreground', 'an RS with pods is deleted in the foreground too');
    assert.equal(f.api.stored(PODS, 'default', 'api-abc-1'), undefined);
    assert.equal(f.api.stored(REPLICASETS, 'default', 'api-abc'), undefined);
    assert.equal(f.api.stored(DEPLOYMENTS, 'default', 'api'), undefined, 'the owner goes last');
    const finalizerRemovals = f.api.writeActions().filter((a) => a.verb === 'update');
    assert.ok(finalizerRemovals.length >= 2);
  });
});
