// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { appsV1, coreV1 } from '@berth/api-types';
import { InformerFactory, silentLogger } from '@berth/client';
import type { GrpcApiClient } from '@berth/grpc';
import { startControlPlane, type TestControlPlane, waitFor } from '@berth/testing';
import { statefulSetController } from './index';
import { PODS, PVCS, STATEFULSETS } from './statefulset-controller';

describe('StatefulSet controller against a real apiserver', () => {
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

  const podNames = async (): Promise<string[]> => (await client.list<coreV1.PodJson>(PODS, { namespace: 'default' })).items.map((p) => p.metadata?.name ?? '').sort();
  const markReady = async (name: string): Promise<void> => {
    const p = await client.get<coreV1.PodJson>(PODS, 'default', name);
    await client.update(PODS, 'default', { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  };

  test('a 3-replica StatefulSet creates web-0, and web-1 only after web-0 is Ready', async () => {
    const informers = new InformerFactory(client);
    await statefulSetController.start({ client, informers, recorder: () => ({ event: () => {}, eventf: () => {} }), logger: silentLogger, signal: ac.signal, options: {} });
    informers.start(ac.signal);
    const set: appsV1.StatefulSetJson = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        serviceName: 'nginx',
        selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    await client.create(STATEFULSETS, 'default', set);
    await waitFor('web-0', async () => ((await podNames()).includes('web-0') ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await podNames(), ['web-0'], 'web-1 waits for web-0');
    const web0 = await client.get<coreV1.PodJson>(PODS, 'default', 'web-0');
    assert.equal(web0.spec?.hostname, 'web-0');
    assert.equal(web0.spec?.subdomain, 'nginx');
    assert.ok(await client.get(PVCS, 'default', 'www-web-0'));
    await markReady('web-0');
    await waitFor('web-1', async () => ((await podNames()).includes('web-1') ? true : undefined));
    await markReady('web-1');
    await waitFor('web-2', async () => ((await podNames()).includes('web-2') ? true : undefined));
    await markReady('web-2');
    const st = await waitFor('status readyReplicas 3', async () => {
      const s = (await client.get<appsV1.StatefulSetJson>(STATEFULSETS, 'default', 'web')).status;
      return s?.readyReplicas === 3 ? s : undefined;
    });
    assert.equal(st.replicas, 3);
    assert.equal(st.currentRevision, st.updateRevision);
  });
});
