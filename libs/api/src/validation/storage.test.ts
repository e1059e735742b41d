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
  const o: KubeObject = { apiVersion: 'v1', kind, metadata: { name: 'jenkins', ...(namespaced ? { namespace: 'jenkins' } : {}) }, ...body };
  applyDefaults(kind, o);
  return o;
};
const messages = (o: KubeObject, namespaced: boolean): string[] => validateObject(o.kind ?? '', o, { namespaced }).map(fieldErrorMessage);
const pvSpec = (extra: Json = {}): Json => ({ capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' }, ...extra });
const pvcSpec = (extra: Json = {}): Json => ({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra });

describe('PersistentVolume validation', () => {
  test('a valid volume, defaulted to Retain and Filesystem', () => {
    const pv = make('PersistentVolume', { spec: pvSpec() }, false);
    assert.deepEqual(messages(pv, false), []);
    assert.equal((pv['spec'] as Json)['persistentVolumeReclaimPolicy'], 'Retain');
    assert.equal((pv['status'] as Json)['phase'], 'Pending');
  });
  test('access modes are required', () => assert.deepEqual(messages(make('PersistentVolume', { spec: pvSpec({ accessModes: [] }) }, false), false), ['spec.accessModes: Required value']));
  test('a source is required', () =>
    assert.deepEqual(messages(make('PersistentVolume', { spec: pvSpec({ hostPath: undefined }) }, false), false), ['spec: Required value: must specify a volume type']));
  test('capacity is storage only', () =>
    assert.deepEqual(messages(make('PersistentVolume', { spec: pvSpec({ capacity: { storage: '0' } }) }, false), false), [
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
    ]));
  test('access modes are known', () =>
    assert.deepEqual(messages(make('PersistentVolume', { spec: pvSpec({ accessModes: ['ReadWriteAll'] }) }, false), false), [
      'spec.accessModes: Unsupported value: "ReadWriteAll": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]));
});

describe('PersistentVolumeClaim validation', () => {
  test('a valid claim', () => assert.deepEqual(messages(make('PersistentVolumeClaim', { spec: pvcSpec() }, true), true), []));
  test('storage is required', () =>
    assert.deepEqual(messages(make('PersistentVolumeClaim', { spec: pvcSpec({ resources: {} }) }, true), true), ['spec.resources[storage]: Required value']));
  test('access modes are required', () =>
    assert.deepEqual(messages(make('PersistentVolumeClaim', { spec: pvcSpec({ accessModes: [] }) }, true), true), ['spec.accessModes: Required value: at least 1 access mode is required']));
  test('the spec is immutable but for volumeName and a bound claim growing', () => {
    const prev = make('PersistentVolumeClaim', { spec: pvcSpec() }, true);
    const bound = structuredClone(prev);
    (bound['spec'] as Json)['volumeName'] = 'pvc-1';
    (bound['status'] as Json)['phase'] = 'Bound';
    assert.deepEqual(validateObjectUpdate('PersistentVolumeClaim', bound, prev, { namespaced: true }), []);
    const grown = structuredClone(bound);
    (grown['spec'] as Json)['resources'].requests.storage = '2Gi';
    assert.deepEqual(validateObjectUpdate('PersistentVolumeClaim', grown, bound, { namespaced: true }), []);
    const changed = structuredClone(bound);
    (changed['spec'] as Json)['accessModes'] = ['ReadWriteMany'];
    assert.deepEqual(validateObjectUpdate('PersistentVolumeClaim', changed, bound, { namespaced: true }).map(fieldErrorMessage), [
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
  });
});

describe('StorageClass validation', () => {
  const sc = (body: Json): KubeObject => {
    const o: KubeObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, ...body };
    applyDefaults('StorageClass', o);
    return o;
  };
  test('a valid class, defaulted', () => {
    const o = sc({ provisioner: 'kubernetes.io/aws-ebs' });
    assert.deepEqual(messages(o, false), []);
    assert.equal(o['reclaimPolicy'], 'Delete');
    assert.equal(o['volumeBindingMode'], 'Immediate');
  });
  test('a provisioner is required', () => assert.deepEqual(messages(sc({}), false), ['provisioner: Required value']));
  test('the provisioner can not change', () =>
    assert.deepEqual(validateObjectUpdate('StorageClass', sc({ provisioner: 'b' }), sc({ provisioner: 'a' }), { namespaced: false }).map(fieldErrorMessage), [
      'provisioner: Forbidden: updates to provisioner are forbidden.',
    ]));
});
