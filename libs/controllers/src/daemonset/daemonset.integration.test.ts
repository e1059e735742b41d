// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { appsV1, coreV1 } from '@berth/api-types';
import { InformerFactory, silentLogger } from '@berth/client';
import type { GrpcApiClient } from '@berth/grpc';
import { startControlPlane, type TestControlPlane, waitFor } from '@berth/testing';
import { daemonSetController } from './index';
import { DAEMONSETS, NODES, PODS } from './daemonset-controller';
import { daemonPodNode } from './node-eligibility';

describe('DaemonSet controller against a real apiserver', () => {
  let cp: TestControlPlane;
  let client: GrpcApiClient;
  const ac = new AbortController();
  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
  });
  after(async () => {
    ac.abort();
    client?.close();
    await cp?.stop();
  });

  test('one daemon pod per eligible node; a tainted node is skipped', async () => {
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'db' }, spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
    const informers = new InformerFactory(client);
    await daemonSetController.start({ client, informers, recorder: () => ({ event: () => {}, eventf: () => {} }), logger: silentLogger, signal: ac.signal, options: {} });
    informers.start(ac.signal);
    await client.create<appsV1.DaemonSetJson>(DAEMONSETS, 'default', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent' }] } } },
    });
    const pods = await waitFor('two daemon pods', async () => {
      const items = (await client.list<coreV1.PodJson>(PODS, { namespace: 'default', labelSelector: 'app=agent' })).items;
      return items.length >= 2 ? items : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    const again = (await client.list<coreV1.PodJson>(PODS, { namespace: 'default', labelSelector: 'app=agent' })).items;
    assert.equal(again.length, 2);
    assert.deepEqual(pods.map((p) => daemonPodNode(p)).sort(), ['n1', 'n2']);
    const st = await waitFor('status', async () => {
      const s = (await client.get<appsV1.DaemonSetJson>(DAEMONSETS, 'default', 'agent')).status;
      return s?.currentNumberScheduled === 2 ? s : undefined;
    });
    assert.equal(st.desiredNumberScheduled, 2);
    assert.equal(st.numberMisscheduled, 0);
  });
});
