// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { appsV1, coreV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { CONTROLLER_REVISION_HASH_LABEL, CONTROLLER_REVISIONS } from './controller-history';
import { PODS, PVCS, StatefulSetController, STATEFULSETS, type StatefulSet } from './statefulset-controller';

type Pod = coreV1.PodJson;

function sts(spec: Partial<appsV1.StatefulSetSpecJson> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'sts-uid', generation: 1 },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
      ...spec,
    },
  };
}

async function setup(set: StatefulSet) {
  const api = new FakeApi();
  api.seed(STATEFULSETS, set);
  const events: Array<{ obj: KubeObject; type: string; reason: string; message: string }> = [];
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
    eventf: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
  };
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new StatefulSetController({
    client: api,
    statefulSets: f.informerFor(STATEFULSETS),
    pods: f.informerFor(PODS),
    revisions: f.informerFor(CONTROLLER_REVISIONS),
    pvcs: f.informerFor(PVCS),
    recorder,
  });
  f.start(ac.signal);
  await f.waitForSync();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
  };
  const pods = () => api.storedAll<Pod>(PODS).filter((p) => !p.metadata?.deletionTimestamp);
  const names = () => pods().map((p) => p.metadata?.name).sort();
  /** Marks pods Running and Ready, as a kubelet would. */
  const markReady = async (...podNames: string[]) => {
    for (const n of podNames) {
      const p = api.stored<Pod>(PODS, 'default', n) as Pod;
      await api.update(PODS, 'default', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    }
    await settle();
  };
  const step = async () => {
    await settle();
    await ctrl.sync('default/web');
    await settle();
  };
  return { api, ctrl, events, names, pods, markReady, step, settle, stop: () => (ac.abort(), ctrl.queue.shutDown()) };
}

describe('StatefulSetController.sync', () => {
  test('OrderedReady: web-0, then web-1 only after web-0 is Running and Ready', async () => {
    const t = await setup(sts());
    try {
      await t.step();
      assert.deepEqual(t.names(), ['web-0']);
      await t.step();
      assert.deepEqual(t.names(), ['web-0'], 'web-0 not ready: wait');
      await t.markReady('web-0');
      await t.step();
      assert.deepEqual(t.names(), ['web-0', 'web-1']);
      await t.markReady('web-1');
      await t.step();
      await t.markReady('web-2');
      await t.step();
      const st = t.api.stored<StatefulSet>(STATEFULSETS, 'default', 'web')?.status;
      assert.equal(st?.replicas, 3);
      assert.equal(st?.readyReplicas, 3);
      assert.equal(st?.currentReplicas, 3);
      assert.equal(st?.updatedReplicas, 3);
      assert.equal(st?.observedGeneration, 1);
      assert.ok(st?.currentRevision?.startsWith('web-'));
      assert.equal(st?.currentRevision, st?.updateRevision);
      assert.ok(t.events.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'));
    } finally {
      t.stop();
    }
  });

  test('stable identity: hostname, subdomain, labels, owner, claims', async () => {
    const t = await setup(sts({ replicas: 1, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }));
    try {
      await t.step();
      const p = t.api.stored<Pod>(PODS, 'default', 'web-0') as Pod;
      assert.equal(p.spec?.hostname, 'web-0');
      assert.equal(p.spec?.subdomain, 'nginx');
      assert.equal(p.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
      assert.ok(p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]?.startsWith('web-'));
      assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
      assert.deepEqual(p.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
      assert.ok(t.api.stored(PVCS, 'default', 'data-web-0'));
      assert.equal(t.api.storedAll(CONTROLLER_REVISIONS).length, 1);
    } finally {
      t.stop();
    }
  });

  test('Parallel creates all at once; scale down deletes in reverse order and keeps claims', async () => {
    const t = await setup(sts({ podManagementPolicy: 'Parallel', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] }));
    try {
      await t.step();
      assert.deepEqual(t.names(), ['web-0', 'web-1', 'web-2']);
      await t.markReady('web-0', 'web-1', 'web-2');
      const cur = t.api.stored<StatefulSet>(STATEFULSETS, 'default', 'web') as StatefulSet;
      await t.api.update(STATEFULSETS, 'default', { ...cur, spec: { ...cur.spec, replicas: 1 } });
      await t.step();
      assert.deepEqual(t.names(), ['web-0']);
      assert.equal(t.api.storedAll(PVCS).length, 3, 'claims survive scale-down');
    } finally {
      t.stop();
    }
  });

  test('OrderedReady scale down: highest ordinal first, one at a time', async () => {
    const t = await setup(sts({ podManagementPolicy: 'Parallel' }));
    try {
      await t.step();
      await t.markReady('web-0', 'web-1', 'web-2');
      const cur = t.api.stored<StatefulSet>(STATEFULSETS, 'default', 'web') as StatefulSet;
      await t.api.update(STATEFULSETS, 'default', { ...cur, spec: { ...cur.spec, replicas: 1, podManagementPolicy: 'OrderedReady' } });
      await t.step();
      assert.deepEqual(t.names(), ['web-0', 'web-1']);
      await t.step();
      assert.deepEqual(t.names(), ['web-0']);
    } finally {
      t.stop();
    }
  });

  test('RollingUpdate: highest ordinal first, down to the partition', async () => {
    const t = await setup(sts({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    try {
      await t.step();
      await t.markReady('web-0', 'web-1', 'web-2');
      await t.step();
      const oldRev = t.api.stored<Pod>(PODS, 'default', 'web-0')?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      const cur = t.api.stored<StatefulSet>(STATEFULSETS, 'default', 'web') as StatefulSet;
      const template = structuredClone(cur.spec?.template) as coreV1.PodTemplateSpecJson;
      (template.spec?.containers ?? [])[0]!.image = 'nginx:2';
      await t.api.update(STATEFULSETS, 'default', { ...cur, spec: { ...cur.spec, template } });
      await t.step();
      assert.deepEqual(t.names(), ['web-0', 'web-1'], 'web-2 deleted first');
      await t.step();
      const web2 = t.api.stored<Pod>(PODS, 'default', 'web-2') as Pod;
      assert.equal(web2.spec?.containers?.[0]?.image, 'nginx:2');
      await t.markReady('web-2');
      await t.step();
      assert.deepEqual(t.names(), ['web-0', 'web-2']);
      await t.step();
      await t.markReady('web-1');
      await t.step();
      // web-0 is below the partition: it keeps the old revision.
      assert.equal(t.api.stored<Pod>(PODS, 'default', 'web-0')?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL], oldRev);
      const st = t.api.stored<StatefulSet>(STATEFULSETS, 'default', 'web')?.status;
      assert.equal(st?.updatedReplicas, 2);
      assert.equal(st?.currentReplicas, 1);
      assert.notEqual(st?.currentRevision, st?.updateRevision);
      assert.equal(t.api.storedAll(CONTROLLER_REVISIONS).length, 2);
    } finally {
      t.stop();
    }
  });

  test('OnDelete: template changes wait for users to delete pods', async () => {
    const t = await setup(sts({ replicas: 1, updateStrategy: { type: 'OnDelete' } }));
    try {
      await t.step();
      await t.markReady('web-0');
      await t.step();
      const cur = t.api.stored<StatefulSet>(STATEFULSETS, 'default', 'web') as StatefulSet;
      const template = structuredClone(cur.spec?.template) as coreV1.PodTemplateSpecJson;
      (template.spec?.containers ?? [])[0]!.image = 'nginx:2';
      await t.api.update(STATEFULSETS, 'default', { ...cur, spec: { ...cur.spec, template } });
      t.api.clearActions();
      await t.step();
      assert.equal(t.api.writeActions().filter((a) => a.resource === 'pods').length, 0);
      await t.api.delete(PODS, 'default', 'web-0');
      await t.step();
      assert.equal(t.api.stored<Pod>(PODS, 'default', 'web-0')?.spec?.containers?.[0]?.image, 'nginx:2');
    } finally {
      t.stop();
    }
  });
});
