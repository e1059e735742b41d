// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors';
import { escapeFieldValue, everythingFields, fieldSelectorFromSet, parseFieldSelector } from './field-selector';

describe('parseFieldSelector - parsing and printing', () => {
  const cases: [input: string, printed: string, reqs: [string, string, string][]][] = [
    ['', '', []],
    ['status.phase=Running', 'status.phase=Running', [['status.phase', '=', 'Running']]],
    ['status.phase==Running', 'status.phase=Running', [['status.phase', '=', 'Running']]],
    ['spec.nodeName!=n1', 'spec.nodeName!=n1', [['spec.nodeName', '!=', 'n1']]],
    ['spec.nodeName=', 'spec.nodeName=', [['spec.nodeName', '=', '']]],
    [
      'status.phase=Running,metadata.name=web',
      'metadata.name=web,status.phase=Running',
      [
        ['metadata.name', '=', 'web'],
        ['status.phase', '=', 'Running'],
      ],
    ],
    ['a=b,', 'a=b', [['a', '=', 'b']]],
    [',a=b', 'a=b', [['a', '=', 'b']]],
    ['a=x\\,y', 'a=x\\,y', [['a', '=', 'x,y']]],
    ['a=x\\=y', 'a=x\\=y', [['a', '=', 'x=y']]],
    ['a=x\\\\y', 'a=x\\\\y', [['a', '=', 'x\\y']]],
    ['a =b', 'a =b', [['a ', '=', 'b']]],
  ];
  for (const [input, printed, reqs] of cases) {
    test(`${JSON.stringify(input)} prints as ${JSON.stringify(printed)}`, () => {
      const sel = parseFieldSelector(input);
      assert.equal(sel.toString(), printed);
      assert.deepEqual(
        sel.requirements.map((r) => [r.field, r.operator, r.value]),
        reqs,
      );
      assert.equal(sel.isEmpty(), reqs.length === 0);
    });
  }
});

describe('parseFieldSelector - errors', () => {
  const cases: [input: string, message: string][] = [
    ['foo', "invalid selector: 'foo'; can't understand 'foo'"],
    ['a=b,foo', "invalid selector: 'a=b,foo'; can't understand 'foo'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a!==b', 'invalid field selector: unescaped character in value: 61'],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=x\\y', 'invalid field selector: invalid escape sequence: \\y'],
    ['a=x\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of cases) {
    test(`${JSON.stringify(input)} is rejected`, () => {
      assert.throws(() => parseFieldSelector(input), (e: unknown) => e instanceof StatusError && e.reason === 'BadRequest' && e.message === message);
    });
  }
});

describe('field selector matching', () => {
  const fields = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': '' };
  const cases: [selector: string, want: boolean][] = [
    ['', true],
    ['status.phase=Running', true],
    ['status.phase==Running', true],
    ['status.phase=Pending', false],
    ['status.phase!=Pending', true],
    ['status.phase!=Running', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['missing=', true],
    ['missing=x', false],
    ['missing!=x', true],
    ['metadata.name=web,status.phase=Running', true],
    ['metadata.name=web,status.phase=Failed', false],
  ];
  for (const [selector, want] of cases) {
    test(`${JSON.stringify(selector)} ${want ? 'matches' : 'does not match'}`, () => {
      assert.equal(parseFieldSelector(selector).matches(fields), want);
    });
  }

  test('escapes round trip', () => {
    const value = 'a,b=c\\d';
    const sel = parseFieldSelector(`metadata.name=${escapeFieldValue(value)}`);
    assert.equal(sel.matches({ 'metadata.name': value }), true);
    assert.equal(parseFieldSelector(sel.toString()).matches({ 'metadata.name': value }), true);
  });

  test('fieldSelectorFromSet and everythingFields', () => {
    const sel = fieldSelectorFromSet({ 'metadata.namespace': 'default', 'metadata.name': 'web' });
    assert.equal(sel.toString(), 'metadata.name=web,metadata.namespace=default');
    assert.equal(sel.matches({ 'metadata.name': 'web', 'metadata.namespace': 'default' }), true);
    assert.equal(everythingFields().matches({}), true);
    assert.equal(everythingFields().isEmpty(), true);
  });
});
