// SPDX-License-Identifier: Apache-2.0
// Golden files: every kind's fixture rendered as table, wide, yaml, json and name.
// Regenerate with UPDATE_GOLDEN=1 after checking the change against kubectl.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES, NOW } from './fixtures';
import { printObjects, printTable } from './index';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '__golden__');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function golden(file: string, actual: string): void {
  const path = join(DIR, file);
  if (UPDATE || !existsSync(path)) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(path, actual);
    if (!UPDATE) assert.fail(`golden file ${file} was missing and has been written; check it and rerun`);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from __golden__/${file}`);
}

describe('golden output per kind', () => {
  for (const [kind, objs] of Object.entries(FIXTURES)) {
    const base = kind.toLowerCase();
    test(`${kind} table`, () => golden(`${base}.table.txt`, printTable(kind, objs, {}, NOW)));
    test(`${kind} wide`, () => golden(`${base}.wide.txt`, printTable(kind, objs, { wide: true }, NOW)));
    test(`${kind} yaml`, () => golden(`${base}.yaml`, printObjects(objs.slice(0, 1), { type: 'yaml' }, { singleItem: true })));
    test(`${kind} json`, () => golden(`${base}.json`, printObjects(objs.slice(0, 1), { type: 'json' }, { singleItem: true })));
    test(`${kind} name`, () => golden(`${base}.name.txt`, printObjects(objs, { type: 'name' }, { singleItem: false })));
  }
  test('pods listed as a List in yaml', () => golden('pods.list.yaml', printObjects(FIXTURES['Pod'] ?? [], { type: 'yaml' }, { singleItem: false })));
  test('pods with namespace, labels and -L columns', () =>
    golden('pods.decorated.txt', printTable('Pod', FIXTURES['Pod'] ?? [], { withNamespace: true, showLabels: true, labelColumns: ['type', 'app.kubernetes.io/name'] }, NOW)));
  test('services with kind-prefixed names and no headers', () =>
    golden('services.withkind.txt', printTable('svc', FIXTURES['Service'] ?? [], { withKind: true, noHeaders: true }, NOW)));
});
