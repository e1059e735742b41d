// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { StatusError } from '../errors';
import { schemaFromTypes, type TypeTable } from './patch-meta';
import {
  applyStrategicMergePatch,
  applyStrategicMergePatchWithSchema,
  createStrategicMergePatch,
  createStrategicMergePatchWithSchema,
} from './strategic-merge-patch';

/** The shape strategicpatch's own tests use (MergeItem), so cases can be checked against k8s'. */
const MERGE_ITEM_TYPES: TypeTable = {
  MergeItem: {
    mergingList: { meta: { strategy: 'merge', mergeKey: 'name' }, type: 'MergeItem' },
    nonMergingList: { type: 'MergeItem' },
    mergingIntList: { meta: { strategy: 'merge' } },
    nonMergingIntList: {},
    mergeItemPtr: { meta: { strategy: 'merge', mergeKey: 'name' }, type: 'MergeItem' },
    simpleMap: {},
    replacingItem: { meta: { strategy: 'replace' } },
    retainKeysMap: { meta: { strategy: 'retainKeys' }, type: 'RetainKeysMergeItem' },
    retainKeysMergingList: { meta: { strategy: 'merge,retainKeys', mergeKey: 'name' }, type: 'MergeItem' },
  },
  RetainKeysMergeItem: {
    mergingIntList: { meta: { strategy: 'merge' } },
    mergingList: { meta: { strategy: 'merge', mergeKey: 'name' }, type: 'MergeItem' },
    nonMergingList: { type: 'MergeItem' },
  },
};
const mergeItem = schemaFromTypes(MERGE_ITEM_TYPES, 'MergeItem');

const y = (s: string): Record<string, unknown> => (parse(s) as Record<string, unknown> | null) ?? {};

function statusErrorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

interface TwoWayCase {
  name: string;
  original: string;
  modified: string;
  /** The patch Kubernetes generates. */
  twoWay: string;
  /** Applying twoWay to original; defaults to modified. */
  result?: string;
}

// Cases restated from k8s.io/apimachinery strategicpatch tests (MergeItem schema).
const twoWayCases: TwoWayCase[] = [
  { name: 'nil patch', original: 'name: 1', modified: 'name: 1', twoWay: '{}' },
  { name: 'add field to map', original: 'name: 1', modified: 'name: 1\nvalue: 1', twoWay: 'value: 1' },
  { name: 'add field and delete field', original: 'name: 1', modified: 'value: 1', twoWay: 'name: null\nvalue: 1' },
  {
    name: 'delete field from nested map',
    original: 'simpleMap: {key1: 1, key2: 1}',
    modified: 'simpleMap: {key1: 1}',
    twoWay: 'simpleMap: {key2: null}',
  },
  {
    name: 'replace list of scalars',
    original: 'nonMergingIntList: [1, 2]',
    modified: 'nonMergingIntList: [2, 3]',
    twoWay: 'nonMergingIntList: [2, 3]',
  },
  {
    name: 'delete all maps from merging list',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    modified: 'mergingList: []',
    twoWay: 'mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
  },
  { name: 'merge empty merging lists', original: 'mergingList: []', modified: 'mergingList: []', twoWay: '{}' },
  {
    name: 'defined null values are sent and then dropped',
    original: 'name: 2',
    modified: 'name: 1\nvalue: 1\nother: null',
    twoWay: 'name: 1\nvalue: 1\nother: null',
    result: 'name: 1\nvalue: 1',
  },
  {
    name: 'delete items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3]',
    modified: 'mergingIntList: [1, 2]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
  },
  {
    name: 'add and delete items in lists of scalars',
    original: 'mergingIntList: [1, 2, 3]',
    modified: 'mergingIntList: [1, 2, 4]',
    twoWay: '$setElementOrder/mergingIntList: [1, 2, 4]\n$deleteFromPrimitiveList/mergingIntList: [3]\nmergingIntList: [4]',
  },
  {
    name: 'merge lists of maps (new items keep the modified order)',
    original: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 4, value: 4}, {name: 1}, {name: 2, value: 2}, {name: 3, value: 3}]',
    twoWay: `
$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]`,
  },
  {
    name: 'add field to map in merging list',
    original: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList: [{name: 1, value: 1}]',
  },
  {
    name: 'delete map from merging list',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    modified: 'mergingList: [{name: 2}]',
    twoWay: '$setElementOrder/mergingList: [{name: 2}]\nmergingList: [{name: 1, $patch: delete}]',
  },
  {
    name: 'add map and delete map from merging list',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    modified: 'mergingList: [{name: 2}, {name: 3}]',
    twoWay: '$setElementOrder/mergingList: [{name: 2}, {name: 3}]\nmergingList: [{name: 3}, {name: 1, $patch: delete}]',
  },
  {
    name: 'delete field from map in merging list',
    original: 'mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    twoWay: '$setElementOrder/mergingList: [{name: 1}, {name: 2}]\nmergingList: [{name: 1, value: null}]',
  },
  {
    name: 'replace non merging list nested in merging list',
    original: 'mergingList: [{name: 1, nonMergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2}]',
    modified: 'mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}, {name: 2}]',
    twoWay: `
$setElementOrder/mergingList: [{name: 1}, {name: 2}]
mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]`,
  },
  {
    name: 'reorder only',
    original: 'mergingList: [{name: a, value: a}, {name: b, value: b}]',
    modified: 'mergingList: [{name: b, value: b}, {name: a, value: a}]',
    twoWay: '$setElementOrder/mergingList: [{name: b}, {name: a}]',
  },
  {
    name: 'delete and reorder in one list, reorder in another',
    original: `
mergingList: [{name: a, value: a}, {name: b, value: b}]
mergeItemPtr: [{name: c, value: c}, {name: d, value: d}]`,
    modified: `
mergingList: [{name: b, value: b}]
mergeItemPtr: [{name: d, value: d}, {name: c, value: c}]`,
    twoWay: `
$setElementOrder/mergingList: [{name: b}]
$setElementOrder/mergeItemPtr: [{name: d}, {name: c}]
mergingList: [{$patch: delete, name: a}]`,
  },
  {
    name: 'retainKeys map changes a field and clears the others',
    original: 'retainKeysMap: {name: foo, value: a}',
    modified: 'retainKeysMap: {name: foo, other: b}',
    twoWay: 'retainKeysMap: {$retainKeys: [name, other], value: null, other: b}',
  },
  {
    name: 'retainKeys map with no change is not in the patch',
    original: 'name: a\nretainKeysMap: {name: foo}',
    modified: 'name: a\nvalue: b\nretainKeysMap: {name: foo}',
    twoWay: 'value: b',
  },
  {
    name: 'retainKeys list of maps deletes a field',
    original: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
    modified: 'retainKeysMergingList: [{name: bar}, {name: foo}]',
    twoWay: `
$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
retainKeysMergingList: [{$retainKeys: [name], name: foo, value: null}]`,
  },
  {
    name: 'replacing strategy map is sent whole',
    original: 'replacingItem: {a: 1, b: 2}',
    modified: 'replacingItem: {a: 1}',
    twoWay: 'replacingItem: {a: 1}',
  },
];

describe('createStrategicMergePatch and apply: k8s MergeItem cases', () => {
  for (const c of twoWayCases) {
    test(c.name, () => {
      const original = y(c.original);
      const modified = y(c.modified);
      const patch = createStrategicMergePatchWithSchema(original, modified, mergeItem);
      assert.deepEqual(patch, y(c.twoWay), 'two-way patch');
      const result = applyStrategicMergePatchWithSchema(original, patch, mergeItem);
      assert.deepEqual(result, y(c.result ?? c.modified), 'applied result');
    });
  }
});

interface ApplyCase {
  name: string;
  original: string;
  patch: string;
  result: string;
}

const applyCases: ApplyCase[] = [
  { name: 'unique scalars when merging lists', original: 'mergingIntList: [1, 2]', patch: 'mergingIntList: [2, 3]', result: 'mergingIntList: [1, 2, 3]' },
  { name: 'delete map from nested map', original: 'simpleMap: {key1: 1, key2: 1}', patch: 'simpleMap: {$patch: delete}', result: 'simpleMap: {}' },
  { name: 'delete all items from merging list', original: 'mergingList: [{name: 1}, {name: 2}]', patch: 'mergingList: [{$patch: replace}]', result: 'mergingList: []' },
  { name: 'delete all keys from map', original: 'name: 1\nvalue: 1', patch: '$patch: replace', result: '{}' },
  { name: 'add key and delete all keys from map', original: 'name: 1\nvalue: 1', patch: 'other: a\n$patch: replace', result: 'other: a' },
  {
    name: 'delete all duplicate entries in a merging list',
    original: 'mergingList: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]',
    patch: 'mergingList: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]',
    result: 'mergingList: [{name: 2, value: a}]',
  },
  { name: 'retainKeys map can add a field without directive', original: 'retainKeysMap: {name: foo}', patch: 'retainKeysMap: {value: bar}', result: 'retainKeysMap: {name: foo, value: bar}' },
  { name: 'retainKeys map merges an empty map', original: 'retainKeysMap: {name: foo, value: a}', patch: 'retainKeysMap: {}', result: 'retainKeysMap: {name: foo, value: a}' },
  {
    name: 'retainKeys directive clears unlisted fields',
    original: 'retainKeysMap: {name: foo, value: a, other: x}',
    patch: 'retainKeysMap: {$retainKeys: [name, value], value: b}',
    result: 'retainKeysMap: {name: foo, value: b}',
  },
  {
    name: 'preserve the order from the patch in a merging list',
    original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]',
    result: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]',
  },
  {
    name: 'server-only items keep their place among patch items',
    original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: 'mergingList: [{name: 3, value: c}, {name: 1, value: a}]',
    result: 'mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]',
  },
  { name: 'preserve the order of a merging int list', original: 'mergingIntList: [1, 2, 3]', patch: 'mergingIntList: [3, 1]', result: 'mergingIntList: [2, 3, 1]' },
  {
    name: '$setElementOrder with an item not in the list',
    original: 'mergingList: [{name: 1}, {name: 3}]',
    patch: '$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}]\nmergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
    result: 'mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
  },
  {
    name: '$setElementOrder alone reorders an int list',
    original: 'mergingIntList: [1, 3]',
    patch: '$setElementOrder/mergingIntList: [3, 2, 1]',
    result: 'mergingIntList: [3, 1]',
  },
  { name: '$deleteFromPrimitiveList of a missing item', original: 'mergingIntList: [1, 2]', patch: '$deleteFromPrimitiveList/mergingIntList: [3]', result: 'mergingIntList: [1, 2]' },
  { name: '$deleteFromPrimitiveList on an absent list adds nothing', original: 'foo: [bar]', patch: '$deleteFromPrimitiveList/mergingIntList: [3]', result: 'foo: [bar]' },
  { name: '$deleteFromPrimitiveList on a list without merge strategy', original: 'nonMergingIntList: [1, 2, 3]', patch: '$deleteFromPrimitiveList/nonMergingIntList: [2]', result: 'nonMergingIntList: [1, 3]' },
  {
    name: 'new items go before server-only items when the patch has no order',
    original: 'name: hi\nmergingList: [{name: hello2}]',
    patch: 'mergingList: [{name: hello}, {$patch: delete, name: doesntexist}]',
    result: 'name: hi\nmergingList: [{name: hello}, {name: hello2}]',
  },
  {
    name: 'a new list drops delete directives and nulls',
    original: 'name: hi',
    patch: 'mergingList: [{name: hello, value: null}, {$patch: delete, name: gone}]',
    result: 'name: hi\nmergingList: [{name: hello}]',
  },
  { name: 'unmatched nulls are ignored', original: 'name: 1', patch: 'value: null', result: 'name: 1' },
  { name: 'type change replaces the value', original: 'simpleMap: {a: 1}', patch: 'simpleMap: text', result: 'simpleMap: text' },
];

describe('applyStrategicMergePatch: k8s MergeItem cases', () => {
  for (const c of applyCases) {
    test(c.name, () => {
      assert.deepEqual(applyStrategicMergePatchWithSchema(y(c.original), y(c.patch), mergeItem), y(c.result));
    });
  }
});

describe('applyStrategicMergePatch: malformed patches', () => {
  const cases: { name: string; original: string; patch: string; reason: string; message: RegExp }[] = [
    { name: 'missing merge key', original: 'mergingList: [{name: 1, value: a}]', patch: 'mergingList: [{value: b}]', reason: 'BadRequest', message: /does not contain declared merge key: name/ },
    { name: '$patch: merge in a list', original: 'mergingList: [{name: 1}]', patch: 'mergingList: [{$patch: merge}]', reason: 'BadRequest', message: /merging lists cannot yet be specified/ },
    { name: 'unknown $patch on a map', original: 'name: 1', patch: '$patch: frobnicate', reason: 'BadRequest', message: /unknown patch type: frobnicate/ },
    { name: 'unknown $patch in a list', original: 'mergingList: [{name: 1}]', patch: 'mergingList: [{name: 1, $patch: frob}]', reason: 'BadRequest', message: /unknown patch type: frob/ },
    {
      name: '$setElementOrder that contradicts the patch list',
      original: 'mergingList: [{name: 1}, {name: 3}, {name: 2}]',
      patch: '$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]\nmergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
      reason: 'BadRequest',
      message: /doesn't match \$setElementOrder list/,
    },
    { name: '$retainKeys that omits a patched field', original: 'retainKeysMap: {name: a}', patch: 'retainKeysMap: {$retainKeys: [name], value: b}', reason: 'BadRequest', message: /invalid patch format of retainKeys/ },
    { name: '$retainKeys that is not a list', original: 'retainKeysMap: {name: a}', patch: 'retainKeysMap: {$retainKeys: name}', reason: 'BadRequest', message: /invalid patch format of retainKeys/ },
    { name: 'list of lists', original: 'mergingIntList: [[1]]', patch: 'mergingIntList: [[2]]', reason: 'Invalid', message: /lists of lists are not supported/ },
    { name: 'mixed element types', original: 'mergingIntList: [1]', patch: 'mergingIntList: [a]', reason: 'BadRequest', message: /list element types are not identical/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const err = statusErrorOf(() => applyStrategicMergePatchWithSchema(y(c.original), y(c.patch), mergeItem));
      assert.equal(err.reason, c.reason);
      assert.match(err.message, c.message);
    });
  }

  test('a patch that is not an object is rejected', () => {
    const err = statusErrorOf(() => applyStrategicMergePatch({ metadata: {} }, [1, 2], 'Pod'));
    assert.equal(err.reason, 'BadRequest');
  });
});

// ---- real kinds ----------------------------------------------------------------------------

const deployment = (): Record<string, unknown> =>
  y(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api, tier: backend}
  finalizers: [a.example.com/x]
spec:
  replicas: 3
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: vfarcic/go-demo-2:1.0
        env: [{name: DB, value: db}, {name: PORT, value: "8080"}]
        ports: [{containerPort: 8080}]
      - name: sidecar
        image: busybox:1
      volumes:
      - name: cache
        emptyDir: {}
      tolerations: [{key: a, operator: Exists}]
`);

interface KindCase {
  name: string;
  kind: string;
  doc: () => Record<string, unknown>;
  patch: string;
  /** Expected document, as a change applied to a fresh doc(). */
  expect: (d: any) => void;
}

const kindCases: KindCase[] = [
  {
    name: 'container image change by name keeps the other containers',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: sidecar, image: busybox:2}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers[1].image = 'busybox:2';
    },
  },
  {
    // Without $setElementOrder, k8s puts patch items before the server-only ones.
    name: 'env var added by name (first, as k8s orders it)',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: api, env: [{name: LOG, value: debug}]}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers[0].env.unshift({ name: 'LOG', value: 'debug' });
    },
  },
  {
    name: 'env var added by name with $setElementOrder goes where the order says',
    kind: 'Deployment',
    doc: deployment,
    patch: `
spec: {template: {spec: {containers: [{name: api,
  $setElementOrder/env: [{name: DB}, {name: PORT}, {name: LOG}],
  env: [{name: LOG, value: debug}]}]}}}`,
    expect: (d) => {
      d.spec.template.spec.containers[0].env.push({ name: 'LOG', value: 'debug' });
    },
  },
  {
    name: 'env var changed by name',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: api, env: [{name: PORT, value: "9090"}]}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers[0].env[1].value = '9090';
    },
  },
  {
    name: 'env var removed with $patch: delete',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: api, env: [{name: DB, $patch: delete}]}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers[0].env.splice(0, 1);
    },
  },
  {
    name: '$patch: delete removes a container',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: sidecar, $patch: delete}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers.splice(1, 1);
    },
  },
  {
    name: '$setElementOrder reorders containers',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {$setElementOrder/containers: [{name: sidecar}, {name: api}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers.reverse();
    },
  },
  {
    name: 'null deletes a label, other labels stay',
    kind: 'Deployment',
    doc: deployment,
    patch: 'metadata: {labels: {tier: null, track: stable}}',
    expect: (d) => {
      delete d.metadata.labels.tier;
      d.metadata.labels.track = 'stable';
    },
  },
  {
    name: 'container ports merge by containerPort',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: api, ports: [{containerPort: 8080, name: http}, {containerPort: 9090}]}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers[0].ports = [{ containerPort: 8080, name: 'http' }, { containerPort: 9090 }];
    },
  },
  {
    name: 'tolerations have no merge key: replaced',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {tolerations: [{key: b, operator: Exists}]}}}',
    expect: (d) => {
      d.spec.template.spec.tolerations = [{ key: 'b', operator: 'Exists' }];
    },
  },
  {
    name: 'command has no merge strategy: replaced',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: api, command: [sleep, "1"]}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers[0].command = ['sleep', '1'];
    },
  },
  {
    name: 'finalizers merge as a set',
    kind: 'Deployment',
    doc: deployment,
    patch: 'metadata: {finalizers: [b.example.com/y, a.example.com/x]}',
    expect: (d) => {
      d.metadata.finalizers = ['b.example.com/y', 'a.example.com/x'];
    },
  },
  {
    name: 'finalizer removed with $deleteFromPrimitiveList',
    kind: 'Deployment',
    doc: deployment,
    patch: 'metadata: {$deleteFromPrimitiveList/finalizers: [a.example.com/x]}',
    expect: (d) => {
      d.metadata.finalizers = [];
    },
  },
  {
    name: 'Deployment strategy $retainKeys drops rollingUpdate when switching to Recreate',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {strategy: {$retainKeys: [type], type: Recreate}}',
    expect: (d) => {
      d.spec.strategy = { type: 'Recreate' };
    },
  },
  {
    name: 'volume $retainKeys swaps the volume source',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {volumes: [{name: cache, $retainKeys: [configMap, name], configMap: {name: cfg}}]}}}',
    expect: (d) => {
      d.spec.template.spec.volumes = [{ name: 'cache', configMap: { name: 'cfg' } }];
    },
  },
  {
    name: 'a $patch: replace list replaces the containers',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {spec: {containers: [{name: only, image: x}, {$patch: replace}]}}}',
    expect: (d) => {
      d.spec.template.spec.containers = [{ name: 'only', image: 'x' }];
    },
  },
  {
    name: 'a $patch: replace map replaces the pod template labels',
    kind: 'Deployment',
    doc: deployment,
    patch: 'spec: {template: {metadata: {labels: {app: api2, $patch: replace}}}}',
    expect: (d) => {
      d.spec.template.metadata.labels = { app: 'api2' };
    },
  },
  {
    name: 'directives in a value the object lacks are applied, not stored',
    kind: 'Deployment',
    doc: () => y('kind: Deployment\nspec: {replicas: 1}'),
    patch: 'spec: {strategy: {$retainKeys: [type], type: Recreate, rollingUpdate: null}, template: {spec: {containers: [{name: a, image: x, env: [{name: GONE, $patch: delete}]}]}}}',
    expect: (d) => {
      d.spec.strategy = { type: 'Recreate' };
      d.spec.template = { spec: { containers: [{ name: 'a', image: 'x', env: [] }] } };
    },
  },
  {
    name: 'Pod containers live under spec',
    kind: 'Pod',
    doc: () => y('kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: a:1}, {name: b, image: b:1}]}'),
    patch: 'spec: {containers: [{name: a, image: a:2}]}',
    expect: (d) => {
      d.spec.containers[0].image = 'a:2';
    },
  },
  {
    name: 'Pod status conditions merge by type',
    kind: 'Pod',
    doc: () => y('kind: Pod\nstatus: {conditions: [{type: Ready, status: "False"}, {type: PodScheduled, status: "True"}]}'),
    patch: 'status: {conditions: [{type: Ready, status: "True"}]}',
    expect: (d) => {
      d.status.conditions[0].status = 'True';
    },
  },
  {
    name: 'CronJob job template containers merge by name',
    kind: 'CronJob',
    doc: () => y('kind: CronJob\nspec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a:1}, {name: b, image: b:1}]}}}}}'),
    patch: 'spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: b, image: b:2}]}}}}}',
    expect: (d) => {
      d.spec.jobTemplate.spec.template.spec.containers[1].image = 'b:2';
    },
  },
  {
    name: 'Service ports merge by port',
    kind: 'Service',
    doc: () => y('kind: Service\nspec: {ports: [{port: 80, targetPort: 8080}, {port: 443, targetPort: 8443}]}'),
    patch: 'spec: {ports: [{port: 443, nodePort: 30443}]}',
    expect: (d) => {
      d.spec.ports[1].nodePort = 30443;
    },
  },
  {
    name: 'Node addresses merge by type',
    kind: 'Node',
    doc: () => y('kind: Node\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.1}, {type: Hostname, address: n1}]}'),
    patch: 'status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}',
    expect: (d) => {
      d.status.addresses[0].address = '10.0.0.2';
    },
  },
  {
    name: 'ownerReferences merge by uid',
    kind: 'ReplicaSet',
    doc: () => y('kind: ReplicaSet\nmetadata: {ownerReferences: [{uid: u1, name: a, controller: true}]}'),
    patch: 'metadata: {ownerReferences: [{uid: u2, name: b}]}',
    expect: (d) => {
      d.metadata.ownerReferences = [{ uid: 'u2', name: 'b' }, { uid: 'u1', name: 'a', controller: true }];
    },
  },
  {
    name: 'Endpoints subsets are replaced',
    kind: 'Endpoints',
    doc: () => y('kind: Endpoints\nsubsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]'),
    patch: 'subsets: [{addresses: [{ip: 10.0.0.2}], ports: [{port: 80}]}]',
    expect: (d) => {
      d.subsets[0].addresses[0].ip = '10.0.0.2';
    },
  },
  {
    name: 'ConfigMap data merges as a map',
    kind: 'ConfigMap',
    doc: () => y('kind: ConfigMap\ndata: {a: "1", b: "2"}'),
    patch: 'data: {b: null, c: "3"}',
    expect: (d) => {
      d.data = { a: '1', c: '3' };
    },
  },
  {
    name: 'Role rules are replaced',
    kind: 'Role',
    doc: () => y('kind: Role\nrules: [{apiGroups: [""], resources: [pods], verbs: [get]}]'),
    patch: 'rules: [{apiGroups: [""], resources: [services], verbs: [list]}]',
    expect: (d) => {
      d.rules = [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }];
    },
  },
  {
    name: 'unknown kind: JSON merge patch (lists replaced)',
    kind: 'Widget',
    doc: () => y('kind: Widget\nspec: {items: [{name: a}, {name: b}], keep: 1}'),
    patch: 'spec: {items: [{name: b, size: 2}]}',
    expect: (d) => {
      d.spec.items = [{ name: 'b', size: 2 }];
    },
  },
];

describe('applyStrategicMergePatch: served kinds', () => {
  for (const c of kindCases) {
    test(c.name, () => {
      const doc = c.doc();
      const want = c.doc();
      c.expect(want);
      assert.deepEqual(applyStrategicMergePatch(doc, y(c.patch), c.kind), want);
    });
  }

  test('neither the document nor the patch is modified', () => {
    const doc = deployment();
    const patch = y('spec: {template: {spec: {containers: [{name: sidecar, $patch: delete}], $setElementOrder/containers: [{name: api}]}}}');
    const docBefore = structuredClone(doc);
    const patchBefore = structuredClone(patch);
    applyStrategicMergePatch(doc, patch, 'Deployment');
    assert.deepEqual(doc, docBefore);
    assert.deepEqual(patch, patchBefore);
  });
});

describe('createStrategicMergePatch: served kinds', () => {
  test('changing one container image sends only that container, with $setElementOrder', () => {
    const original = deployment();
    const modified = deployment() as any;
    modified.spec.template.spec.containers[0].image = 'vfarcic/go-demo-2:2.0';
    const patch = createStrategicMergePatch(original, modified, 'Deployment');
    assert.deepEqual(patch, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'api' }, { name: 'sidecar' }],
            containers: [{ name: 'api', image: 'vfarcic/go-demo-2:2.0' }],
          },
        },
      },
    });
  });

  test('removing an env var sends a delete directive; the patch round-trips', () => {
    const original = deployment();
    const modified = deployment() as any;
    modified.spec.template.spec.containers[0].env = [{ name: 'PORT', value: '8080' }];
    const patch = createStrategicMergePatch(original, modified, 'Deployment');
    assert.deepEqual((patch as any).spec.template.spec.containers, [
      { name: 'api', env: [{ name: 'DB', $patch: 'delete' }], '$setElementOrder/env': [{ name: 'PORT' }] },
    ]);
    assert.deepEqual(applyStrategicMergePatch(original, patch, 'Deployment'), modified);
  });

  test('switching the strategy to Recreate sends $retainKeys', () => {
    const original = deployment();
    const modified = deployment() as any;
    modified.spec.strategy = { type: 'Recreate' };
    const patch = createStrategicMergePatch(original, modified, 'Deployment');
    assert.deepEqual((patch as any).spec.strategy, { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' });
    assert.deepEqual(applyStrategicMergePatch(original, patch, 'Deployment'), modified);
  });

  test('a removed finalizer becomes $deleteFromPrimitiveList', () => {
    const original = deployment();
    const modified = deployment() as any;
    modified.metadata.finalizers = ['b.example.com/y'];
    const patch = createStrategicMergePatch(original, modified, 'Deployment') as any;
    assert.deepEqual(patch.metadata, {
      '$setElementOrder/finalizers': ['b.example.com/y'],
      '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'],
      finalizers: ['b.example.com/y'],
    });
    assert.deepEqual(applyStrategicMergePatch(original, patch, 'Deployment'), modified);
  });

  test('unknown kind: a JSON merge patch', () => {
    const patch = createStrategicMergePatch({ spec: { items: [1, 2], a: 1 } }, { spec: { items: [1] } }, 'Widget');
    assert.deepEqual(patch, { spec: { items: [1], a: null } });
  });

  test('identical objects give an empty patch', () => {
    assert.deepEqual(createStrategicMergePatch(deployment(), deployment(), 'Deployment'), {});
  });
});
