// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { resourceFor } from '@berth/api';
import { DEPLOYMENTS, NAMESPACES, PODS } from '../shared/resources';
import { ControllerFixture } from '../shared/test-fixture';
import { deletableNamespacedResources, NamespaceController, type Namespace } from './namespace-controller';

let f: ControllerFixture;
afterEach(() => f.stop());

// FakeApi removes an object with a deletionTimestamp on its next write unless metadata.finalizers
// hold it (it does not know the registry's spec.finalizers rule), so a metadata finalizer
// keeps the namespace visible for the assertions.
const terminating = (name: string): Namespace => ({
  kind: 'Namespace',
  metadata: { name, deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['test.berth.dev/hold'] },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Terminating' },
});

describe('NamespaceController', () => {
  test('empties a terminating namespace, then removes the kubernetes finalizer', async () => {
    f = new ControllerFixture();
    f.api.seed(NAMESPACES, terminating('dev'), { kind: 'Namespace', metadata: { name: 'prod' }, spec: { finalizers: ['kubernetes'] } });
    f.api.seed(PODS, { kind: 'Pod', metadata: { name: 'p', namespace: 'dev' } }, { kind: 'Pod', metadata: { name: 'q', namespace: 'prod' } });
    f.api.seed(DEPLOYMENTS, { kind: 'Deployment', metadata: { name: 'd', namespace: 'dev' } });
    const c = new NamespaceController({
      client: f.api,
      namespaces: f.informer(NAMESPACES),
      resources: [resourceFor('apps', 'deployments'), resourceFor('', 'pods')].filter((r) => r !== undefined),
    });
    await f.start();
    await c.sync('prod');
    assert.deepEqual(f.api.writeActions(), [], 'an active namespace is left alone');
    await c.sync('dev');
    const writes = f.api.writeActions().map((a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`);
    assert.deepEqual(writes, ['deletecollection deployments', 'deletecollection pods', 'update namespaces/status', 'update namespaces']);
    assert.deepEqual(f.api.stored<Namespace>(NAMESPACES, '', 'dev')?.spec?.finalizers, []);
    assert.equal(f.api.storedAll(PODS).length, 1, 'the other namespace keeps its pod');
    const conds = f.api.stored<Namespace>(NAMESPACES, '', 'dev')?.status?.conditions ?? [];
    assert.equal(conds.find((x) => x.type === 'NamespaceContentRemaining')?.status, 'False');
  });

  test('content that stays (finalizers) is reported in the conditions and the namespace waits', async () => {
    f = new ControllerFixture();
    f.api.seed(NAMESPACES, terminating('dev'));
    f.api.seed(PODS, { kind: 'Pod', metadata: { name: 'p', namespace: 'dev', finalizers: ['example.com/hold'] } });
    const c = new NamespaceController({ client: f.api, namespaces: f.informer(NAMESPACES), resources: [resourceFor('', 'pods')].filter((r) => r !== undefined), requeueMs: 60_000 });
    await f.start();
    await c.sync('dev');
    const ns = f.api.stored<Namespace>(NAMESPACES, '', 'dev');
    assert.deepEqual(ns?.spec?.finalizers, ['kubernetes']);
    const remaining = ns?.status?.conditions?.find((x) => x.type === 'NamespaceContentRemaining');
    assert.equal(remaining?.status, 'True');
    assert.equal(remaining?.message, 'Some resources are remaining: pods. has 1 resource instances');
    assert.equal(ns?.status?.conditions?.find((x) => x.type === 'NamespaceFinalizersRemaining')?.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    c.queue.shutDown();
  });

  test('a failing deletion sets NamespaceDeletionContentFailure and retries', async () => {
    f = new ControllerFixture();
    f.api.seed(NAMESPACES, terminating('dev'));
    f.api.seed(PODS, { kind: 'Pod', metadata: { name: 'p', namespace: 'dev' } });
    f.api.prependReactor('deletecollection', 'pods', () => {
      throw new Error('etcd is down');
    });
    const c = new NamespaceController({ client: f.api, namespaces: f.informer(NAMESPACES), resources: [resourceFor('', 'pods')].filter((r) => r !== undefined) });
    await f.start();
    await assert.rejects(c.sync('dev'), /etcd is down/);
    const failure = f.api.stored<Namespace>(NAMESPACES, '', 'dev')?.status?.conditions?.find((x) => x.type === 'NamespaceDeletionContentFailure');
    assert.equal(failure?.status, 'True');
    assert.equal(failure?.reason, 'ContentDeletionFailed');
  });

  test('deletes every namespaced kind but events', () => {
    const names = deletableNamespacedResources().map((r) => r.resource);
    assert.ok(names.includes('pods') && names.includes('deployments') && names.includes('secrets'));
    assert.ok(!names.includes('events'));
    assert.ok(!names.includes('nodes') && !names.includes('bindings'));
  });
});
