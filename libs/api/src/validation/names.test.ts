// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isConfigMapKey,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidCidr,
  isValidIp,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  nameIsDnsSubdomain,
} from './names';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function table(name: string, fn: (v: string) => string[], cases: [string, string[]][]): void {
  describe(name, () => {
    for (const [v, want] of cases) {
      test(`${JSON.stringify(v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v)} -> ${want.length ? 'invalid' : 'valid'}`, () => {
        assert.deepEqual(fn(v), want);
      });
    }
  });
}

table('isDns1123Subdomain', isDns1123Subdomain, [
  ['go-demo', []],
  ['example.com', []],
  ['a', []],
  ['0', []],
  ['a.b-c.d', []],
  ['a'.repeat(253), []],
  ['Go_Demo', [SUBDOMAIN_MSG]],
  ['', [SUBDOMAIN_MSG]],
  ['-a', [SUBDOMAIN_MSG]],
  ['a-', [SUBDOMAIN_MSG]],
  ['a..b', [SUBDOMAIN_MSG]],
  ['a_b', [SUBDOMAIN_MSG]],
  ['UPPER', [SUBDOMAIN_MSG]],
  ['a'.repeat(254), ['must be no more than 253 characters']],
  [`${'a'.repeat(253)}-`, ['must be no more than 253 characters', SUBDOMAIN_MSG]],
]);

table('isDns1123Label', isDns1123Label, [
  ['default', []],
  ['kube-system', []],
  ['123-abc', []],
  ['a'.repeat(63), []],
  ['a.b', ['must not contain dots']],
  ['a'.repeat(64), ['must be no more than 63 characters']],
  ['My-Name', [LABEL_MSG]],
  ['', [LABEL_MSG]],
  ['-x', [LABEL_MSG]],
]);

table('isDns1035Label', isDns1035Label, [
  ['go-demo-2', []],
  ['svc', []],
  ['1abc', [DNS1035_MSG]],
  ['a.b', [DNS1035_MSG]],
  ['A', [DNS1035_MSG]],
  ['a'.repeat(64), ['must be no more than 63 characters']],
]);

table('isQualifiedName', isQualifiedName, [
  ['app', []],
  ['app.kubernetes.io/name', []],
  ['example.com/MyName', []],
  ['My_Name.1', []],
  ['a'.repeat(63), []],
  ['', ['name part must be non-empty', NAME_PART_MSG]],
  ['-bad', [NAME_PART_MSG]],
  ['app:monolith', [NAME_PART_MSG]],
  ['a b', [NAME_PART_MSG]],
  ['a'.repeat(64), ['name part must be no more than 63 characters']],
  ['/name', ['prefix part must be non-empty']],
  ['example.com/', ['name part must be non-empty', NAME_PART_MSG]],
  ['app.kubernetes_io/name', [`prefix part ${SUBDOMAIN_MSG}`]],
  [
    'a/b/c',
    [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ],
  ],
]);

table('isValidLabelValue', isValidLabelValue, [
  ['', []],
  ['web', []],
  ['MyValue', []],
  ['my_value', []],
  ['1.0', []],
  ['a'.repeat(63), []],
  ['Mongo Labs', [LABEL_VALUE_MSG]],
  ['-x', [LABEL_VALUE_MSG]],
  ['x.', [LABEL_VALUE_MSG]],
  ['a/b', [LABEL_VALUE_MSG]],
  ['a'.repeat(64), ['must be no more than 63 characters']],
]);

describe('isValidPortNum', () => {
  const cases: [number, boolean][] = [[1, true], [80, true], [65535, true], [0, false], [65536, false], [-1, false], [1.5, false]];
  for (const [n, ok] of cases) {
    test(`${n} -> ${ok}`, () => assert.deepEqual(isValidPortNum(n), ok ? [] : ['must be between 1 and 65535, inclusive']));
  }
});

table('isValidPortName', isValidPortName, [
  ['http', []],
  ['http-alt', []],
  ['h2c', []],
  ['a'.repeat(15), []],
  ['a'.repeat(16), ['must be no more than 15 characters']],
  ['HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
  ['8080', ['must contain at least one letter (a-z)']],
  ['a--b', ['must not contain consecutive hyphens']],
  ['-ab', ['must not begin or end with a hyphen']],
  [
    '',
    ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)'],
  ],
]);

const ENV_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
table('isEnvVarName', isEnvVarName, [
  ['MONGO', []],
  ['DB_HOST', []],
  ['my.env-name', []],
  ['1ABC', [ENV_MSG]],
  ['A B', [ENV_MSG]],
  ['', [ENV_MSG]],
  ['.', ["must not be '.'"]],
  ['..', ["must not be '..'"]],
  ['..a', ["must not start with '..'"]],
]);

const CM_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
table('isConfigMapKey', isConfigMapKey, [
  ['prometheus-conf.yml', []],
  ['KEY_NAME', []],
  ['.dotfile', []],
  ['a/b', [CM_MSG]],
  ['', [CM_MSG]],
  ['..', ["must not be '..'"]],
  ['a'.repeat(254), ['must be no more than 253 characters']],
]);

const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
table('isValidIp', isValidIp, [
  ['10.9.8.7', []],
  ['0.0.0.0', []],
  ['010.009.008.007', []],
  ['::', []],
  ['::1', []],
  ['2001:db8::ffff', []],
  ['1:2:3:4:5:6:7:8', []],
  ['::ffff:1.2.3.4', []],
  ['fe80::1:2', []],
  ['256.1.1.1', [IP_MSG]],
  ['1.2.3', [IP_MSG]],
  ['1.2.3.4.5', [IP_MSG]],
  ['', [IP_MSG]],
  ['localhost', [IP_MSG]],
  ['1:2:3:4:5:6:7:8:9', [IP_MSG]],
  ['1:2:3:4:5:6:7::8', [IP_MSG]],
  ['1::2::3', [IP_MSG]],
  ['12345::', [IP_MSG]],
  ['fe80::1%eth0', [IP_MSG]],
  [' 1.2.3.4', [IP_MSG]],
]);

const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
table('isValidCidr', isValidCidr, [
  ['10.0.0.0/8', []],
  ['10.96.0.0/12', []],
  ['0.0.0.0/0', []],
  ['10.1.2.3/32', []],
  ['2001:db8::/64', []],
  ['::/0', []],
  ['10.0.0.0/33', [CIDR_MSG]],
  ['10.0.0.0', [CIDR_MSG]],
  ['10.0.0.0/', [CIDR_MSG]],
  ['10.0.0/8', [CIDR_MSG]],
  ['2001:db8::/129', [CIDR_MSG]],
  ['10.0.0.0/-1', [CIDR_MSG]],
]);

describe('name helpers', () => {
  test('a generateName prefix may end with a dash', () => {
    assert.deepEqual(nameIsDnsSubdomain('web-', true), []);
    assert.deepEqual(nameIsDnsSubdomain('web-', false), [SUBDOMAIN_MSG]);
  });
  test('path segment names', () => {
    assert.deepEqual(isValidPathSegmentName('admin'), []);
    assert.deepEqual(isValidPathSegmentName('system:controller:x'), []);
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  });
});
