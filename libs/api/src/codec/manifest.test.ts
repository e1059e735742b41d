// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseManifests } from './manifest';

describe('parseManifests', () => {
  test('reads YAML as kubectl does: 1.1 octal, booleans, multi-document streams, List', () => {
    const objs = parseManifests(`
apiVersion: v1
kind: Secret
metadata: {name: s}
defaultMode: 0444
on: yes
---
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
`);
    assert.deepEqual(objs.map((o) => o.metadata?.name), ['s', 'a', 'b']);
    assert.equal(objs[0]?.['defaultMode'], 292);
    assert.equal(objs[0]?.['true'], true, 'YAML 1.1 reads `on: yes` as true: true');
  });

  test('keeps a bare dot a string, as go-yaml does', () => {
    const [o] = parseManifests('kind: Pod\ndirectory: .\nratio: .5\n');
    assert.equal(o?.['directory'], '.');
    assert.equal(o?.['ratio'], 0.5);
  });

  test('reads JSON, including a JSON array', () => {
    assert.equal(parseManifests('{"kind":"Pod","metadata":{"name":"p"}}')[0]?.metadata?.name, 'p');
    assert.equal(parseManifests('[{"kind":"Pod"},{"kind":"Service"}]').length, 2);
  });

  test('malformed input names the source and the problem', () => {
    assert.throws(() => parseManifests('kind: Pod\nmetadata:\n  name: [x', 'pod.yml'), /error parsing pod.yml: error converting YAML to JSON: yaml:/);
    assert.throws(() => parseManifests('a: 1\na: 2'), /Map keys must be unique/);
    assert.throws(() => parseManifests('- 1\n- 2'), /expected an object, got 1/);
  });

  test('refuses alias bombs and oversized streams', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    assert.throws(() => parseManifests(lines.join('\n')), /alias/i);
    assert.throws(() => parseManifests(`kind: ConfigMap\ndata: {a: "${'x'.repeat(3 * 1024 * 1024)}"}`), /larger than/);
  });
});
