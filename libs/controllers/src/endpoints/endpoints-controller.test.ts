// SPDX-License-Identifier: Apache-2.0
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1 } from '@berth/api-types';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { PODS } from '../shared/resources';
import { EndpointsController, MAX_ENDPOINTS_ADDRESSES, OVER_CAPACITY_ANNOTATION } from './endpoints-controller';
import { ENDPOINTS, HEADLESS_LABEL, SERVICES } from './service-pods';
import { pod, service } from './test-fixtures';

type Endpoints = coreV1.EndpointsJson;

async function setup(tc: TestContext, objs: { services?: coreV1.ServiceJson[]; pods?: coreV1.PodJson[]; endpoints?: Endpoints[] }) {
  const api = new FakeApi();
  api.seed(SERVICES, ...(objs.services ?? []));
  api.seed(PODS, ...(objs.pods ?? []));
  api.seed(ENDPOINTS, ...(objs.endpoints ?? []));
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new EndpointsController({ client: api, services: f.informerFor(SERVICES), pods: f.informerFor(PODS), endpoints: f.informerFor(ENDPOINTS) });
  f.start(ac.signal);
  tc.after(() => {
    ac.abort();
    ctrl.queue.shutDown();
  });
  await f.waitForSync();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    api,
    ctrl,
    settle,
    /** Syncs `key` once the informers have caught up with the API. */
    sync: async (key = 'default/web') => {
      await settle();
      api.clearActions();
      await ctrl.sync(key);
      return api.writeActions().map((a) => `${a.verb} ${a.resource} ${a.namespace}/${a.name}`);
    },
    ep: (name = 'web') => api.stored<Endpoints>(ENDPOINTS, 'default', name),
  };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

describe('EndpointsController.sync', () => {
  test('creates Endpoints with ready pods as addresses and the others as notReadyAddresses', async (tc) => {
    const t = await setup(tc, {
      services: [service('web')],
      pods: [pod('a', { ip: '10.244.0.11' }), pod('b', { ip: '10.244.1.12', node: 'node-2', ready: false }), pod('c', { ip: '' }), pod('x', { app: 'other', ip: '10.244.0.99' })],
    });
    assert.deepEqual(await t.sync(), ['create endpoints default/web']);
    const ep = t.ep();
    assert.deepEqual(ep?.metadata?.labels, { app: 'web' });
    assert.deepEqual(ep?.subsets, [
      {
        addresses: [{ ip: '10.244.0.11', nodeName: 'node-1', targetRef: ref('a') }],
        notReadyAddresses: [{ ip: '10.244.1.12', nodeName: 'node-2', targetRef: ref('b') }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    // Nothing changed: nothing written.
    assert.deepEqual(await t.sync(), []);
  });

  test('a readiness flip moves the address between addresses and notReadyAddresses, updating in place', async (tc) => {
    const t = await setup(tc, { services: [service('web')], pods: [pod('a', { ip: '10.244.0.11' }), pod('b', { ip: '10.244.0.12' })] });
    await t.sync();
    const uid = t.ep()?.metadata?.uid;
    const b = t.api.stored<coreV1.PodJson>(PODS, 'default', 'b') as coreV1.PodJson;
    b.status = { ...b.status, conditions: [{ type: 'Ready', status: 'False' }] };
    await t.api.update(PODS, 'default', b, { subresource: 'status' });
    assert.deepEqual(await t.sync(), ['update endpoints default/web']);
    assert.equal(t.ep()?.metadata?.uid, uid);
    assert.deepEqual(t.ep()?.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.11']);
    assert.deepEqual(t.ep()?.subsets?.[0]?.notReadyAddresses?.map((a) => a.ip), ['10.244.0.12']);
    const b2 = t.api.stored<coreV1.PodJson>(PODS, 'default', 'b') as coreV1.PodJson;
    b2.status = { ...b2.status, conditions: [{ type: 'Ready', status: 'True' }] };
    await t.api.update(PODS, 'default', b2, { subresource: 'status' });
    assert.deepEqual(await t.sync(), ['update endpoints default/web']);
    assert.deepEqual(t.ep()?.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.11', '10.244.0.12']);
    assert.equal(t.ep()?.subsets?.[0]?.notReadyAddresses, undefined);
  });

  test('publishNotReadyAddresses lists every pod as ready', async (tc) => {
    const t = await setup(tc, { services: [service('web', undefined, { publishNotReadyAddresses: true })], pods: [pod('a', { ip: '10.244.0.11', ready: false })] });
    await t.sync();
    assert.deepEqual(t.ep()?.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.11']);
  });

  test('named target ports are resolved per pod; a pod without the name is left out of that port', async (tc) => {
    const svc = service('web', [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' },
      { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 'metrics' },
    ]);
    const t = await setup(tc, {
      services: [svc],
      pods: [
        pod('a', { ip: '10.244.0.11', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9100, protocol: 'TCP' }] }),
        pod('b', { ip: '10.244.0.12', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9100, protocol: 'TCP' }] }),
        pod('c', { ip: '10.244.0.13', ports: [{ name: 'web', containerPort: 3000, protocol: 'TCP' }] }),
        // UDP port of the same name does not match a TCP service port.
        pod('d', { ip: '10.244.0.14', ports: [{ name: 'web', containerPort: 8080, protocol: 'UDP' }] }),
      ],
    });
    await t.sync();
    assert.deepEqual(
      t.ep()?.subsets?.map((s) => ({ ips: s.addresses?.map((a) => a.ip), ports: s.ports })),
      [
        { ips: ['10.244.0.11', '10.244.0.12'], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }] },
        { ips: ['10.244.0.13'], ports: [{ name: 'http', port: 3000, protocol: 'TCP' }] },
      ],
    );
  });

  test('headless: the headless label, hostnames for pods whose subdomain is the service, addresses without ports', async (tc) => {
    const svc = service('db', [], { clusterIP: 'None', selector: { app: 'db' } });
    const t = await setup(tc, {
      services: [svc],
      pods: [
        pod('db-0', { app: 'db', ip: '10.244.0.21', hostname: 'db-0', subdomain: 'db' }),
        pod('db-1', { app: 'db', ip: '10.244.0.22', hostname: 'db-1', subdomain: 'elsewhere' }),
      ],
    });
    assert.deepEqual(await t.sync('default/db'), ['create endpoints default/db']);
    const ep = t.ep('db');
    assert.deepEqual(ep?.metadata?.labels, { app: 'db', [HEADLESS_LABEL]: '' });
    assert.deepEqual(ep?.subsets, [
      {
        addresses: [
          { ip: '10.244.0.21', hostname: 'db-0', nodeName: 'node-1', targetRef: ref('db-0') },
          { ip: '10.244.0.22', nodeName: 'node-1', targetRef: ref('db-1') },
        ],
      },
    ]);
  });

  test('terminating and finished pods are excluded', async (tc) => {
    const t = await setup(tc, {
      services: [service('web')],
      pods: [pod('a', { ip: '10.244.0.11' }), pod('b', { ip: '10.244.0.12', deleting: true }), pod('c', { ip: '10.244.0.13', phase: 'Succeeded' })],
    });
    await t.sync();
    assert.deepEqual(t.ep()?.subsets?.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip)), ['10.244.0.11']);
  });

  test('a service without a selector (the kubernetes Service) is left alone', async (tc) => {
    const kubernetes = { ...service('kubernetes'), spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] } };
    const handMade: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.168.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] };
    const t = await setup(tc, { services: [kubernetes], endpoints: [handMade] });
    assert.deepEqual(await t.sync('default/kubernetes'), []);
    assert.deepEqual(t.ep('kubernetes')?.subsets, handMade.subsets);
  });

  test('no matching pods: empty Endpoints; service deleted: Endpoints deleted', async (tc) => {
    const t = await setup(tc, { services: [service('web')] });
    assert.deepEqual(await t.sync(), ['create endpoints default/web']);
    assert.deepEqual(t.ep()?.subsets ?? [], []);
    await t.api.delete(SERVICES, 'default', 'web');
    assert.deepEqual(await t.sync(), ['delete endpoints default/web']);
  });

  test('turning a service headless adds the label; service labels are copied', async (tc) => {
    const t = await setup(tc, { services: [service('web')], pods: [pod('a')] });
    await t.sync();
    const svc = t.api.stored<coreV1.ServiceJson>(SERVICES, 'default', 'web') as coreV1.ServiceJson;
    svc.spec = { ...svc.spec, clusterIP: 'None' };
    svc.metadata = { ...svc.metadata, labels: { app: 'web', tier: 'front' } };
    await t.api.update(SERVICES, 'default', svc);
    assert.deepEqual(await t.sync(), ['update endpoints default/web']);
    assert.deepEqual(t.ep()?.metadata?.labels, { app: 'web', tier: 'front', [HEADLESS_LABEL]: '' });
  });

  test(`more than ${MAX_ENDPOINTS_ADDRESSES} pods: truncated, ready first, and annotated`, async (tc) => {
    const pods = Array.from({ length: MAX_ENDPOINTS_ADDRESSES + 5 }, (_, i) =>
      pod(`p${i}`, { ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`, ready: i >= 10 }),
    );
    const t = await setup(tc, { services: [service('web')], pods });
    await t.sync();
    const ep = t.ep();
    assert.equal(ep?.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION], 'truncated');
    const ready = ep?.subsets?.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
    const notReady = ep?.subsets?.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
    assert.equal(ready, MAX_ENDPOINTS_ADDRESSES - 5);
    assert.equal(notReady, 5);
  });

  test('informer events enqueue the services a pod belongs to', async (tc) => {
    const t = await setup(tc, { services: [service('web'), service('api', undefined, { selector: { app: 'api' } })] });
    await t.settle();
    while (t.ctrl.queue.len() > 0) {
      const item = await t.ctrl.queue.get();
      t.ctrl.queue.done(item as string);
    }
    await t.api.create(PODS, 'default', pod('a'));
    await t.settle();
    const item = await t.ctrl.queue.get();
    assert.equal(item, 'default/web');
    assert.equal(t.ctrl.queue.len(), 0);
  });
});
