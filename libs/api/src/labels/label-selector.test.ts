// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors';
import { everything, formatLabelSelector, labelSelectorFromObject, nothing, parseLabelSelector, selectorFromSet } from './label-selector';

const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseLabelSelector - printing', () => {
  const cases: [input: string, printed: string][] = [
    ['', ''],
    ['app=web', 'app=web'],
    ['app==web', 'app==web'],
    ['env!=prod', 'env!=prod'],
    ['tier in (fe,be)', 'tier in (be,fe)'],
    ['tier in (fe, be)', 'tier in (be,fe)'],
    ['tier notin (x)', 'tier notin (x)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['app=web,tier in (fe,be),!legacy,env!=prod,x', 'app=web,env!=prod,!legacy,tier in (be,fe),x'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['x in (a,a,b)', 'x in (a,b)'],
    ['n>3', 'n>3'],
    ['n<10', 'n<10'],
    ['  app  =  web  ', 'app=web'],
    ['app=', 'app='],
    ['app=,tier=fe', 'app=,tier=fe'],
    ['in in (in)', 'in in (in)'],
    ['notin notin (notin)', 'notin notin (notin)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['app.kubernetes.io/name=go-demo-2', 'app.kubernetes.io/name=go-demo-2'],
    ['type=backend,service=go-demo-2', 'service=go-demo-2,type=backend'],
  ];
  for (const [input, printed] of cases) {
    test(`${JSON.stringify(input)} prints as ${JSON.stringify(printed)}`, () => {
      const sel = parseLabelSelector(input);
      assert.equal(sel.toString(), printed);
      assert.equal(sel.isEmpty(), printed === '');
      // What prints parses back to the same selector.
      assert.equal(parseLabelSelector(printed).toString(), printed);
    });
  }

  test('requirements are exposed sorted by key with sorted values', () => {
    assert.deepEqual(parseLabelSelector('z=1,tier in (fe,be),!a').requirements, [
      { key: 'a', operator: 'DoesNotExist', values: [] },
      { key: 'tier', operator: 'In', values: ['be', 'fe'] },
      { key: 'z', operator: '=', values: ['1'] },
    ]);
  });
});

describe('parseLabelSelector - matching', () => {
  const labels = { app: 'web', tier: 'fe', env: 'dev', n: '5', empty: '' };
  const cases: [selector: string, want: boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['missing=x', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['tier in (fe,be)', true],
    ['tier in (be)', false],
    ['missing in (a)', false],
    ['tier notin (be)', true],
    ['tier notin (fe)', false],
    ['missing notin (a)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['n>3', true],
    ['n>5', false],
    ['n<6', true],
    ['n<5', false],
    ['app>3', false],
    ['missing>3', false],
    ['empty=', true],
    ['empty', true],
    ['missing=', false],
    ['app=web,tier in (fe),!legacy,env!=prod', true],
    ['app=web,env=prod', false],
  ];
  for (const [selector, want] of cases) {
    test(`${JSON.stringify(selector)} ${want ? 'matches' : 'does not match'}`, () => {
      assert.equal(parseLabelSelector(selector).matches(labels), want);
    });
  }

  test('undefined labels are no labels', () => {
    assert.equal(parseLabelSelector('!app').matches(undefined), true);
    assert.equal(parseLabelSelector('app').matches(undefined), false);
    assert.equal(parseLabelSelector('').matches(undefined), true);
  });
});

describe('parseLabelSelector - errors', () => {
  const cases: [input: string, message: string][] = [
    ['app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART_MSG}`],
    ['-bad', `unable to parse requirement: <nil>: Invalid value: "-bad": ${NAME_PART_MSG}`],
    [
      'app.kubernetes_io/name=x',
      `unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['app=web,', "found '', expected: identifier after ','"],
    [',app', "found ',', expected: !, identifier, or 'end of string'"],
    ['=x', "found '=', expected: !, identifier, or 'end of string'"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['n>abc', `unable to parse requirement: values[0]: Invalid value: "abc": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['n>1.5', `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['app=-bad', `unable to parse requirement: values[0][app]: Invalid value: "-bad": ${LABEL_VALUE_MSG}`],
    ['app=a=b', "found '=', expected: ',' or 'end of string'"],
    ['!app=web', "found '=', expected: ',' or 'end of string'"],
    ['app=(x)', "unable to parse requirement: found '(', expected: identifier"],
    ['a=b!', "found '!', expected: ',' or 'end of string'"],
    ['x<>1', "unable to parse requirement: found '>', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
  ];
  for (const [input, message] of cases) {
    test(`${JSON.stringify(input)} is rejected`, () => {
      assert.throws(
        () => parseLabelSelector(input),
        (e: unknown) => {
          assert.ok(e instanceof StatusError);
          assert.equal(e.reason, 'BadRequest');
          assert.equal(e.code, 400);
          assert.equal(e.message, message);
          return true;
        },
      );
    });
  }
});

describe('labelSelectorFromObject', () => {
  test('null selects nothing, {} selects everything', () => {
    assert.equal(labelSelectorFromObject(null).matches({ app: 'web' }), false);
    assert.equal(labelSelectorFromObject(undefined).matches({}), false);
    assert.equal(labelSelectorFromObject(null).isEmpty(), false);
    assert.equal(labelSelectorFromObject({}).matches({ app: 'web' }), true);
    assert.equal(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).isEmpty(), true);
    assert.equal(everything().matches(undefined), true);
    assert.equal(nothing().matches({}), false);
  });

  const cases: [name: string, sel: Parameters<typeof labelSelectorFromObject>[0], printed: string, labels: Record<string, string>, want: boolean][] = [
    ['matchLabels', { matchLabels: { type: 'backend', service: 'go-demo-2' } }, 'service=go-demo-2,type=backend', { type: 'backend', service: 'go-demo-2', x: 'y' }, true],
    ['matchLabels miss', { matchLabels: { type: 'backend' } }, 'type=backend', { type: 'db' }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, 'tier in (be,fe)', { tier: 'be' }, true],
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, 'tier notin (fe)', { tier: 'fe' }, false],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, 'tier', { tier: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: [] }] }, '!tier', { tier: 'x' }, false],
    [
      'both',
      { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] },
      'app=web,env notin (prod)',
      { app: 'web', env: 'dev' },
      true,
    ],
  ];
  for (const [name, sel, printed, labels, want] of cases) {
    test(name, () => {
      const m = labelSelectorFromObject(sel);
      assert.equal(m.toString(), printed);
      assert.equal(m.matches(labels), want);
      assert.equal(formatLabelSelector(sel), printed);
    });
  }

  const errors: [name: string, sel: Parameters<typeof labelSelectorFromObject>[0], message: string][] = [
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Foo' }] }, '"Foo" is not a valid label selector operator'],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    ],
    ['bad value', { matchLabels: { db: 'Mongo Labs' } }, `values[0][db]: Invalid value: "Mongo Labs": ${LABEL_VALUE_MSG}`],
    ['bad key', { matchLabels: { 'a b': 'x' } }, `key: Invalid value: "a b": ${NAME_PART_MSG}`],
  ];
  for (const [name, sel, message] of errors) {
    test(`${name} is rejected`, () => {
      assert.throws(() => labelSelectorFromObject(sel), (e: unknown) => e instanceof StatusError && e.reason === 'BadRequest' && e.message === message);
      assert.equal(formatLabelSelector(sel), '<error>');
    });
  }
});

describe('formatLabelSelector and selectorFromSet', () => {
  test('empty and null selectors print as <none>', () => {
    assert.equal(formatLabelSelector(null), '<none>');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
  });
  test('selectorFromSet selects exactly the set', () => {
    const s = selectorFromSet({ type: 'backend', service: 'go-demo-2' });
    assert.equal(s.toString(), 'service=go-demo-2,type=backend');
    assert.equal(s.matches({ type: 'backend', service: 'go-demo-2', other: '1' }), true);
    assert.equal(s.matches({ type: 'backend' }), false);
    assert.equal(selectorFromSet({}).matches({ a: 'b' }), true);
  });
});
