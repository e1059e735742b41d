// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject, validateObjectUpdate } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;
const make = (kind: string, body: Json, namespaced: boolean): KubeObject => {
  const o: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name: 'dev', ...(namespaced ? { namespace: 'dev' } : {}) }, ...body };
  applyDefaults(kind, o);
  return o;
};
const messages = (o: KubeObject, namespaced: boolean): string[] => validateObject(o.kind ?? '', o, { namespaced }).map(fieldErrorMessage);

describe('RBAC validation', () => {
  test('a valid role', () => assert.deepEqual(messages(make('Role', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, true), true), []));
  test('verbs are required', () =>
    assert.deepEqual(messages(make('ClusterRole', { rules: [{ apiGroups: [''], resources: ['pods'] }] }, false), false), [
      'rules[0].verbs: Required value: verbs must contain at least one value',
    ]));
  test('resource rules name groups and resources', () =>
    assert.deepEqual(messages(make('Role', { rules: [{ verbs: ['get'] }] }, true), true), [
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]));
  test('an aggregationRule needs selectors, each a valid label selector', () => {
    const agg = (clusterRoleSelectors: unknown[]) => messages(make('ClusterRole', { aggregationRule: { clusterRoleSelectors } }, false), false);
    assert.deepEqual(agg([{ matchLabels: { 'rbac.example.com/aggregate-to-monitoring': 'true' } }]), []);
    assert.deepEqual(agg([]), ['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil']);
    const bad = agg([{ matchExpressions: [{ key: 'team', operator: 'Within', values: ['a'] }] }]);
    assert.equal(bad.length, 1);
    assert.match(bad[0] ?? '', /^aggregationRule\.clusterRoleSelectors\[0\]\.matchExpressions\[0\]\.operator: /);
  });
  test('a binding gets its apiGroups defaulted and is valid', () => {
    const rb = make('RoleBinding', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jdoe' }] }, true);
    assert.deepEqual(messages(rb, true), []);
    assert.equal((rb['subjects'] as Json[])[0]?.['apiGroup'], 'rbac.authorization.k8s.io');
  });
  test('subject kinds are known', () =>
    assert.deepEqual(messages(make('RoleBinding', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Robot', name: 'r' }] }, true), true), [
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ]));
  test('a cluster binding needs service account namespaces', () =>
    assert.deepEqual(messages(make('ClusterRoleBinding', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }, false), false), [
      'subjects[0].namespace: Required value',
    ]));
  test('roleRef can not change', () => {
    const prev = make('RoleBinding', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [] }, true);
    const next = make('RoleBinding', { roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [] }, true);
    assert.deepEqual(validateObjectUpdate('RoleBinding', next, prev, { namespaced: true }).map(fieldErrorMessage), [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    ]);
  });
});
