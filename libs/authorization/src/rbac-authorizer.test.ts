// SPDX-License-Identifier: Apache-2.0
// The RBAC evaluator over a policy in memory, with the book's chapter 12 bindings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuthorizationAttributes, KubeObject, UserInfo } from '@berth/api';
import { RbacAuthorizer, withPrivilegedGroup, type PolicySource } from './rbac-authorizer';

const RBAC = 'rbac.authorization.k8s.io';

function clusterRole(name: string, rules: unknown[]): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name }, rules };
}
function role(namespace: string, name: string, rules: unknown[]): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules };
}
function binding(name: string, namespace: string, roleRef: { kind: string; name: string }, subjects: unknown[]): KubeObject {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: namespace ? { name, namespace } : { name },
    roleRef: { apiGroup: RBAC, ...roleRef },
    subjects,
  };
}
const user = (name: string) => ({ kind: 'User', apiGroup: RBAC, name });

/** A policy held in arrays: what the apiserver's watch caches hold. */
function policy(objects: KubeObject[]): PolicySource {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusterRoleBindings: () => of('ClusterRoleBinding'),
    roleBindings: (ns) => of('RoleBinding').filter((b) => b.metadata?.namespace === ns),
    clusterRole: (name) => of('ClusterRole').find((r) => r.metadata?.name === name),
    role: (ns, name) => of('Role').find((r) => r.metadata?.name === name && r.metadata?.namespace === ns),
  };
}

const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const BASE = [
  clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
  clusterRole('view', [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] }, { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] }]),
  clusterRole('admin', [
    { apiGroups: [''], resources: ['pods', 'pods/exec', 'pods/log'], verbs: ALL_VERBS },
    { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ALL_VERBS },
    { apiGroups: [RBAC], resources: ['rolebindings', 'roles'], verbs: ALL_VERBS },
  ]),
  // auth/crb-release-manager.yml
  clusterRole('release-manager', [
    { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/log', 'pods/status'], verbs: ['*'] },
    { apiGroups: ['', 'apps', 'extensions'], resources: ['deployments', 'replicasets'], verbs: ['create', 'get', 'list', 'update', 'watch'] },
  ]),
];

function can(objects: KubeObject[], who: UserInfo, verb: string, resource: string, namespace: string, more: Partial<AuthorizationAttributes> = {}): boolean {
  const attrs: AuthorizationAttributes = { user: who, verb, resourceRequest: true, apiGroup: '', resource, subresource: '', namespace, name: '', path: '', ...more };
  return new RbacAuthorizer(policy([...BASE, ...objects])).authorize(attrs).allowed;
}

const jdoe: UserInfo = { name: 'jdoe', groups: ['system:authenticated'] };
const jdoeDev: UserInfo = { name: 'jdoe', groups: ['devs', 'system:authenticated'] };

describe('RbacAuthorizer, the book’s chapter 12', () => {
  test('a user nothing is bound to may do nothing', () => {
    assert.equal(can([], jdoe, 'get', 'pods', 'default'), false);
    assert.equal(can([], jdoe, 'list', 'pods', ''), false);
  });

  test('a RoleBinding to view: pods in its namespace only, read only', () => {
    const rb = [binding('jdoe', 'default', { kind: 'ClusterRole', name: 'view' }, [user('jdoe')])];
    assert.equal(can(rb, jdoe, 'get', 'pods', 'default'), true);
    assert.equal(can(rb, jdoe, 'list', 'pods', ''), false, 'all namespaces need a ClusterRoleBinding');
    assert.equal(can(rb, jdoe, 'get', 'pods', 'kube-system'), false);
    assert.equal(can(rb, jdoe, 'delete', 'pods', 'default'), false);
    assert.equal(can(rb, jdoe, 'list', 'deployments', 'default', { apiGroup: 'apps' }), true);
    assert.equal(can(rb, jdoe, 'list', 'deployments', 'default'), false, 'the group is part of the match');
  });

  test('a ClusterRoleBinding to view: every namespace', () => {
    const crb = [binding('view', '', { kind: 'ClusterRole', name: 'view' }, [user('jdoe')])];
    assert.equal(can(crb, jdoe, 'get', 'pods', ''), true);
    assert.equal(can(crb, jdoe, 'get', 'pods', 'kube-system'), true);
  });

  test('admin in dev: deployments yes, "*" "*" no; cluster-admin in jdoe: "*" "*" yes', () => {
    const rbs = [
      binding('dev', 'dev', { kind: 'ClusterRole', name: 'admin' }, [user('jdoe')]),
      binding('jdoe', 'jdoe', { kind: 'ClusterRole', name: 'cluster-admin' }, [user('jdoe')]),
    ];
    assert.equal(can(rbs, jdoe, 'create', 'deployments', 'dev', { apiGroup: 'apps' }), true);
    assert.equal(can(rbs, jdoe, 'delete', 'deployments', 'dev', { apiGroup: 'apps' }), true);
    assert.equal(can(rbs, jdoe, '*', '*', 'dev'), false);
    assert.equal(can(rbs, jdoe, '*', '*', 'jdoe'), true);
    assert.equal(can(rbs, jdoe, '*', '*', 'default'), false);
  });

  test('release-manager: "*" on pods and their subresources, deployments without delete', () => {
    const rb = [binding('release-manager', 'default', { kind: 'ClusterRole', name: 'release-manager' }, [user('jdoe')])];
    assert.equal(can(rb, jdoe, '*', 'pods', 'default'), true);
    assert.equal(can(rb, jdoe, 'create', 'pods', 'default', { subresource: 'exec', name: 'x' }), true);
    assert.equal(can(rb, jdoe, 'create', 'deployments', 'default', { apiGroup: 'apps' }), true);
    assert.equal(can(rb, jdoe, 'delete', 'deployments', 'default', { apiGroup: 'apps' }), false);
    assert.equal(can(rb, jdoe, 'create', 'pods', 'default', { subresource: 'portforward', name: 'x' }), false);
  });

  test('groups from the certificate grant; impersonating the user alone carries none', () => {
    const groups = [binding('dev', 'dev', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'Group', apiGroup: RBAC, name: 'devs' }])];
    assert.equal(can(groups, jdoeDev, 'create', 'deployments', 'dev', { apiGroup: 'apps' }), true);
    assert.equal(can(groups, jdoe, 'create', 'deployments', 'dev', { apiGroup: 'apps' }), false);
  });
});

describe('RbacAuthorizer', () => {
  const sa: UserInfo = { name: 'system:serviceaccount:ci:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] };

  test('a ServiceAccount subject without a namespace means the binding’s', () => {
    const rb = [binding('b', 'ci', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'builder' }])];
    assert.equal(can(rb, sa, 'list', 'pods', 'ci'), true);
    const other = [binding('b', 'ci', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'builder', namespace: 'prod' }])];
    assert.equal(can(other, sa, 'list', 'pods', 'ci'), false);
  });

  test('a Role grants in its own namespace; resourceNames restrict to those objects', () => {
    const objs = [
      role('ci', 'one-cm', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get', 'update'] }]),
      binding('b', 'ci', { kind: 'Role', name: 'one-cm' }, [user('jdoe')]),
    ];
    assert.equal(can(objs, jdoe, 'get', 'configmaps', 'ci', { name: 'settings' }), true);
    assert.equal(can(objs, jdoe, 'get', 'configmaps', 'ci', { name: 'other' }), false);
    assert.equal(can(objs, jdoe, 'list', 'configmaps', 'ci'), false, 'a list has no name, so a named rule does not match');
  });

  test('non-resource URLs match exactly or by a trailing *', () => {
    const objs = [
      clusterRole('health', [{ nonResourceURLs: ['/healthz', '/api/*'], verbs: ['get'] }]),
      binding('health', '', { kind: 'ClusterRole', name: 'health' }, [{ kind: 'Group', name: 'system:authenticated' }]),
    ];
    const path = (p: string) => can(objs, jdoe, 'get', '', '', { resourceRequest: false, path: p });
    assert.equal(path('/healthz'), true);
    assert.equal(path('/api/v1'), true);
    assert.equal(path('/metrics'), false);
  });

  test('the reason names the binding, role and subject', () => {
    const rbac = new RbacAuthorizer(policy([...BASE, binding('jdoe', 'default', { kind: 'ClusterRole', name: 'view' }, [user('jdoe')])]));
    const d = rbac.authorize({ user: jdoe, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'pods', subresource: '', namespace: 'default', name: 'x', path: '' });
    assert.deepEqual(d, { allowed: true, reason: 'RBAC: allowed by RoleBinding "jdoe/default" of ClusterRole "view" to User "jdoe"' });
  });

  test('rulesFor lists the namespace’s and the cluster’s rules, and says when a role is missing', () => {
    const rbac = new RbacAuthorizer(
      policy([
        ...BASE,
        binding('jdoe', 'default', { kind: 'ClusterRole', name: 'view' }, [user('jdoe')]),
        binding('gone', '', { kind: 'ClusterRole', name: 'no-such-role' }, [user('jdoe')]),
      ]),
    );
    const rules = rbac.rulesFor(jdoe, 'default');
    assert.deepEqual(rules.resourceRules.map((r) => r.resources.join(',')), ['pods,services', 'deployments']);
    assert.equal(rules.incomplete, true);
    assert.equal(rules.evaluationError, 'clusterrole.rbac.authorization.k8s.io "no-such-role" not found');
    assert.deepEqual(rbac.rulesFor(jdoe, 'kube-system').resourceRules, []);
  });

  test('system:masters may do anything, bound or not', () => {
    const rbac = withPrivilegedGroup(new RbacAuthorizer(policy([])));
    const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
    assert.equal(rbac.authorize({ user: admin, verb: 'delete', resourceRequest: true, apiGroup: '', resource: 'nodes', subresource: '', namespace: '', name: 'n1', path: '' }).allowed, true);
    assert.equal(rbac.authorize({ user: jdoe, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'pods', subresource: '', namespace: 'default', name: '', path: '' }).allowed, false);
  });
});
