// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;
const make = (kind: string, spec: Json): KubeObject => {
  const o: KubeObject = { apiVersion: 'v1', kind, metadata: { name: 'x', namespace: 'test' }, spec };
  applyDefaults(kind, o);
  return o;
};
const messages = (o: KubeObject): string[] => validateObject(o.kind ?? '', o, { namespaced: true }).map(fieldErrorMessage);

describe('LimitRange validation', () => {
  test("the book's limit range is valid", () =>
    assert.deepEqual(
      messages(
        make('LimitRange', {
          limits: [{ type: 'Container', default: { memory: '50Mi', cpu: 0.2 }, defaultRequest: { memory: '30Mi', cpu: 0.05 }, max: { memory: '80Mi', cpu: 0.5 }, min: { memory: '10Mi', cpu: 0.01 } }],
        }),
      ),
      [],
    ));
  test('min above max', () =>
    assert.deepEqual(messages(make('LimitRange', { limits: [{ type: 'Container', min: { memory: '100Mi' }, max: { memory: '80Mi' } }] })), [
      'spec.limits[0].min[memory]: Invalid value: 100Mi: min value 100Mi is greater than max value 80Mi',
      'spec.limits[0].defaultRequest[memory]: Invalid value: 80Mi: min value 100Mi is greater than default request value 80Mi',
      'spec.limits[0].default[memory]: Invalid value: 100Mi: min value 100Mi is greater than default value 80Mi',
    ]));
  test('types are known', () =>
    assert.deepEqual(messages(make('LimitRange', { limits: [{ type: 'Node', max: { cpu: '1' } }] })), [
      'spec.limits[0].type: Unsupported value: "Node": supported values: "Container", "PersistentVolumeClaim", "Pod"',
    ]));
  test('defaults come from max', () => {
    const lr = make('LimitRange', { limits: [{ type: 'Container', max: { memory: '80Mi' } }] });
    const item = (lr['spec'] as Json)['limits'][0];
    assert.deepEqual(item.default, { memory: '80Mi' });
    assert.deepEqual(item.defaultRequest, { memory: '80Mi' });
  });
});

describe('ResourceQuota validation', () => {
  test("the book's quota is valid", () =>
    assert.deepEqual(
      messages(make('ResourceQuota', { hard: { 'requests.cpu': 0.8, 'requests.memory': '500Mi', 'limits.cpu': 1, 'limits.memory': '1Gi', pods: 10, 'services.nodeports': '0' } })),
      [],
    ));
  test('resource names are standard', () =>
    assert.deepEqual(messages(make('ResourceQuota', { hard: { gpus: '1' } })), ['spec.hard[gpus]: Invalid value: "gpus": must be a standard resource for quota']));
  test('object counts are integers', () => assert.deepEqual(messages(make('ResourceQuota', { hard: { pods: '1.5' } })), ['spec.hard[pods]: Invalid value: "1500m": must be an integer']));
});
