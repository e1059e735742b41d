// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { applyMergePatch } from './merge-patch';
import { schemaFromTypes, type TypeTable } from './patch-meta';
import { applyStrategicMergePatch, applyStrategicMergePatchWithSchema } from './strategic-merge-patch';
import { createThreeWayMergePatch, createThreeWayMergePatchWithSchema } from './three-way-merge';

const y = (s: string): Record<string, unknown> => (parse(s) as Record<string, unknown> | null) ?? {};

/** The MergeItem shape of k8s' strategicpatch tests. */
const MERGE_ITEM_TYPES: TypeTable = {
  MergeItem: {
    mergingList: { meta: { strategy: 'merge', mergeKey: 'name' }, type: 'MergeItem' },
    nonMergingList: { type: 'MergeItem' },
    mergingIntList: { meta: { strategy: 'merge' } },
    simpleMap: {},
    retainKeysMap: { meta: { strategy: 'retainKeys' }, type: 'MergeItem' },
    retainKeysMergingList: { meta: { strategy: 'merge,retainKeys', mergeKey: 'name' }, type: 'MergeItem' },
  },
};
const mergeItem = schemaFromTypes(MERGE_ITEM_TYPES, 'MergeItem');

interface Case {
  name: string;
  original: string;
  modified: string;
  current: string;
  threeWay: string;
  result: string;
}

// Restated from k8s.io/apimachinery strategicpatch tests (CreateThreeWayMergePatch, overwrite).
const cases: Case[] = [
  { name: 'nil original', original: '', modified: 'name: 1\nvalue: 1', current: 'name: 1\nother: a', threeWay: 'value: 1', result: 'name: 1\nvalue: 1\nother: a' },
  { name: 'nil patch', original: 'name: 1', modified: 'name: 1', current: 'name: 1', threeWay: '{}', result: 'name: 1' },
  { name: 'add field, live changed another', original: 'name: 1', modified: 'name: 1\nvalue: 1', current: 'name: a\nother: a', threeWay: 'name: 1\nvalue: 1', result: 'name: 1\nvalue: 1\nother: a' },
  { name: 'add field and delete field', original: 'name: 1', modified: 'value: 1', current: 'name: 1\nother: a', threeWay: 'name: null\nvalue: 1', result: 'value: 1\nother: a' },
  {
    name: 'delete field from nested map',
    original: 'simpleMap: {key1: 1, key2: 1}',
    modified: 'simpleMap: {key1: 1}',
    current: 'simpleMap: {key1: 1, key2: 1, other: a}',
    threeWay: 'simpleMap: {key2: null}',
    result: 'simpleMap: {key1: 1, other: a}',
  },
  {
    name: 'delete all fields from map, keeping the server one',
    original: 'name: 1\nvalue: 1',
    modified: '{}',
    current: 'name: 1\nvalue: a\nother: a',
    threeWay: 'name: null\nvalue: null',
    result: 'other: a',
  },
  {
    name: 'delete all maps from merging list',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    modified: 'mergingList: []',
    current: 'mergingList: [{name: 1, other: a}, {name: 2, other: b}]',
    threeWay: 'mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    result: 'mergingList: []',
  },
  {
    name: 'delete items in lists of scalars keeps live-only items',
    original: 'mergingIntList: [1, 2, 3]',
    modified: 'mergingIntList: [1, 2]',
    current: 'mergingIntList: [1, 2, 3, 4]',
    threeWay: '$setElementOrder/mergingIntList: [1, 2]\n$deleteFromPrimitiveList/mergingIntList: [3]',
    result: 'mergingIntList: [1, 2, 4]',
  },
  {
    name: 'merge lists of maps',
    original: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 4, value: 4}, {name: 1}, {name: 2, value: 2}, {name: 3, value: 3}]',
    current: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
    threeWay: `
$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]`,
    result: 'mergingList: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  },
  {
    name: 'merge lists of maps, live value changed',
    original: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 1}, {name: 2, value: 2}, {name: 3, value: 3}]',
    current: 'mergingList: [{name: 1, other: a}, {name: 2, value: 3, other: b}]',
    threeWay: `
$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}]
mergingList: [{name: 2, value: 2}, {name: 3, value: 3}]`,
    result: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  },
  {
    name: 'add field already present live: empty patch',
    original: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]',
    current: 'mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]',
    threeWay: '{}',
    result: 'mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]',
  },
  {
    name: 'delete missing map from merging list, live lost another',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    modified: 'mergingList: [{name: 2}]',
    current: 'mergingList: [{name: 3, other: a}]',
    threeWay: '$setElementOrder/mergingList: [{name: 2}]\nmergingList: [{name: 2}, {name: 1, $patch: delete}]',
    result: 'mergingList: [{name: 2}, {name: 3, other: a}]',
  },
  {
    name: 'add map and delete map from merging list',
    original: 'mergingList: [{name: 1}, {name: 2}]',
    modified: 'mergingList: [{name: 2}, {name: 3}]',
    current: 'mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]',
    threeWay: '$setElementOrder/mergingList: [{name: 2}, {name: 3}]\nmergingList: [{name: 3}, {name: 1, $patch: delete}]',
    result: 'mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]',
  },
  {
    name: 'delete missing field from map in merging list, live lost a value',
    original: 'mergingList: [{name: 1, value: 1}, {name: 2, value: 2}]',
    modified: 'mergingList: [{name: 1}, {name: 2, value: 2}]',
    current: 'mergingList: [{name: 1, other: a}, {name: 2, other: b}]',
    threeWay: `
$setElementOrder/mergingList: [{name: 1}, {name: 2}]
mergingList: [{name: 1, value: null}, {name: 2, value: 2}]`,
    result: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
  },
  {
    name: 'nested patch merge with a delete directive in modified',
    original: 'name: hi',
    modified: 'name: hi\nmergingList: [{name: hello}, {$patch: delete, name: doesntexist}]',
    current: 'name: hi\nmergingList: [{name: hello2}]',
    threeWay: `
$setElementOrder/mergingList: [{name: hello}, {name: doesntexist}]
mergingList: [{name: hello}]`,
    result: 'name: hi\nmergingList: [{name: hello}, {name: hello2}]',
  },
  {
    name: 'retainKeys list of maps clears a live-only field',
    original: 'retainKeysMergingList: [{name: bar}, {name: foo}]',
    modified: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
    current: 'retainKeysMergingList: [{name: bar}, {name: foo, other: x}]',
    threeWay: `
$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}]
retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: a}]`,
    result: 'retainKeysMergingList: [{name: bar}, {name: foo, value: a}]',
  },
  {
    name: 'retainKeys map with no change is not in the patch',
    original: 'name: a\nretainKeysMap: {name: foo}',
    modified: 'name: a\nvalue: b\nretainKeysMap: {name: foo}',
    current: 'name: a\nother: c\nretainKeysMap: {name: foo}',
    threeWay: 'value: b',
    result: 'name: a\nvalue: b\nother: c\nretainKeysMap: {name: foo}',
  },
];

describe('createThreeWayMergePatch: k8s MergeItem cases', () => {
  for (const c of cases) {
    test(c.name, () => {
      const patch = createThreeWayMergePatchWithSchema(y(c.original), y(c.modified), y(c.current), mergeItem);
      assert.deepEqual(patch, y(c.threeWay), 'three-way patch');
      assert.deepEqual(applyStrategicMergePatchWithSchema(y(c.current), patch, mergeItem), y(c.result), 'applied to live');
    });
  }
});

// ---- what `apply` sees with real objects ----------------------------------------------------

const manifest = (): any =>
  y(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: go-demo-2
  labels: {type: api}
spec:
  selector: {matchLabels: {type: api}}
  template:
    metadata: {labels: {type: api}}
    spec:
      containers:
      - name: api
        image: vfarcic/go-demo-2
        env: [{name: DB, value: go-demo-2-db}]
        readinessProbe: {httpGet: {path: /demo/hello, port: 8080}}
`);

/** The live object: the manifest plus what the server and controllers added. */
const live = (m: any = manifest()): any => {
  const l = structuredClone(m);
  l.metadata.uid = 'u-1';
  l.metadata.resourceVersion = '42';
  l.metadata.generation = 3;
  l.spec.replicas = 5; // scaled with `kubectl scale`
  l.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log'; // defaulted
  l.spec.template.spec.containers.push({ name: 'injected-sidecar', image: 'envoy' }); // added by another client
  l.status = { replicas: 5, readyReplicas: 5, conditions: [{ type: 'Available', status: 'True' }] };
  return l;
};

function apply(original: unknown, modified: unknown, current: unknown, kind = 'Deployment'): { patch: any; result: any } {
  const patch = createThreeWayMergePatch(original, modified, current, kind);
  return { patch, result: applyStrategicMergePatch(current, patch, kind) };
}

describe('createThreeWayMergePatch: apply semantics', () => {
  test('unchanged manifest: server-set fields untouched', () => {
    const { patch, result } = apply(manifest(), manifest(), live());
    // The live list has an extra (injected) container, so k8s sends the manifest's order.
    assert.deepEqual(patch, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'api' }] } } } });
    assert.deepEqual(result, live());
  });

  test('unchanged manifest and no live-only list items: empty patch', () => {
    const current = manifest();
    current.metadata.resourceVersion = '9';
    current.status = { replicas: 1 };
    assert.deepEqual(createThreeWayMergePatch(manifest(), manifest(), current, 'Deployment'), {});
  });

  test('a field removed from the manifest is deleted; server-set fields are kept', () => {
    const next = manifest();
    delete next.spec.template.spec.containers[0].readinessProbe;
    const { patch, result } = apply(manifest(), next, live());
    assert.deepEqual(patch.spec.template.spec.containers, [{ name: 'api', readinessProbe: null }]);
    const want = live();
    delete want.spec.template.spec.containers[0].readinessProbe;
    assert.deepEqual(result, want);
    assert.equal(result.metadata.resourceVersion, '42');
    assert.deepEqual(result.status, live().status);
    assert.equal(result.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
  });

  test('spec.nodeName set by the scheduler survives applying a Pod', () => {
    const pod = y('apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: "1"}}\nspec: {containers: [{name: c, image: nginx}]}') as any;
    const current = structuredClone(pod);
    current.spec.nodeName = 'node-1';
    current.metadata.resourceVersion = '7';
    current.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    const next = structuredClone(pod);
    next.spec.containers[0].image = 'nginx:1.25';
    const { patch, result } = apply(pod, next, current, 'Pod');
    assert.deepEqual(patch, {
      spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ name: 'c', image: 'nginx:1.25' }] },
    });
    assert.equal(result.spec.nodeName, 'node-1');
    assert.equal(result.metadata.resourceVersion, '7');
    assert.equal(result.status.phase, 'Running');
  });

  test('changing a label', () => {
    const next = manifest();
    next.metadata.labels = { type: 'backend', release: 'v2' };
    const { patch, result } = apply(manifest(), next, live());
    assert.deepEqual(patch.metadata, { labels: { type: 'backend', release: 'v2' } });
    assert.deepEqual(result.metadata.labels, { type: 'backend', release: 'v2' });
  });

  test('a label removed from the manifest is deleted, a label added live is kept', () => {
    const original = manifest();
    original.metadata.labels.old = 'x';
    const current = live(original);
    current.metadata.labels['added-live'] = 'yes';
    const { patch, result } = apply(original, manifest(), current);
    assert.deepEqual(patch.metadata, { labels: { old: null } });
    assert.deepEqual(result.metadata.labels, { type: 'api', 'added-live': 'yes' });
  });

  test('replicas scaled live and absent from the manifest: not in the patch, kept', () => {
    const next = manifest();
    next.spec.template.spec.containers[0].image = 'vfarcic/go-demo-2:2.0';
    const { patch, result } = apply(manifest(), next, live());
    assert.equal('replicas' in patch.spec, false);
    assert.equal(result.spec.replicas, 5);
  });

  test('replicas in the manifest win over a live scale (kubectl --overwrite semantics)', () => {
    const withReplicas = manifest();
    withReplicas.spec.replicas = 3;
    const { patch, result } = apply(withReplicas, withReplicas, live(withReplicas));
    assert.equal(patch.spec.replicas, 3);
    assert.equal(result.spec.replicas, 3);
  });

  test('replicas dropped from the manifest are deleted (they were last applied)', () => {
    const withReplicas = manifest();
    withReplicas.spec.replicas = 3;
    const { patch } = apply(withReplicas, manifest(), live(withReplicas));
    assert.equal(patch.spec.replicas, null);
  });

  test('a container removed from the manifest is deleted; one injected live is kept', () => {
    const original = manifest();
    original.spec.template.spec.containers.push({ name: 'logger', image: 'fluentd' });
    const current = live(original);
    const { patch, result } = apply(original, manifest(), current);
    assert.deepEqual(patch.spec.template.spec.containers, [{ name: 'logger', $patch: 'delete' }]);
    assert.deepEqual(
      result.spec.template.spec.containers.map((c: any) => c.name),
      ['api', 'injected-sidecar'],
    );
  });

  test('an env var removed from the manifest is deleted by name', () => {
    const original = manifest();
    original.spec.template.spec.containers[0].env.push({ name: 'DEBUG', value: '1' });
    const { result } = apply(original, manifest(), live(original));
    assert.deepEqual(result.spec.template.spec.containers[0].env, [{ name: 'DB', value: 'go-demo-2-db' }]);
  });

  test('switching the rollout strategy clears rollingUpdate defaults via $retainKeys', () => {
    const original = manifest();
    const current = live(original);
    current.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    const next = manifest();
    next.spec.strategy = { type: 'Recreate' };
    const { patch, result } = apply(original, next, current);
    assert.deepEqual(patch.spec.strategy, { $retainKeys: ['type'], type: 'Recreate' });
    assert.deepEqual(result.spec.strategy, { type: 'Recreate' });
  });

  test('no last-applied configuration: nothing is deleted', () => {
    const next = manifest();
    delete next.spec.template.spec.containers[0].readinessProbe;
    const { patch, result } = apply(undefined, next, live());
    assert.deepEqual(patch, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'api' }] } } } });
    assert.ok(result.spec.template.spec.containers[0].readinessProbe);
  });

  test('inputs are not modified', () => {
    const o = manifest();
    const m = manifest();
    m.metadata.labels.x = 'y';
    const c = live();
    const before = structuredClone([o, m, c]);
    createThreeWayMergePatch(o, m, c, 'Deployment');
    assert.deepEqual([o, m, c], before);
  });
});

describe('createThreeWayMergePatch: kinds without patch metadata (JSON merge)', () => {
  const crd = (): any => y('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1, items: [a, b], opts: {x: 1, y: 2}}');

  const jsonCases: { name: string; original: any; modified: any; current: any; patch: unknown; result: unknown }[] = [
    (() => {
      const m = crd();
      delete m.spec.opts.y;
      m.spec.size = 2;
      const c = crd();
      c.status = { ready: true };
      c.spec.opts.z = 3;
      return {
        name: 'deletions from last-applied, changes from live, server fields kept',
        original: crd(),
        modified: m,
        current: c,
        patch: { spec: { size: 2, opts: { y: null } } },
        result: { ...crd(), spec: { size: 2, items: ['a', 'b'], opts: { x: 1, z: 3 } }, status: { ready: true } },
      };
    })(),
    (() => {
      const m = crd();
      m.spec.items = ['a'];
      return { name: 'lists are replaced whole', original: crd(), modified: m, current: crd(), patch: { spec: { items: ['a'] } }, result: m };
    })(),
    (() => {
      const m = crd();
      m.spec.empty = {};
      return { name: 'an explicitly empty map is sent', original: crd(), modified: m, current: crd(), patch: { spec: { empty: {} } }, result: m };
    })(),
  ];

  for (const c of jsonCases) {
    test(c.name, () => {
      const patch = createThreeWayMergePatch(c.original, c.modified, c.current, 'Widget');
      assert.deepEqual(patch, c.patch);
      assert.deepEqual(applyMergePatch(c.current, patch), c.result);
    });
  }

  test('no kind given: JSON merge', () => {
    assert.deepEqual(createThreeWayMergePatch({ a: [1, 2] }, { a: [1] }, { a: [1, 2], b: 1 }), { a: [1] });
  });
});
