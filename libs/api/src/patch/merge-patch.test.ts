// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors';
import { applyMergePatch, createMergePatch } from './merge-patch';

describe('applyMergePatch (RFC 7386 appendix A)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([doc, patch, want], i) => {
    test(`case ${i + 1}: ${JSON.stringify(doc)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(applyMergePatch(doc, patch), want);
    });
  });

  test('null deletes a label and keeps the others', () => {
    const pod = { metadata: { name: 'p', labels: { app: 'a', tier: 'web' } }, spec: { containers: [{ name: 'c' }] } };
    assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { tier: null } } }), {
      metadata: { name: 'p', labels: { app: 'a' } },
      spec: { containers: [{ name: 'c' }] },
    });
  });

  test('lists are replaced whole (no merge by name)', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } };
    assert.deepEqual(applyMergePatch(pod, { spec: { containers: [{ name: 'b', image: 'b:2' }] } }), {
      spec: { containers: [{ name: 'b', image: 'b:2' }] },
    });
  });

  test('is pure: neither the document nor the patch changes, results share nothing', () => {
    const doc = { a: { b: 1 }, l: [1] };
    const patch = { a: { c: { d: 1 } }, l: [2] };
    const out = applyMergePatch(doc, patch) as any;
    assert.deepEqual(doc, { a: { b: 1 }, l: [1] });
    assert.deepEqual(patch, { a: { c: { d: 1 } }, l: [2] });
    out.a.c.d = 2;
    out.l.push(3);
    assert.deepEqual(patch, { a: { c: { d: 1 } }, l: [2] });
  });

  test('a "__proto__" key stays an ordinary key', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(out), ['__proto__']);
  });
});

describe('createMergePatch', () => {
  const cases: { name: string; original: unknown; modified: unknown; patch: Record<string, unknown> }[] = [
    { name: 'identical', original: { a: 1, b: { c: 2 } }, modified: { a: 1, b: { c: 2 } }, patch: {} },
    { name: 'changed scalar', original: { a: 1 }, modified: { a: 2 }, patch: { a: 2 } },
    { name: 'added key', original: { a: 1 }, modified: { a: 1, b: 'x' }, patch: { b: 'x' } },
    { name: 'removed key is null', original: { a: 1, b: 2 }, modified: { a: 1 }, patch: { b: null } },
    { name: 'nested change only', original: { m: { l: { x: '1', y: '2' } } }, modified: { m: { l: { x: '1', y: '3' } } }, patch: { m: { l: { y: '3' } } } },
    { name: 'list sent whole when it differs', original: { l: [1, 2, 3] }, modified: { l: [1, 3] }, patch: { l: [1, 3] } },
    { name: 'equal lists not sent', original: { l: [{ a: 1 }] }, modified: { l: [{ a: 1 }] }, patch: {} },
    { name: 'type change', original: { a: { b: 1 } }, modified: { a: 'x' }, patch: { a: 'x' } },
    { name: 'null to value', original: { a: null }, modified: { a: 1 }, patch: { a: 1 } },
    { name: 'undefined counts as absent', original: { a: 1, b: undefined }, modified: { a: undefined }, patch: { a: null } },
    { name: 'missing original', original: undefined, modified: { a: 1 }, patch: { a: 1 } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const patch = createMergePatch(c.original, c.modified);
      assert.deepEqual(patch, c.patch);
      assert.deepEqual(applyMergePatch(JSON.parse(JSON.stringify(c.original ?? {})), patch), JSON.parse(JSON.stringify(c.modified)));
    });
  }

  test('a non-object document is a BadRequest', () => {
    assert.throws(() => createMergePatch([1], {}), (e: unknown) => e instanceof StatusError && e.reason === 'BadRequest');
  });
});
