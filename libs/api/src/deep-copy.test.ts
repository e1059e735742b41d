// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deepCopy } from './deep-copy';
import { jsonCopy } from './json-copy';

describe('deepCopy', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: {}, finalizers: ['a'] },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '100m' } } }], nodeName: undefined },
    status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }], phase: 'Running', ready: true, restarts: 0 },
  };

  test('gives what structuredClone gives, undefined members and nulls included', () => {
    assert.deepStrictEqual(deepCopy(pod), structuredClone(pod));
    assert.ok('nodeName' in deepCopy(pod).spec);
  });

  test('primitives are themselves', () => {
    for (const v of [0, -1.5, '', 'x', true, false, null, undefined]) assert.equal(deepCopy(v), v);
  });

  test('what is not plain data is copied by structuredClone', () => {
    const when = new Date('2026-12-07T00:00:00Z');
    const copy = deepCopy({ when, bytes: new Uint8Array([1, 2]), set: new Set(['a']) });
    assert.ok(copy.when instanceof Date && copy.when !== when && copy.when.getTime() === when.getTime());
    assert.deepEqual([...copy.bytes], [1, 2]);
    assert.deepEqual([...copy.set], ['a']);
  });
});

// What both copies promise: the storage hands out jsonCopy's, the registry and controllers deepCopy's.
for (const [name, copy] of [['deepCopy', deepCopy], ['jsonCopy', jsonCopy]] as const) {
  describe(`${name}, as any copy of API data`, () => {
    const pod = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
      status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }] },
    };

    test('shares nothing with the original', () => {
      const c = copy(pod);
      c.metadata.labels.app = 'changed';
      c.spec.containers[0]!.ports[0]!.containerPort = 8080;
      c.status.conditions.push({ type: 'X', status: 'False', lastProbeTime: null });
      assert.equal(pod.metadata.labels.app, 'web');
      assert.equal(pod.spec.containers[0]!.ports[0]!.containerPort, 80);
      assert.equal(pod.status.conditions.length, 1);
    });

    test('a "__proto__" key from JSON stays an own key and does not touch the prototype', () => {
      const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
      const c = copy(parsed);
      assert.deepEqual(Object.keys(c), ['__proto__', 'a']);
      assert.equal(Object.getPrototypeOf(c), Object.prototype);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });
  });
}
