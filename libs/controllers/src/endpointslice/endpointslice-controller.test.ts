// SPDX-License-Identifier: Apache-2.0
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1 } from '@berth/api-types';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { PODS } from '../shared/resources';
import { ENDPOINT_SLICES, HEADLESS_LABEL, SERVICES } from '../endpoints/service-pods';
import { pod, service } from '../endpoints/test-fixtures';
import { EndpointSliceController } from './endpointslice-controller';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type EndpointSlice } from './slice-reconciler';

async function setup(tc: TestContext, objs: { services?: coreV1.ServiceJson[]; pods?: coreV1.PodJson[]; slices?: EndpointSlice[] }, maxEndpointsPerSlice?: number) {
  const api = new FakeApi();
  api.seed(SERVICES, ...(objs.services ?? []));
  api.seed(PODS, ...(objs.pods ?? []));
  api.seed(ENDPOINT_SLICES, ...(objs.slices ?? []));
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new EndpointSliceController({
    client: api,
    services: f.informerFor(SERVICES),
    pods: f.informerFor(PODS),
    slices: f.informerFor(ENDPOINT_SLICES),
    ...(maxEndpointsPerSlice ? { maxEndpointsPerSlice } : {}),
  });
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
    /** Syncs once the informers have caught up; returns the writes as "verb name". */
    sync: async (key = 'default/web') => {
      await settle();
      api.clearActions();
      await ctrl.sync(key);
      return api.writeActions().map((a) => `${a.verb} ${a.name || (a.object?.metadata?.generateName ?? '') + '*'}`);
    },
    slices: () => api.storedAll<EndpointSlice>(ENDPOINT_SLICES),
    setPod: async (name: string, change: (p: coreV1.PodJson) => void) => {
      const p = api.stored<coreV1.PodJson>(PODS, 'default', name) as coreV1.PodJson;
      change(p);
      await api.update(PODS, 'default', p, { subresource: 'status' });
    },
  };
}

const ips = (s: EndpointSlice | undefined) => (s?.endpoints ?? []).map((e) => e.addresses?.[0]);

describe('EndpointSliceController.sync', () => {
  test('creates one slice via generateName, labelled, owned by the Service, with conditions and ports', async (tc) => {
    const t = await setup(tc, { services: [service('web')], pods: [pod('a', { ip: '10.244.0.11' }), pod('b', { ip: '10.244.0.12', ready: false, node: 'node-2' })] });
    assert.deepEqual(await t.sync(), ['create web-*']);
    const [slice] = t.slices();
    assert.match(slice?.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.deepEqual(slice?.metadata?.labels, { app: 'web', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: MANAGED_BY });
    assert.deepEqual(slice?.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice?.addressType, 'IPv4');
    assert.deepEqual(slice?.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
    assert.deepEqual(slice?.endpoints, [
      { addresses: ['10.244.0.11'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' }, nodeName: 'node-1' },
      { addresses: ['10.244.0.12'], conditions: { ready: false, serving: false, terminating: false }, targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' }, nodeName: 'node-2' },
    ]);
    assert.deepEqual(await t.sync(), []);
  });

  test('changes update the existing slice instead of recreating it', async (tc) => {
    const t = await setup(tc, { services: [service('web')], pods: [pod('a', { ip: '10.244.0.11' }), pod('b', { ip: '10.244.0.12' })] });
    await t.sync();
    const name = t.slices()[0]?.metadata?.name ?? '';
    await t.setPod('b', (p) => (p.status = { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] }));
    assert.deepEqual(await t.sync(), [`update ${name}`]);
    assert.deepEqual(t.slices()[0]?.endpoints?.[1]?.conditions, { ready: false, serving: false, terminating: false });
    await t.api.create(PODS, 'default', pod('c', { ip: '10.244.0.13' }));
    assert.deepEqual(await t.sync(), [`update ${name}`]);
    assert.deepEqual(ips(t.slices()[0]), ['10.244.0.11', '10.244.0.12', '10.244.0.13']);
    await t.api.delete(PODS, 'default', 'a');
    assert.deepEqual(await t.sync(), [`update ${name}`]);
    assert.deepEqual(ips(t.slices()[0]), ['10.244.0.12', '10.244.0.13']);
    assert.equal(t.slices().length, 1);
  });

  test('a terminating pod stays as serving but not ready', async (tc) => {
    const t = await setup(tc, { services: [service('web')], pods: [pod('a', { ip: '10.244.0.11', deleting: true })] });
    await t.sync();
    assert.deepEqual(t.slices()[0]?.endpoints?.[0]?.conditions, { ready: false, serving: true, terminating: true });
  });

  test('named ports are resolved per pod: pods with different port numbers go to different slices', async (tc) => {
    const svc = service('web', [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web' }]);
    const t = await setup(tc, {
      services: [svc],
      pods: [
        pod('a', { ip: '10.244.0.11', ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }] }),
        pod('b', { ip: '10.244.0.12', ports: [{ name: 'web', containerPort: 3000, protocol: 'TCP' }] }),
      ],
    });
    assert.deepEqual(await t.sync(), ['create web-*', 'create web-*']);
    const byPort = Object.fromEntries(t.slices().map((s) => [s.ports?.[0]?.port, ips(s)]));
    assert.deepEqual(byPort, { 8080: ['10.244.0.11'], 3000: ['10.244.0.12'] });
  });

  test('at most maxEndpointsPerSlice endpoints a slice; a remainder fills an unchanged slice with room', async (tc) => {
    const pods = Array.from({ length: 7 }, (_, i) => pod(`p${i}`, { ip: `10.244.0.${i + 1}` }));
    const t = await setup(tc, { services: [service('web')], pods }, 3);
    assert.deepEqual(await t.sync(), ['create web-*', 'create web-*', 'create web-*']);
    assert.deepEqual(t.slices().map((s) => s.endpoints?.length).sort(), [1, 3, 3]);
    // One more pod: it goes into the slice that has room, no new slice.
    await t.api.create(PODS, 'default', pod('p7', { ip: '10.244.0.8' }));
    const writes = await t.sync();
    assert.equal(writes.length, 1);
    assert.match(writes[0] ?? '', /^update web-/);
    assert.deepEqual(t.slices().map((s) => s.endpoints?.length).sort(), [2, 3, 3]);
  });

  test('headless: label and hostnames; a service without endpoints keeps one empty placeholder slice', async (tc) => {
    const svc = service('db', [], { clusterIP: 'None', selector: { app: 'db' } });
    const t = await setup(tc, { services: [svc] });
    assert.deepEqual(await t.sync('default/db'), ['create db-*']);
    const placeholder = t.slices()[0];
    assert.deepEqual(placeholder?.endpoints ?? [], []);
    assert.equal(placeholder?.metadata?.labels?.[HEADLESS_LABEL], '');
    assert.deepEqual(await t.sync('default/db'), []);
    // The first pod reuses the placeholder.
    await t.api.create(PODS, 'default', pod('db-0', { app: 'db', ip: '10.244.0.21', hostname: 'db-0', subdomain: 'db' }));
    assert.deepEqual(await t.sync('default/db'), [`update ${placeholder?.metadata?.name ?? ''}`]);
    assert.equal(t.slices()[0]?.endpoints?.[0]?.hostname, 'db-0');
    // And when it goes, the slice becomes the placeholder again.
    await t.api.delete(PODS, 'default', 'db-0');
    assert.deepEqual(await t.sync('default/db'), [`update ${placeholder?.metadata?.name ?? ''}`]);
    assert.deepEqual(t.slices()[0]?.endpoints ?? [], []);
  });

  test('selector-less services get no slices; a deleted service loses its slices', async (tc) => {
    const kubernetes = { ...service('kubernetes'), spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] } };
    const t = await setup(tc, { services: [kubernetes, service('web')], pods: [pod('a')] });
    assert.deepEqual(await t.sync('default/kubernetes'), []);
    await t.sync();
    assert.equal(t.slices().length, 1);
    await t.api.delete(SERVICES, 'default', 'web');
    const name = t.slices()[0]?.metadata?.name ?? '';
    assert.deepEqual(await t.sync(), [`delete ${name}`]);
    assert.equal(t.slices().length, 0);
  });

  test('a stale slice cache does not create the slice twice', async (tc) => {
    const t = await setup(tc, { services: [service('web')], pods: [pod('a')] });
    await t.sync();
    // Sync again before the informer has seen the created slice.
    t.api.clearActions();
    await t.ctrl.sync('default/web');
    await t.ctrl.sync('default/web');
    assert.deepEqual(t.api.writeActions(), []);
    assert.equal(t.slices().length, 1);
  });

  test('slices of an earlier Service with the same name are replaced', async (tc) => {
    const old: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-old00', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: MANAGED_BY }, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-earlier', controller: true }] },
      addressType: 'IPv4',
      endpoints: [],
      ports: [],
    };
    const t = await setup(tc, { services: [service('web')], pods: [pod('a')], slices: [old] });
    assert.deepEqual(await t.sync(), ['create web-*', 'delete web-old00']);
  });
});
