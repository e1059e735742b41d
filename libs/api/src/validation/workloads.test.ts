// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject, validateObjectUpdate } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;

const template = (labels: Json = { type: 'db', service: 'go-demo-2' }): Json => ({
  metadata: { labels },
  spec: { containers: [{ name: 'db', image: 'mongo:3.3' }] },
});

function workload(kind: string, spec: Json): KubeObject {
  const o: KubeObject = { apiVersion: 'apps/v1', kind, metadata: { name: 'go-demo-2', namespace: 'default' }, spec };
  applyDefaults(kind, o);
  return o;
}

const messages = (o: KubeObject): string[] => validateObject(o.kind ?? '', o, { namespaced: true }).map(fieldErrorMessage);
const selector = { matchLabels: { type: 'db', service: 'go-demo-2' } };

describe('Deployment validation', () => {
  const cases: [string, Json, string[]][] = [
    ['a valid deployment', { selector, template: template() }, []],
    ['replicas may not be negative', { replicas: -1, selector, template: template() }, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['the selector is required', { template: template() }, ['spec.selector: Required value']],
    [
      'the selector must match the template labels',
      { selector: { matchLabels: { type: 'api' } }, template: template({ type: 'db' }) },
      ['spec.template.metadata.labels: Invalid value: map[string]string{"type":"db"}: `selector` does not match template `labels`'],
    ],
    [
      'labels print as a Go map, keys sorted',
      { selector: { matchLabels: { type: 'api' } }, template: template({ type: 'db', service: 'go-demo-2' }) },
      ['spec.template.metadata.labels: Invalid value: map[string]string{"service":"go-demo-2", "type":"db"}: `selector` does not match template `labels`'],
    ],
    [
      'an empty selector is invalid',
      { selector: {}, template: template() },
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    ],
    [
      'maxSurge must be a percent or a number',
      { selector, template: template(), strategy: { rollingUpdate: { maxSurge: 'abc' } } },
      [
        `spec.strategy.rollingUpdate.maxSurge: Invalid value: "abc": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      ],
    ],
    [
      'maxSurge and maxUnavailable may not both be 0',
      { selector, template: template(), strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'maxUnavailable may not exceed 100%',
      { selector, template: template(), strategy: { rollingUpdate: { maxUnavailable: '120%' } } },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'],
    ],
    [
      'Recreate takes no rollingUpdate',
      { selector, template: template(), strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } },
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'the strategy type is Recreate or RollingUpdate',
      { selector, template: template(), strategy: { type: 'BlueGreen' } },
      ['spec.strategy: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'progressDeadlineSeconds exceeds minReadySeconds',
      { selector, template: template(), minReadySeconds: 60, progressDeadlineSeconds: 60 },
      ['spec.progressDeadlineSeconds: Invalid value: 60: must be greater than minReadySeconds'],
    ],
    [
      'template pods restart Always',
      { selector, template: { ...template(), spec: { ...template()['spec'], restartPolicy: 'Never' } } },
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'template containers are validated',
      { selector, template: { ...template(), spec: { containers: [{ name: 'db' }] } } },
      ['spec.template.spec.containers[0].image: Required value'],
    ],
  ];
  for (const [name, spec, want] of cases) test(name, () => assert.deepEqual(messages(workload('Deployment', spec)), want));
});

describe('ReplicaSet, StatefulSet, DaemonSet and ReplicationController validation', () => {
  test('a ReplicaSet selector must match', () =>
    assert.deepEqual(messages(workload('ReplicaSet', { selector: { matchLabels: { type: 'x' } }, template: template() })), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"service":"go-demo-2", "type":"db"}: `selector` does not match template `labels`',
    ]));
  test('ReplicaSet replicas may not be negative', () =>
    assert.deepEqual(messages(workload('ReplicaSet', { replicas: -2, selector, template: template() })), ['spec.replicas: Invalid value: -2: must be greater than or equal to 0']));
  test('a valid StatefulSet', () => assert.deepEqual(messages(workload('StatefulSet', { selector, serviceName: 'db', template: template() })), []));
  test('StatefulSet podManagementPolicy', () =>
    assert.deepEqual(messages(workload('StatefulSet', { selector, podManagementPolicy: 'Random', template: template() })), [
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ]));
  test('a valid DaemonSet', () => assert.deepEqual(messages(workload('DaemonSet', { selector, template: template() })), []));
  test('a DaemonSet may not surge and be unavailable at once', () =>
    assert.deepEqual(messages(workload('DaemonSet', { selector, template: template(), updateStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })), [
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    ]));
  test('a ReplicationController gets its selector from the template', () => {
    const rc: KubeObject = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { template: template() } };
    applyDefaults('ReplicationController', rc);
    assert.deepEqual(messages(rc), []);
    assert.deepEqual((rc['spec'] as Json)['selector'], { type: 'db', service: 'go-demo-2' });
  });
  test('a ReplicationController selector must match', () => {
    const rc: KubeObject = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { app: 'x' }, template: template() } };
    applyDefaults('ReplicationController', rc);
    assert.deepEqual(messages(rc), ['spec.template.metadata.labels: Invalid value: map[string]string{"service":"go-demo-2", "type":"db"}: `selector` does not match template `labels`']);
  });
});

describe('workload updates', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) {
    test(`${kind} selector is immutable`, () => {
      const prev = workload(kind, { selector, template: template() });
      const next = workload(kind, { selector: { matchLabels: { type: 'db' } }, template: template() });
      assert.deepEqual(validateObjectUpdate(kind, next, prev, { namespaced: true }).map(fieldErrorMessage), [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"type":"db"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      ]);
    });
  }
  test('a Deployment template and replicas may change', () => {
    const prev = workload('Deployment', { selector, template: template() });
    const next = workload('Deployment', { replicas: 5, selector, template: { ...template(), spec: { containers: [{ name: 'db', image: 'mongo:3.4' }] } } });
    assert.deepEqual(validateObjectUpdate('Deployment', next, prev, { namespaced: true }), []);
  });
  test('a StatefulSet may only change its listed fields', () => {
    const prev = workload('StatefulSet', { selector, serviceName: 'db', template: template() });
    const next = workload('StatefulSet', { selector, serviceName: 'other', replicas: 3, template: template() });
    assert.deepEqual(validateObjectUpdate('StatefulSet', next, prev, { namespaced: true }).map(fieldErrorMessage), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
});
