// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors';
import { parseFieldSelector } from './field-selector';
import { assertFieldsSupported, objectFields, supportedFields } from './object-fields';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db', namespace: 'default' },
  spec: { nodeName: 'node-1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', containers: [] },
  status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }], nominatedNodeName: '' },
};

describe('objectFields', () => {
  test('Pod', () => {
    assert.deepEqual(objectFields('Pod', pod), {
      'metadata.name': 'db',
      'metadata.namespace': 'default',
      'spec.nodeName': 'node-1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.5',
      'status.nominatedNodeName': '',
    });
  });

  test('an unscheduled pod has an empty spec.nodeName', () => {
    const f = objectFields('Pod', { kind: 'Pod', metadata: { name: 'p' }, spec: {} });
    assert.equal(f['spec.nodeName'], '');
    assert.equal(f['metadata.namespace'], '');
    assert.equal(parseFieldSelector('spec.nodeName=').matches(f), true);
    assert.equal(parseFieldSelector('status.phase!=Running').matches(f), true);
  });

  const cases: [kind: string, o: Record<string, unknown>, want: Record<string, string>][] = [
    ['Node', { metadata: { name: 'n1' }, spec: { unschedulable: true } }, { 'metadata.name': 'n1', 'metadata.namespace': '', 'spec.unschedulable': 'true' }],
    ['Node', { metadata: { name: 'n2' } }, { 'metadata.name': 'n2', 'metadata.namespace': '', 'spec.unschedulable': 'false' }],
    ['Secret', { metadata: { name: 's', namespace: 'ns' }, type: 'Opaque' }, { 'metadata.name': 's', 'metadata.namespace': 'ns', type: 'Opaque' }],
    ['Namespace', { metadata: { name: 'dev' }, status: { phase: 'Active' } }, { 'metadata.name': 'dev', 'metadata.namespace': '', 'status.phase': 'Active' }],
    ['ReplicaSet', { metadata: { name: 'rs', namespace: 'd' }, status: { replicas: 3 } }, { 'metadata.name': 'rs', 'metadata.namespace': 'd', 'status.replicas': '3' }],
    ['ReplicationController', { metadata: { name: 'rc', namespace: 'd' } }, { 'metadata.name': 'rc', 'metadata.namespace': 'd', 'status.replicas': '0' }],
    ['Job', { metadata: { name: 'j', namespace: 'd' }, status: { succeeded: 1 } }, { 'metadata.name': 'j', 'metadata.namespace': 'd', 'status.successful': '1' }],
    ['ConfigMap', { metadata: { name: 'cm', namespace: 'd' }, data: { a: 'b' } }, { 'metadata.name': 'cm', 'metadata.namespace': 'd' }],
    [
      'Event',
      {
        metadata: { name: 'db.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'db', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{db}' },
        reason: 'Pulled',
        source: { component: 'kubelet', host: 'n1' },
        reportingComponent: '',
        type: 'Normal',
      },
      {
        'metadata.name': 'db.1',
        'metadata.namespace': 'default',
        'involvedObject.kind': 'Pod',
        'involvedObject.namespace': 'default',
        'involvedObject.name': 'db',
        'involvedObject.uid': 'u1',
        'involvedObject.apiVersion': 'v1',
        'involvedObject.resourceVersion': '7',
        'involvedObject.fieldPath': 'spec.containers{db}',
        reason: 'Pulled',
        reportingComponent: '',
        source: 'kubelet',
        type: 'Normal',
      },
    ],
  ];
  for (const [kind, o, want] of cases) {
    test(`${kind} ${JSON.stringify(o.metadata)}`, () => {
      assert.deepEqual(objectFields(kind, o), want);
      // Every field produced is one the kind declares as supported.
      assert.deepEqual(Object.keys(want).sort(), supportedFields(kind).sort());
    });
  }

  test('an event without source falls back to the reporting controller', () => {
    const f = objectFields('Event', { metadata: { name: 'e' }, reportingComponent: 'deployment-controller' });
    assert.equal(f.source, 'deployment-controller');
    assert.equal(f.reportingComponent, 'deployment-controller');
  });
});

describe('supportedFields and assertFieldsSupported', () => {
  test('lists per kind', () => {
    assert.ok(supportedFields('Pod').includes('status.phase'));
    assert.deepEqual(supportedFields('Deployment'), ['metadata.name', 'metadata.namespace']);
  });

  const cases: [kind: string, selector: string, error?: string][] = [
    ['Pod', 'status.phase=Running,spec.nodeName=n1'],
    ['Pod', 'metadata.name=db'],
    ['Pod', 'foo=bar', 'field label not supported: foo'],
    ['Node', 'spec.unschedulable=false'],
    ['Node', 'status.phase=x', 'field label not supported: status.phase'],
    ['Deployment', 'metadata.namespace=default'],
    ['Deployment', 'spec.replicas=1', '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'],
  ];
  for (const [kind, selector, error] of cases) {
    test(`${kind} ${selector} ${error ? 'is rejected' : 'is accepted'}`, () => {
      const sel = parseFieldSelector(selector);
      if (!error) assertFieldsSupported(kind, sel);
      else assert.throws(() => assertFieldsSupported(kind, sel), (e: unknown) => e instanceof StatusError && e.reason === 'BadRequest' && e.message === error);
    });
  }
});
