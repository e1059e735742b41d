// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasPatchMeta, patchMetaFor, type FieldPatchMeta } from './patch-meta';

const PODSPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  PodTemplate: ['template', 'spec'],
};

const m = (mergeKey?: string): FieldPatchMeta => (mergeKey ? { strategy: 'merge', mergeKey } : { strategy: 'merge' });

/** Pod-spec-relative path → expected meta. */
const POD_SPEC_FIELDS: [string[], FieldPatchMeta | undefined][] = [
  [['containers'], m('name')],
  [['initContainers'], m('name')],
  [['ephemeralContainers'], m('name')],
  [['containers', 'ports'], m('containerPort')],
  [['containers', 'env'], m('name')],
  [['containers', 'volumeMounts'], m('mountPath')],
  [['containers', 'volumeDevices'], m('devicePath')],
  [['initContainers', 'env'], m('name')],
  [['volumes'], { strategy: 'merge,retainKeys', mergeKey: 'name' }],
  [['imagePullSecrets'], m('name')],
  [['tolerations'], { strategy: 'replace' }],
  [['hostAliases'], m('ip')],
  [['containers', 'image'], undefined],
  [['containers', 'envFrom'], { strategy: 'replace' }],
  [['affinity'], undefined],
];

describe('patchMetaFor: pod templates of every workload', () => {
  for (const [kind, prefix] of Object.entries(PODSPEC_PATHS)) {
    for (const [rel, want] of POD_SPEC_FIELDS) {
      const path = [...prefix, ...rel];
      test(`${kind} ${path.join('.')}`, () => assert.deepEqual(patchMetaFor(kind, path), want));
    }
  }
});

describe('patchMetaFor: other fields', () => {
  const cases: [string, string[], FieldPatchMeta | undefined][] = [
    ['Deployment', ['metadata', 'ownerReferences'], m('uid')],
    ['Pod', ['metadata', 'finalizers'], m()],
    ['Deployment', ['spec', 'template', 'metadata', 'finalizers'], m()],
    ['Deployment', ['spec', 'strategy'], { strategy: 'retainKeys' }],
    ['Deployment', ['status', 'conditions'], m('type')],
    ['ReplicaSet', ['status', 'conditions'], m('type')],
    ['Pod', ['status', 'conditions'], m('type')],
    ['Pod', ['status', 'containerStatuses'], { strategy: 'replace' }],
    ['Node', ['status', 'conditions'], m('type')],
    ['Node', ['status', 'addresses'], m('type')],
    ['Node', ['spec', 'taints'], { strategy: 'replace' }],
    ['Service', ['spec', 'ports'], m('port')],
    ['Endpoints', ['subsets'], { strategy: 'replace' }],
    ['Secret', ['data'], m()],
    ['ConfigMap', ['data'], m()],
    ['Role', ['rules'], { strategy: 'replace' }],
    ['ClusterRole', ['rules'], { strategy: 'replace' }],
    ['Service', ['spec', 'clusterIP'], undefined],
    ['Deployment', ['spec', 'replicas'], undefined],
    ['Deployment', ['nope', 'deeper'], undefined],
    ['Widget', ['spec', 'containers'], undefined],
  ];
  for (const [kind, path, want] of cases) {
    test(`${kind} ${path.join('.')}`, () => assert.deepEqual(patchMetaFor(kind, path), want));
  }
});

describe('hasPatchMeta', () => {
  for (const kind of ['Pod', 'Deployment', 'Service', 'ConfigMap', 'Namespace', 'Ingress', 'HorizontalPodAutoscaler']) {
    test(`${kind} is served strategically`, () => assert.equal(hasPatchMeta(kind), true));
  }
  for (const kind of ['Widget', 'CustomResourceDefinitionThing', '', 'constructor', 'toString']) {
    test(`${JSON.stringify(kind)} is not`, () => {
      assert.equal(hasPatchMeta(kind), false);
      assert.equal(patchMetaFor(kind, ['spec']), undefined);
    });
  }
});
