// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { intOrStringValue, isPercent } from './int-or-string';

describe('intOrStringValue', () => {
  const cases: [v: number | string, total: number, roundUp: boolean, want: number][] = [
    [3, 10, true, 3],
    [0, 10, false, 0],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['0%', 10, true, 0],
    ['100%', 3, false, 3],
    ['50%', 3, true, 2],
    ['50%', 3, false, 1],
    ['10%', 1, true, 1],
    ['10%', 1, false, 0],
    ['150%', 2, false, 3],
    ['25%', 0, true, 0],
  ];
  for (const [v, total, roundUp, want] of cases) {
    test(`${JSON.stringify(v)} of ${total} (roundUp=${roundUp}) = ${want}`, () => {
      assert.equal(intOrStringValue(v, total, roundUp), want);
    });
  }

  const errors: [v: number | string | undefined, message: string][] = [
    [undefined, 'nil value for IntOrString'],
    ['25', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['abc%', 'invalid value for IntOrString: invalid value "abc%": strconv.Atoi: parsing "abc": invalid syntax'],
    ['%', 'invalid value for IntOrString: invalid value "%": strconv.Atoi: parsing "": invalid syntax'],
    ['1.5%', 'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax'],
  ];
  for (const [v, message] of errors) {
    test(`${JSON.stringify(v)} is rejected`, () => {
      assert.throws(() => intOrStringValue(v, 10, true), { message });
    });
  }
});

describe('isPercent', () => {
  const cases: [v: unknown, want: boolean][] = [
    ['25%', true],
    ['0%', true],
    ['100%', true],
    ['25', false],
    ['-5%', false],
    ['1.5%', false],
    ['%', false],
    [25, false],
    [undefined, false],
  ];
  for (const [v, want] of cases) {
    test(`${JSON.stringify(v)} -> ${want}`, () => assert.equal(isPercent(v), want));
  }
});
