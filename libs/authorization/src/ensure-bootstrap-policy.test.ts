// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject, ResourceRef } from '@berth/api';
import { Registry } from '@berth/registry';
import { MemoryStorage } from '@berth/storage';
import { ensureBootstrapPolicy } from './ensure-bootstrap-policy';

const RBAC = 'rbac.authorization.k8s.io';
const ref = (resource: string, name = ''): ResourceRef => ({ group: RBAC, version: 'v1', resource, namespace: '', name, subresource: '' });
const meta = (name: string, autoupdate = true) => ({ name, ...(autoupdate ? { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } } : {}) });
const role = (name: string, resources: string[], extra: Record<string, unknown> = {}, autoupdate = true): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRole',
  metadata: meta(name, autoupdate),
  rules: [{ apiGroups: [''], resources, verbs: ['get'] }],
  ...extra,
});
const binding = (name: string, users: string[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: meta(name),
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
  subjects: users.map((u) => ({ apiGroup: RBAC, kind: 'User', name: u })),
});

let registry: Registry;
before(async () => {
  registry = new Registry({ storage: new MemoryStorage() });
  await registry.start();
});
after(() => registry.stop());

const get = (resource: string, name: string) => registry.get({}, ref(resource, name), {});
const resourcesOf = (o: KubeObject) => (o['rules'] as Array<{ resources: string[] }>).map((r) => r.resources.join(','));

describe('ensureBootstrapPolicy', () => {
  test('creates what is missing, and a second start changes nothing', async () => {
    await ensureBootstrapPolicy(registry, [role('reader', ['pods'])], [binding('reader', ['a'])]);
    const first = await get('clusterroles', 'reader');
    assert.deepEqual(resourcesOf(first), ['pods']);
    await ensureBootstrapPolicy(registry, [role('reader', ['pods'])], [binding('reader', ['a'])]);
    assert.equal((await get('clusterroles', 'reader')).metadata?.resourceVersion, first.metadata?.resourceVersion);
  });

  test('an autoupdate role gets the permissions it lacks and keeps what a user added', async () => {
    const current = await get('clusterroles', 'reader');
    await registry.update({}, ref('clusterroles', 'reader'), { ...current, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }, {});
    await ensureBootstrapPolicy(registry, [role('reader', ['pods'])], []);
    assert.deepEqual(resourcesOf(await get('clusterroles', 'reader')), ['pods', 'configmaps']);
  });

  test('a role without autoupdate, or an aggregated one, is left as it is', async () => {
    await registry.create({}, ref('clusterroles'), role('mine', ['secrets'], {}, false), {});
    await registry.create({}, ref('clusterroles'), role('agg', ['secrets'], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } }), {});
    await ensureBootstrapPolicy(registry, [role('mine', ['pods']), role('agg', ['pods'])], []);
    assert.deepEqual(resourcesOf(await get('clusterroles', 'mine')), ['secrets']);
    assert.deepEqual(resourcesOf(await get('clusterroles', 'agg')), ['secrets']);
  });

  test('an autoupdate binding gets the subjects it lacks', async () => {
    await ensureBootstrapPolicy(registry, [], [binding('reader', ['a', 'b'])]);
    assert.deepEqual((await get('clusterrolebindings', 'reader'))['subjects'], [
      { apiGroup: RBAC, kind: 'User', name: 'a' },
      { apiGroup: RBAC, kind: 'User', name: 'b' },
    ]);
  });
});
