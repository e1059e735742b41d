// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { alreadyExists, forbidden } from '@berth/api';
import type { coreV1 } from '@berth/api-types';
import { NAMESPACES, SERVICE_ACCOUNTS } from '../shared/resources';
import { ControllerFixture } from '../shared/test-fixture';
import { ServiceAccountsController, type ServiceAccount } from './serviceaccounts-controller';

let f: ControllerFixture;
afterEach(() => f.stop());

const ns = (name: string, extra: Partial<coreV1.NamespaceJson> = {}): coreV1.NamespaceJson => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...extra });

async function setup(): Promise<ServiceAccountsController> {
  const c = new ServiceAccountsController({ client: f.api, namespaces: f.informer(NAMESPACES), serviceAccounts: f.informer(SERVICE_ACCOUNTS) });
  await f.start();
  return c;
}

describe('ServiceAccountsController', () => {
  test('a new namespace gets a default service account', async () => {
    f = new ControllerFixture();
    f.api.seed(NAMESPACES, ns('dev', { status: { phase: 'Active' } }));
    const c = await setup();
    assert.equal(c.queue.len(), 1, 'the namespace was queued');
    await c.sync('dev');
    const sa = f.api.stored<ServiceAccount>(SERVICE_ACCOUNTS, 'dev', 'default');
    assert.equal(sa?.metadata?.namespace, 'dev');
    assert.equal(sa?.kind, 'ServiceAccount');
    await f.settle();
    await c.sync('dev');
    assert.equal(f.api.writeActions().length, 1, 'an existing default account is left alone');
  });

  test('the default service account comes back after it is deleted', async () => {
    f = new ControllerFixture();
    f.api.seed(NAMESPACES, ns('dev'));
    f.api.seed(SERVICE_ACCOUNTS, { kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'dev' } });
    const c = await setup();
    await c.sync('dev');
    assert.deepEqual(f.api.writeActions(), []);
    await f.api.delete(SERVICE_ACCOUNTS, 'dev', 'default');
    await f.settle();
    assert.equal(c.queue.len(), 1, 'the deletion queued the namespace');
    await c.sync('dev');
    assert.ok(f.api.stored(SERVICE_ACCOUNTS, 'dev', 'default'));
  });

  test('AlreadyExists (stale cache) and a namespace that started terminating are not errors', async () => {
    f = new ControllerFixture();
    f.api.seed(NAMESPACES, ns('dev'), ns('late'));
    const c = await setup();
    f.api.prependReactor('create', 'serviceaccounts', (a) => {
      if (a.namespace === 'dev') throw alreadyExists({ resource: 'serviceaccounts', name: 'default' });
      throw forbidden({ resource: 'serviceaccounts', name: 'default' }, 'unable to create new content in namespace late because it is being terminated');
    });
    await c.sync('dev');
    await c.sync('late');
    f.api.prependReactor('create', 'serviceaccounts', () => {
      throw forbidden({ resource: 'serviceaccounts', name: 'default' }, 'quota exceeded');
    });
    await assert.rejects(c.sync('dev'), /quota exceeded/, 'other errors are retried');
  });

  test('a terminating namespace gets none', async () => {
    f = new ControllerFixture();
    f.api.seed(
      NAMESPACES,
      ns('going', { metadata: { name: 'going', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['test.berth.dev/hold'] }, status: { phase: 'Terminating' } }),
      ns('phase-only', { status: { phase: 'Terminating' } }),
    );
    const c = await setup();
    await c.sync('going');
    await c.sync('phase-only');
    await c.sync('missing');
    assert.deepEqual(f.api.writeActions(), []);
  });
});
