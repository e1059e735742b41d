// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors';
import { applyJsonPatch } from './json-patch';

const deployment = (): any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web', 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } },
});

describe('applyJsonPatch: operations', () => {
  const cases: { name: string; ops: unknown[]; change: (d: any) => void }[] = [
    { name: 'replace', ops: [{ op: 'replace', path: '/spec/replicas', value: 5 }], change: (d) => (d.spec.replicas = 5) },
    { name: 'add a map key', ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }], change: (d) => (d.metadata.labels.tier = 'fe') },
    {
      name: 'add appends with -',
      ops: [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side', image: 'busybox' } }],
      change: (d) => d.spec.template.spec.containers.push({ name: 'side', image: 'busybox' }),
    },
    {
      name: 'add inserts at an index',
      ops: [{ op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'init' } }],
      change: (d) => d.spec.template.spec.containers.unshift({ name: 'init' }),
    },
    { name: 'remove', ops: [{ op: 'remove', path: '/metadata/labels/app' }], change: (d) => delete d.metadata.labels.app },
    {
      name: 'escaped path segment (~1 is /)',
      ops: [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' }],
      change: (d) => delete d.metadata.labels['app.kubernetes.io/name'],
    },
    {
      name: 'test then replace',
      ops: [
        { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'nginx:1' },
        { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:2' },
      ],
      change: (d) => (d.spec.template.spec.containers[0].image = 'nginx:2'),
    },
    { name: 'move', ops: [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }], change: (d) => {
      d.metadata.labels.name = d.metadata.labels.app;
      delete d.metadata.labels.app;
    } },
    { name: 'copy', ops: [{ op: 'copy', from: '/metadata/name', path: '/metadata/labels/copied' }], change: (d) => (d.metadata.labels.copied = 'web') },
    { name: 'empty patch', ops: [], change: () => undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const want = deployment();
      c.change(want);
      assert.deepEqual(applyJsonPatch(deployment(), c.ops), want);
    });
  }

  test('is pure: the document and the operations are not modified', () => {
    const doc = deployment();
    const ops = [{ op: 'add', path: '/metadata/annotations', value: { a: '1' } }];
    const out = applyJsonPatch(doc, ops) as any;
    assert.deepEqual(doc, deployment());
    out.metadata.annotations.a = '2';
    assert.deepEqual(ops[0]?.value, { a: '1' });
  });
});

describe('applyJsonPatch: failures', () => {
  const cases: { name: string; ops: unknown; reason: string; message: string | RegExp }[] = [
    {
      name: 'test operation that does not hold',
      ops: [{ op: 'test', path: '/spec/replicas', value: 5 }],
      reason: 'Invalid',
      message: 'jsonpatch test operation does not apply: is: 3, expected: 5',
    },
    {
      name: 'test on a missing path',
      ops: [{ op: 'test', path: '/spec/paused', value: true }],
      reason: 'Invalid',
      message: 'jsonpatch test operation does not apply: doc is missing path: "/spec/paused"',
    },
    {
      name: 'remove a missing path',
      ops: [{ op: 'remove', path: '/spec/foo' }],
      reason: 'Invalid',
      message: 'jsonpatch remove operation does not apply: doc is missing path: "/spec/foo"',
    },
    {
      name: 'replace a missing path',
      ops: [{ op: 'replace', path: '/spec/foo', value: 1 }],
      reason: 'Invalid',
      message: 'jsonpatch replace operation does not apply: doc is missing path: "/spec/foo"',
    },
    {
      name: 'add under a missing parent',
      ops: [{ op: 'add', path: '/spec/foo/bar', value: 1 }],
      reason: 'Invalid',
      message: 'jsonpatch add operation does not apply: doc is missing path: "/spec/foo/bar"',
    },
    {
      name: 'add past the end of a list',
      ops: [{ op: 'add', path: '/spec/template/spec/containers/5', value: {} }],
      reason: 'Invalid',
      message: /index out of bounds/,
    },
    {
      name: 'move from a missing path',
      ops: [{ op: 'move', from: '/nope', path: '/spec/x' }],
      reason: 'Invalid',
      message: 'jsonpatch move operation does not apply: doc is missing from path: "/nope"',
    },
    { name: 'not a list', ops: { op: 'add' }, reason: 'BadRequest', message: /must be a list of operations/ },
    { name: 'operation not an object', ops: ['add'], reason: 'BadRequest', message: /operation 0 is not an object/ },
    { name: 'unknown op', ops: [{ op: 'frobnicate', path: '/a' }], reason: 'BadRequest', message: /unsupported op "frobnicate"/ },
    { name: 'missing path', ops: [{ op: 'remove' }], reason: 'BadRequest', message: /remove operation 0 has no "path"/ },
    { name: 'relative path', ops: [{ op: 'remove', path: 'spec' }], reason: 'BadRequest', message: /does not start with "\/"/ },
    { name: 'add without value', ops: [{ op: 'add', path: '/a' }], reason: 'BadRequest', message: /add operation 0 has no "value"/ },
    { name: 'copy without from', ops: [{ op: 'copy', path: '/a' }], reason: 'BadRequest', message: /copy operation 0 has no "from"/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const doc = deployment();
      let caught: unknown;
      try {
        applyJsonPatch(doc, c.ops);
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof StatusError, `expected a StatusError, got ${String(caught)}`);
      assert.equal(caught.reason, c.reason);
      assert.equal(caught.code, c.reason === 'Invalid' ? 422 : 400);
      if (typeof c.message === 'string') assert.equal(caught.message, c.message);
      else assert.match(caught.message, c.message);
      assert.deepEqual(doc, deployment(), 'a failed patch leaves the document alone');
    });
  }

  test('a failing operation after successful ones changes nothing', () => {
    const doc = deployment();
    assert.throws(() =>
      applyJsonPatch(doc, [
        { op: 'replace', path: '/spec/replicas', value: 9 },
        { op: 'test', path: '/metadata/name', value: 'other' },
      ]),
    );
    assert.equal(doc.spec.replicas, 3);
  });
});
