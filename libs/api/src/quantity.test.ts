// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Quantity, QuantityError, isValidQuantity } from './quantity';

const FORMAT_ERR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

describe('Quantity.parse - canonical form, format and values', () => {
  const cases: [input: string | number, printed: string, format: string, milli: number, value: number][] = [
    ['0', '0', 'DecimalSI', 0, 0],
    ['0.5', '500m', 'DecimalSI', 500, 1],
    ['1.5', '1500m', 'DecimalSI', 1500, 2],
    ['500m', '500m', 'DecimalSI', 500, 1],
    ['100m', '100m', 'DecimalSI', 100, 1],
    ['1000m', '1', 'DecimalSI', 1000, 1],
    ['1', '1', 'DecimalSI', 1000, 1],
    ['100', '100', 'DecimalSI', 100000, 100],
    ['1000', '1k', 'DecimalSI', 1000000, 1000],
    ['1100000', '1100k', 'DecimalSI', 1100000000, 1100000],
    ['1000000', '1M', 'DecimalSI', 1000000000, 1000000],
    ['1.5k', '1500', 'DecimalSI', 1500000, 1500],
    ['2G', '2G', 'DecimalSI', 2e12, 2e9],
    ['1E', '1E', 'DecimalSI', 1e21, 1e18],
    ['0.1m', '100u', 'DecimalSI', 1, 1],
    ['1n', '1n', 'DecimalSI', 1, 1],
    ['0.1n', '1n', 'DecimalSI', 1, 1],
    ['10Mi', '10Mi', 'BinarySI', 10485760000, 10485760],
    ['128Mi', '128Mi', 'BinarySI', 134217728000, 134217728],
    ['1024Mi', '1Gi', 'BinarySI', 1073741824000, 1073741824],
    ['1Gi', '1Gi', 'BinarySI', 1073741824000, 1073741824],
    ['2Gi', '2Gi', 'BinarySI', 2147483648000, 2147483648],
    ['1.5Gi', '1536Mi', 'BinarySI', 1610612736000, 1610612736],
    ['0.5Gi', '512Mi', 'BinarySI', 536870912000, 536870912],
    ['1Ki', '1Ki', 'BinarySI', 1024000, 1024],
    ['1.5Ki', '1536', 'BinarySI', 1536000, 1536],
    ['0.5Ki', '512', 'BinarySI', 512000, 512],
    ['0Mi', '0', 'BinarySI', 0, 0],
    ['1e3', '1e3', 'DecimalExponent', 1000000, 1000],
    // Already-canonical input is printed back verbatim, as Kubernetes keeps the given string.
    ['1E3', '1E3', 'DecimalExponent', 1000000, 1000],
    ['1e-3', '1e-3', 'DecimalExponent', 1, 1],
    ['1.5e3', '1500', 'DecimalExponent', 1500000, 1500],
    ['12e6', '12e6', 'DecimalExponent', 12e9, 12e6],
    ['5.5e-3', '5500e-6', 'DecimalExponent', 6, 1],
    ['1.23456789e-9', '2e-9', 'DecimalExponent', 1, 1],
    ['-1', '-1', 'DecimalSI', -1000, -1],
    ['-1.5', '-1500m', 'DecimalSI', -1500, -2],
    ['-1Gi', '-1Gi', 'BinarySI', -1073741824000, -1073741824],
    ['+1', '+1', 'DecimalSI', 1000, 1],
    ['1000E', '1e21', 'DecimalSI', 1e24, 1e21],
    ['12345678901234567890', '12345678901234567890', 'DecimalSI', 12345678901234567890000, 12345678901234567890],
    ['8Ei', '9223372036854775807', 'BinarySI', 9223372036854775807000, 9223372036854775807],
    [' 250m ', '250m', 'DecimalSI', 250, 1],
    [1, '1', 'DecimalSI', 1000, 1],
    [0.25, '250m', 'DecimalSI', 250, 1],
    [1500, '1500', 'DecimalSI', 1500000, 1500],
    [1e21, '1e+21', 'DecimalExponent', 1e24, 1e21],
  ];
  for (const [input, printed, format, milli, value] of cases) {
    test(`${JSON.stringify(input)} -> ${printed}`, () => {
      const q = Quantity.parse(input);
      assert.equal(q.toString(), printed);
      assert.equal(q.format, format);
      assert.equal(q.milliValue(), milli);
      assert.equal(q.value(), value);
      // What Kubernetes prints parses back to the same amount.
      assert.equal(Quantity.parse(printed).cmp(q), 0);
    });
  }
});

describe('Quantity.parse - errors', () => {
  const cases: [input: string, message: string][] = [
    ['', FORMAT_ERR],
    ['   ', FORMAT_ERR],
    ['abc', FORMAT_ERR],
    ['1.2.3', FORMAT_ERR],
    ['1 Gi', FORMAT_ERR],
    ['1GB', FORMAT_ERR],
    ['1KiB', FORMAT_ERR],
    ['1e1.5', FORMAT_ERR],
    ['1kk', "unable to parse quantity's suffix"],
    ['1e', "unable to parse quantity's suffix"],
    ['1Mii', "unable to parse quantity's suffix"],
    ['1i', "unable to parse quantity's suffix"],
    ['1Ki3', "unable to parse quantity's suffix"],
  ];
  for (const [input, message] of cases) {
    test(`${JSON.stringify(input)} is rejected`, () => {
      assert.throws(() => Quantity.parse(input), (e: unknown) => e instanceof QuantityError && e.message === message);
      assert.equal(isValidQuantity(input), false);
    });
  }

  test('non-finite numbers and non-quantities are rejected', () => {
    assert.throws(() => Quantity.parse(Number.NaN), QuantityError);
    assert.throws(() => Quantity.parse(Number.POSITIVE_INFINITY), QuantityError);
    assert.equal(isValidQuantity(undefined), false);
    assert.equal(isValidQuantity({}), false);
    assert.equal(isValidQuantity('128Mi'), true);
    assert.equal(isValidQuantity(2), true);
  });

  test('mustParse names the input like Kubernetes', () => {
    assert.throws(() => Quantity.mustParse('1kk'), { message: "cannot parse '1kk': unable to parse quantity's suffix" });
  });
});

describe('Quantity comparison', () => {
  const cases: [a: string, b: string, want: -1 | 0 | 1][] = [
    ['1Gi', '1000Mi', 1],
    ['1000Mi', '1Gi', -1],
    ['1Gi', '1024Mi', 0],
    ['10Mi', '10M', 1],
    ['0.5', '500m', 0],
    ['1', '1000m', 0],
    ['1k', '1e3', 0],
    ['100m', '0.1', 0],
    ['250m', '0.5', -1],
    ['-1', '0', -1],
    ['1n', '0', 1],
    ['2Gi', '2147483648', 0],
  ];
  for (const [a, b, want] of cases) {
    test(`${a} cmp ${b} = ${want}`, () => {
      assert.equal(Quantity.parse(a).cmp(Quantity.parse(b)), want);
      assert.equal(Quantity.parse(b).cmp(Quantity.parse(a)), -want || 0);
    });
  }
});

describe('Quantity arithmetic', () => {
  const cases: [a: string, op: 'add' | 'sub', b: string, want: string][] = [
    ['500m', 'add', '1.5', '2'],
    ['1Gi', 'add', '512Mi', '1536Mi'],
    ['0', 'add', '1Gi', '1Gi'],
    ['1Gi', 'sub', '1Gi', '0'],
    ['1', 'sub', '1500m', '-500m'],
    ['100m', 'add', '100m', '200m'],
    ['64Mi', 'add', '64Mi', '128Mi'],
    ['1', 'add', '1Ki', '1025'],
  ];
  for (const [a, op, b, want] of cases) {
    test(`${a} ${op} ${b} = ${want}`, () => {
      const r = Quantity.parse(a)[op](Quantity.parse(b));
      assert.equal(r.toString(), want);
    });
  }

  test('a zero receiver takes the other format; otherwise it keeps its own', () => {
    assert.equal(Quantity.parse('0').add(Quantity.parse('1Gi')).format, 'BinarySI');
    assert.equal(Quantity.parse('1').add(Quantity.parse('1Gi')).format, 'DecimalSI');
    assert.equal(Quantity.parse('1').add(Quantity.parse('1Gi')).toString(), '1073741825');
  });

  test('isZero, fromValue and fromMilliValue', () => {
    assert.equal(Quantity.parse('0Mi').isZero(), true);
    assert.equal(Quantity.parse('1n').isZero(), false);
    assert.equal(Quantity.fromMilliValue(1500).toString(), '1500m');
    assert.equal(Quantity.fromValue(2048, 'BinarySI').toString(), '2Ki');
    assert.equal(Quantity.fromValue(100, 'BinarySI').toString(), '100');
    assert.equal(JSON.stringify({ cpu: Quantity.parse('0.5') }), '{"cpu":"500m"}');
  });
});
