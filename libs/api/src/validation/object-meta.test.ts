// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage, invalid } from '../errors';
import type { LabelSelector, ObjectMeta } from '../object';
import { isDns1035Label } from './names';
import { validateLabelSelector, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './object-meta';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const msgs = (errs: ReturnType<typeof validateObjectMeta>): string[] => errs.map(fieldErrorMessage);

describe('validateObjectMeta', () => {
  const ns = { namespaced: true };
  const cluster = { namespaced: false };
  const cases: [name: string, meta: ObjectMeta | undefined, opts: Parameters<typeof validateObjectMeta>[1], want: string[]][] = [
    ['valid namespaced', { name: 'go-demo', namespace: 'default', labels: { app: 'web' } }, ns, []],
    ['valid cluster-scoped', { name: 'node-1' }, cluster, []],
    ['generateName only', { generateName: 'web-', namespace: 'default' }, ns, []],
    ['missing name', { namespace: 'default' }, ns, ['metadata.name: Required value: name or generateName is required']],
    ['no metadata', undefined, ns, ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value']],
    ['bad name', { name: 'Go_Demo', namespace: 'default' }, ns, [`metadata.name: Invalid value: "Go_Demo": ${SUBDOMAIN_MSG}`]],
    ['bad generateName', { generateName: 'Web-', namespace: 'default' }, ns, [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`]],
    ['missing namespace', { name: 'a' }, ns, ['metadata.namespace: Required value']],
    ['bad namespace', { name: 'a', namespace: 'my.ns' }, ns, ['metadata.namespace: Invalid value: "my.ns": must not contain dots']],
    ['bad namespace chars', { name: 'a', namespace: 'Dev' }, ns, [`metadata.namespace: Invalid value: "Dev": ${LABEL_MSG}`]],
    ['namespace on cluster-scoped', { name: 'n', namespace: 'default' }, cluster, ['metadata.namespace: Forbidden: not allowed on this type']],
    ['negative generation', { name: 'a', generation: -1 }, cluster, ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    ['bad label value', { name: 'db', namespace: 'd', labels: { vendor: 'Mongo Labs' } }, ns, [`metadata.labels: Invalid value: "Mongo Labs": ${LABEL_VALUE_MSG}`]],
    ['bad label key', { name: 'db', namespace: 'd', labels: { 'a b': 'x' } }, ns, [`metadata.labels: Invalid value: "a b": ${NAME_PART_MSG}`]],
    ['annotation key is case-insensitive', { name: 'a', annotations: { 'Example.COM/Note': 'x' } }, cluster, []],
    ['bad annotation key', { name: 'a', annotations: { 'a/b/c': 'x' } }, cluster, [
      `metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]],
    ['annotations too large', { name: 'a', annotations: { big: 'x'.repeat(262142) } }, cluster, ['metadata.annotations: Too long: must have at most 262144 bytes']],
    ['annotations at the limit', { name: 'a', annotations: { big: 'x'.repeat(262141) } }, cluster, []],
    ['custom name validator', { name: 'go.demo', namespace: 'd' }, { namespaced: true, nameValidator: isDns1035Label }, [
      `metadata.name: Invalid value: "go.demo": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]],
    ['owner reference complete', { name: 'p', namespace: 'd', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] }, ns, []],
    ['owner reference missing fields', { name: 'p', namespace: 'd', ownerReferences: [{ apiVersion: 'apps/' }] }, ns, [
      'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]],
    ['two controllers', { name: 'p', namespace: 'd', ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ] }, ns, [
      'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"a","uid":"1","controller":true},{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    ]],
    ['event as owner', { name: 'p', namespace: 'd', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' }] }, ns, [
      'metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"1"}: /v1, Kind=Event is disallowed from being an owner',
    ]],
    ['finalizers', { name: 'a', finalizers: ['kubernetes.io/pvc-protection', 'foregroundDeletion'] }, cluster, []],
    ['bad finalizer', { name: 'a', finalizers: ['bad finalizer'] }, cluster, [`metadata.finalizers: Invalid value: "bad finalizer": ${NAME_PART_MSG}`]],
    ['conflicting finalizers', { name: 'a', finalizers: ['orphan', 'foregroundDeletion'] }, cluster, [
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]],
  ];
  for (const [name, meta, opts, want] of cases) {
    test(name, () => assert.deepEqual(msgs(validateObjectMeta(meta, opts)), want));
  }

  test('a custom path and the Invalid status message', () => {
    const errs = validateObjectMeta({ name: 'Go_Demo', namespace: 'default' }, { namespaced: true }, 'spec.template.metadata');
    assert.deepEqual(msgs(errs), [`spec.template.metadata.name: Invalid value: "Go_Demo": ${SUBDOMAIN_MSG}`]);
    const e = invalid({ resource: 'pods', kind: 'Pod', name: 'Go_Demo' }, validateObjectMeta({ name: 'Go_Demo', namespace: 'default' }, { namespaced: true }));
    assert.equal(e.message, `Pod "Go_Demo" is invalid: metadata.name: Invalid value: "Go_Demo": ${SUBDOMAIN_MSG}`);
  });
});

describe('validateObjectMetaUpdate', () => {
  const prev: ObjectMeta = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', generation: 2, creationTimestamp: '2024-01-01T00:00:00Z' };
  const cases: [name: string, next: ObjectMeta, prev: ObjectMeta, want: string[]][] = [
    ['unchanged', { ...prev }, prev, []],
    ['labels added', { ...prev, labels: { app: 'web' } }, prev, []],
    ['server-set fields omitted', { name: 'web', namespace: 'default' }, prev, []],
    ['rename', { ...prev, name: 'web2' }, prev, ['metadata.name: Invalid value: "web2": field is immutable']],
    ['move namespace', { ...prev, namespace: 'prod' }, prev, ['metadata.namespace: Invalid value: "prod": field is immutable']],
    ['new uid', { ...prev, uid: 'u2' }, prev, ['metadata.uid: Invalid value: "u2": field is immutable']],
    ['new creationTimestamp', { ...prev, creationTimestamp: '2025-01-01T00:00:00Z' }, prev, ['metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable']],
    ['generation decremented', { ...prev, generation: 1 }, prev, ['metadata.generation: Invalid value: 1: must not be decremented']],
    ['bad label on update', { ...prev, labels: { vendor: 'Mongo Labs' } }, prev, [`metadata.labels: Invalid value: "Mongo Labs": ${LABEL_VALUE_MSG}`]],
    [
      'finalizer added while deleting',
      { ...prev, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x', 'b.io/y'] },
      { ...prev, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x'] },
      ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}'],
    ],
    [
      'finalizer removed while deleting',
      { ...prev, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: [] },
      { ...prev, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x'] },
      [],
    ],
  ];
  for (const [name, next, old, want] of cases) {
    test(name, () => assert.deepEqual(msgs(validateObjectMetaUpdate(next, old)), want));
  }
});

describe('validateLabels', () => {
  test('each bad key and value is reported at the map path', () => {
    assert.deepEqual(msgs(validateLabels({ ok: 'fine', 'bad key': 'Mongo Labs' }, 'spec.selector')), [
      `spec.selector: Invalid value: "bad key": ${NAME_PART_MSG}`,
      `spec.selector: Invalid value: "Mongo Labs": ${LABEL_VALUE_MSG}`,
    ]);
    assert.deepEqual(validateLabels(undefined, 'x'), []);
  });
});

describe('validateLabelSelector', () => {
  const path = 'spec.selector';
  const cases: [name: string, sel: LabelSelector | undefined, want: string[]][] = [
    ['undefined', undefined, []],
    ['matchLabels', { matchLabels: { type: 'backend', service: 'go-demo-2' } }, []],
    ['In with values', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] }, []],
    ['Exists without values', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, []],
    ['In without values', { matchExpressions: [{ key: 'tier', operator: 'In' }] }, ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    ['NotIn with empty values', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: [] }] }, ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
    ['DoesNotExist with values', { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] }, ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]],
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, ['spec.selector.matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator']],
    ['bad key', { matchExpressions: [{ key: '-a', operator: 'Exists' }] }, [`spec.selector.matchExpressions[0].key: Invalid value: "-a": ${NAME_PART_MSG}`]],
    [
      'bad value in second expression',
      { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'In', values: ['ok', 'Mongo Labs'] }] },
      [`spec.selector.matchExpressions[1].values[1]: Invalid value: "Mongo Labs": ${LABEL_VALUE_MSG}`],
    ],
    ['bad matchLabels value', { matchLabels: { vendor: 'Mongo Labs' } }, [`spec.selector.matchLabels: Invalid value: "Mongo Labs": ${LABEL_VALUE_MSG}`]],
  ];
  for (const [name, sel, want] of cases) {
    test(name, () => assert.deepEqual(msgs(validateLabelSelector(sel, path)), want));
  }
});
