// SPDX-License-Identifier: Apache-2.0
// The authorizing layer in front of a real Registry (over MemoryStorage), its RBAC policy
// read from the registry's own caches, as the apiserver wires it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatusError, type KubeObject, type RequestContext, type ResourceRef, type UserInfo } from '@berth/api';
import { Registry } from '@berth/registry';
import { MemoryStorage } from '@berth/storage';
import { AuthorizingBackend } from './authorizing-backend';
import { RbacAuthorizer, withPrivilegedGroup } from './rbac-authorizer';

const RBAC = 'rbac.authorization.k8s.io';
const ref = (resource: string, namespace: string, name = '', group = '', subresource = ''): ResourceRef => ({ group, version: 'v1', resource, namespace, name, subresource });
const as = (user: UserInfo, impersonate?: RequestContext['impersonate']): RequestContext => ({ user, ...(impersonate ? { impersonate } : {}) });

const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const jdoe: UserInfo = { name: 'jdoe', groups: ['devs', 'system:authenticated'] };
const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

let registry: Registry;
let api: AuthorizingBackend;

async function forbidden(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.reason, 'Forbidden');
    assert.equal(e.message, message);
    return true;
  });
}

async function put(resource: string, namespace: string, obj: KubeObject): Promise<void> {
  await api.create(as(admin), ref(resource, namespace, '', resource.includes('role') ? RBAC : ''), obj, {});
}

/** Waits until the registry's cache shows what was just written (RBAC reads the cache). */
async function settle(): Promise<void> {
  await sleep(20);
}

before(async () => {
  const rbac = new RbacAuthorizer({
    clusterRoleBindings: () => registry.store(RBAC, 'clusterrolebindings').listCached(''),
    roleBindings: (ns) => registry.store(RBAC, 'rolebindings').listCached(ns),
    clusterRole: (name) => registry.store(RBAC, 'clusterroles').getCached('', name),
    role: (ns, name) => registry.store(RBAC, 'roles').getCached(ns, name),
  });
  const authorizer = withPrivilegedGroup(rbac);
  registry = new Registry({ storage: new MemoryStorage(), authorizer });
  await registry.start();
  api = new AuthorizingBackend(registry, { authorizer, rules: rbac });
  for (const ns of ['dev', 'jdoe']) await api.create(as(admin), ref('namespaces', ''), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, {});
  const clusterRole = (name: string, rules: unknown[]) => put('clusterroles', '', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules });
  await clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
  await clusterRole('view', [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }]);
  await clusterRole('admin', [
    { apiGroups: [''], resources: ['pods', 'pods/log', 'pods/exec', 'configmaps'], verbs: ALL },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ALL },
    { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ALL },
  ]);
  await clusterRole('system:basic-user', [{ apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] }]);
  const bind = (name: string, namespace: string, role: string, subject: { kind: string; name: string }) =>
    put(namespace ? 'rolebindings' : 'clusterrolebindings', namespace, {
      apiVersion: `${RBAC}/v1`,
      kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { name, ...(namespace ? { namespace } : {}) },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ apiGroup: RBAC, ...subject }],
    });
  await bind('system:basic-user', '', 'system:basic-user', { kind: 'Group', name: 'system:authenticated' });
  await bind('dev', 'dev', 'admin', { kind: 'Group', name: 'devs' });
  await bind('jdoe', 'jdoe', 'cluster-admin', { kind: 'User', name: 'jdoe' });
  await settle();
});
after(() => registry.stop());

describe('AuthorizingBackend', () => {
  test('refusals carry Kubernetes’ Forbidden messages', async () => {
    await forbidden(api.list(as(jdoe), ref('pods', 'default'), {}), 'pods is forbidden: User "jdoe" cannot list pods in the namespace "default"');
    await forbidden(api.list(as(jdoe), ref('pods', ''), {}), 'pods is forbidden: User "jdoe" cannot list pods at the cluster scope');
    await forbidden(api.delete(as(jdoe), ref('deployments', 'default', 'db', 'apps'), {}), 'deployments.apps "db" is forbidden: User "jdoe" cannot delete deployments.apps in the namespace "default"');
    await forbidden(api.get(as(jdoe), ref('nodes', '', 'n1'), {}), 'nodes "n1" is forbidden: User "jdoe" cannot get nodes at the cluster scope');
    await forbidden(api.deleteCollection(as(jdoe), ref('pods', 'default'), {}, {}), 'pods is forbidden: User "jdoe" cannot deletecollection pods in the namespace "default"');
  });

  test('allowed calls reach the registry as the user', async () => {
    const { object } = await api.create(as(jdoe), ref('configmaps', 'dev'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } }, {});
    assert.equal(object.metadata?.name, 'c');
    assert.equal((await api.list(as(jdoe), ref('configmaps', 'dev'), {})).items.length, 1);
    await forbidden(api.list(as(jdoe), ref('configmaps', 'default'), {}), 'configmaps is forbidden: User "jdoe" cannot list configmaps in the namespace "default"');
  });

  test('streams fail on their first read: watch, logs, exec', async () => {
    const first = (it: AsyncIterable<unknown>) => it[Symbol.asyncIterator]().next();
    await forbidden(first(api.watch(as(jdoe), ref('pods', 'default'), {})), 'pods is forbidden: User "jdoe" cannot watch pods in the namespace "default"');
    await forbidden(first(api.logs!(as(jdoe), { namespace: 'default', name: 'web' })), 'pods "web" is forbidden: User "jdoe" cannot get pods/log in the namespace "default"');
    await forbidden(first(api.exec!(as(jdoe), { namespace: 'default', name: 'web', command: ['ls'] }, (async function* () {})())), 'pods "web" is forbidden: User "jdoe" cannot create pods/exec in the namespace "default"');
  });

  test('impersonation: the admin acts as jdoe with only the groups asked for; jdoe may not impersonate', async () => {
    await forbidden(api.list(as(admin, { user: 'jdoe', groups: [] }), ref('pods', 'dev'), {}), 'pods is forbidden: User "jdoe" cannot list pods in the namespace "dev"');
    assert.deepEqual((await api.list(as(admin, { user: 'jdoe', groups: ['devs'] }), ref('pods', 'dev'), {})).items, []);
    await forbidden(api.list(as(jdoe, { user: 'admin', groups: [] }), ref('pods', 'dev'), {}), 'users "admin" is forbidden: User "jdoe" cannot impersonate users at the cluster scope');
    await assert.rejects(api.list(as(admin, { user: '', groups: ['devs'] }), ref('pods', 'dev'), {}), /without impersonating a user/);
  });

  test('a SelfSubjectAccessReview is answered for the caller, or the impersonated user', async () => {
    const review = (verb: string, resource: string, namespace: string, group = '') => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb, resource, namespace, group } },
    });
    const ssar = ref('selfsubjectaccessreviews', '', '', 'authorization.k8s.io');
    const allowed = async (ctx: RequestContext, body: unknown) => ((await api.create(ctx, ssar, body, {})).object['status'] as { allowed: boolean }).allowed;
    assert.equal(await allowed(as(jdoe), review('create', 'deployments', 'dev', 'apps')), true);
    assert.equal(await allowed(as(jdoe), review('*', '*', 'dev')), false);
    assert.equal(await allowed(as(jdoe), review('*', '*', 'jdoe')), true);
    assert.equal(await allowed(as(admin, { user: 'jdoe', groups: [] }), review('create', 'deployments', 'dev', 'apps')), false);
    assert.equal(await allowed(as(admin), review('*', '*', '')), true);
  });

  test('a namespace admin may grant in that namespace what it holds there, and nothing more', async () => {
    const rb = (name: string, namespace: string, role: string) => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'mgandhi' }],
    });
    // jdoe is cluster-admin in namespace jdoe: view is covered there.
    await api.create(as(jdoe), ref('rolebindings', 'jdoe', '', RBAC), rb('mgandhi', 'jdoe', 'view'), {});
    // Through a group, jdoe is admin in dev: admin may be granted, cluster-admin may not.
    await api.create(as(jdoe), ref('rolebindings', 'dev', '', RBAC), rb('mgandhi', 'dev', 'admin'), {});
    await forbidden(
      api.create(as(jdoe), ref('rolebindings', 'dev', '', RBAC), rb('root', 'dev', 'cluster-admin'), {}),
      'rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "jdoe" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
    );
  });

  test('a role may hold only what its writer holds, through create, update and patch', async () => {
    const role = (rules: unknown[]) => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'reader', namespace: 'dev' }, rules });
    const { object } = await api.create(as(jdoe), ref('roles', 'dev', '', RBAC), role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]), {});
    const wider = [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get'] }];
    const message = 'roles.rbac.authorization.k8s.io "reader" is forbidden: user "jdoe" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}';
    await forbidden(api.update(as(jdoe), ref('roles', 'dev', 'reader', RBAC), { ...object, rules: wider }, {}), message);
    await forbidden(api.patch(as(jdoe), ref('roles', 'dev', 'reader', RBAC), 'application/merge-patch+json', { rules: wider }, {}), message);
    assert.deepEqual((await api.get(as(jdoe), ref('roles', 'dev', 'reader', RBAC), {}))['rules'], [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    // A patch within what jdoe holds is written.
    const { object: patched } = await api.patch(as(jdoe), ref('roles', 'dev', 'reader', RBAC), 'application/merge-patch+json', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }, {});
    assert.deepEqual((patched['rules'] as Array<{ verbs: string[] }>)[0]?.verbs, ['get', 'list']);
    // The admin (system:masters) may write anything.
    await api.update(as(admin), ref('roles', 'dev', 'reader', RBAC), { ...patched, rules: wider }, {});
  });
});
