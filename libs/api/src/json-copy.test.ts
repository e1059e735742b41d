// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonCopy, jsonCopyWithVersion } from './json-copy';

const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

/** Equal values and the same key order everywhere (what a client printing the JSON sees). */
function assertSameAsJson(actual: unknown, input: unknown): void {
  assert.deepStrictEqual(actual, viaJson(input));
  assert.equal(JSON.stringify(actual), JSON.stringify(input));
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('jsonCopy', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web', '10': 'ten', '2': 'two' }, annotations: {}, resourceVersion: '7', finalizers: ['a'] },
    spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }], resources: { requests: { cpu: '100m' } } }], nodeName: undefined },
    status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }], phase: 'Running', ready: true, restarts: 0 },
  };

  test('gives what a JSON round trip gives on API objects, key order included', () => {
    assertSameAsJson(jsonCopy(pod), pod);
    assert.ok(!('nodeName' in jsonCopy(pod).spec), 'an undefined member is dropped, as JSON drops it');
  });

  test('the odd values JSON rewrites are rewritten the same way', () => {
    const odd = {
      u: undefined,
      f: () => 1,
      s: Symbol('s'),
      [Symbol('key')]: 1,
      arr: [undefined, () => 1, Symbol('x'), NaN, Infinity, -Infinity, -0, 1.5],
      nums: { nan: NaN, inf: -Infinity, negZero: -0 },
      date: new Date(0),
      point: new Point(1, 2),
      withToJson: { toJSON: () => ({ replaced: true }) },
      nested: { deeper: [{ a: null, b: undefined }] },
      bare: Object.assign(Object.create(null) as object, { k: 'v' }),
    };
    const copy = jsonCopy(odd);
    assertSameAsJson(copy, odd);
    assert.ok(Object.is((copy.arr as unknown[])[6], 0), '-0 becomes 0');
    assert.equal(Object.getPrototypeOf(copy.bare), Object.prototype);
  });

  test('a bigint throws, as JSON.stringify does', () => {
    assert.throws(() => jsonCopy({ n: 1n }), TypeError);
  });
});

describe('jsonCopyWithVersion', () => {
  /** What storage's decode of the stored form gives: the JSON without resourceVersion, then the revision set. */
  const decoded = (obj: { metadata?: Record<string, unknown> }, rv: string): unknown => {
    const stored = obj.metadata && 'resourceVersion' in obj.metadata ? { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } } : obj;
    const out = viaJson(stored) as { metadata?: Record<string, unknown> };
    (out.metadata ??= {}).resourceVersion = rv;
    return out;
  };

  test('equals the stored form read back: resourceVersion set last in metadata', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '3', uid: 'u' }, data: { k: 'v', gone: undefined } };
    const copy = jsonCopyWithVersion(obj, '42');
    assertSameAsJson(copy, decoded(obj, '42'));
    assert.deepEqual(Object.keys(copy.metadata), ['name', 'uid', 'resourceVersion']);
    assert.equal(obj.metadata.resourceVersion, '3', 'the original keeps its version');
  });

  test('without metadata, metadata with only the version comes last', () => {
    const obj = { kind: 'X', spec: { a: 1 } } as { kind: string; spec: object; metadata?: Record<string, unknown> };
    const copy = jsonCopyWithVersion(obj, '5');
    assertSameAsJson(copy, decoded(obj, '5'));
    assert.deepEqual(Object.keys(copy), ['kind', 'spec', 'metadata']);
  });

  test('only the top-level metadata loses its resourceVersion', () => {
    const obj = { metadata: { name: 'n' }, spec: { template: { metadata: { resourceVersion: 'kept' } } } };
    assertSameAsJson(jsonCopyWithVersion(obj, '9'), decoded(obj, '9'));
  });
});
