// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@berth/api';
import { NAMESPACE_INDEX, Store } from './store';

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

const pod = (ns: string, name: string, nodeName?: string, rv = '1'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, resourceVersion: rv },
  spec: nodeName ? { nodeName } : {},
});

describe('Store', () => {
  test('keys objects by namespace/name (or name when cluster-scoped)', () => {
    const s = new Store<KubeObject>();
    s.add(pod('default', 'web'));
    s.add({ metadata: { name: 'node-1' } });
    assert.deepEqual(s.listKeys().sort(), ['default/web', 'node-1']);
    assert.equal(s.get('default/web')?.metadata?.name, 'web');
    assert.equal(s.get('node-1')?.metadata?.name, 'node-1');
    assert.equal(s.get('web'), undefined);
  });

  test('update replaces, delete removes and returns what was stored', () => {
    const s = new Store<Pod>();
    s.add(pod('a', 'x', undefined, '1'));
    s.update(pod('a', 'x', undefined, '2'));
    assert.equal(s.size(), 1);
    assert.equal(s.get('a/x')?.metadata?.resourceVersion, '2');
    assert.equal(s.delete('a/x')?.metadata?.resourceVersion, '2');
    assert.equal(s.delete(pod('a', 'x')), undefined);
    assert.equal(s.size(), 0);
  });

  test('the namespace index and custom indexes follow every write', () => {
    const s = new Store<Pod>({ byNode: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    s.add(pod('a', 'p1', 'n1'));
    s.add(pod('a', 'p2', 'n2'));
    s.add(pod('b', 'p3', 'n1'));
    assert.deepEqual(s.byIndex(NAMESPACE_INDEX, 'a').map((p) => p.metadata?.name).sort(), ['p1', 'p2']);
    assert.deepEqual(s.listByNamespace('b').map((p) => p.metadata?.name), ['p3']);
    assert.deepEqual(s.indexKeys('byNode', 'n1').sort(), ['a/p1', 'b/p3']);

    s.update(pod('a', 'p1', 'n2')); // moved: must leave the n1 bucket
    assert.deepEqual(s.indexKeys('byNode', 'n1'), ['b/p3']);
    assert.deepEqual(s.indexKeys('byNode', 'n2').sort(), ['a/p1', 'a/p2']);
    s.delete('b/p3');
    assert.deepEqual(s.listIndexValues('byNode'), ['n2']);
    assert.throws(() => s.byIndex('nope', 'x'), /index "nope" does not exist/);
  });

  test('addIndexers indexes what is already stored; replace swaps the content and records the resourceVersion', () => {
    const s = new Store<Pod>();
    s.add(pod('a', 'p1', 'n1'));
    s.addIndexers({ byNode: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    assert.deepEqual(s.indexKeys('byNode', 'n1'), ['a/p1']);
    assert.throws(() => s.addIndexers({ byNode: () => [] }), /already exists/);

    s.replace([pod('c', 'p9', 'n3')], '42');
    assert.deepEqual(s.listKeys(), ['c/p9']);
    assert.deepEqual(s.indexKeys('byNode', 'n1'), []);
    assert.deepEqual(s.indexKeys('byNode', 'n3'), ['c/p9']);
    assert.equal(s.resourceVersion(), '42');
  });
});
