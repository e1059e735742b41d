// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject, validateObjectUpdate } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;
const make = (kind: string, body: Json): KubeObject => {
  const o: KubeObject = { apiVersion: 'v1', kind, metadata: { name: 'x', namespace: 'default' }, ...body };
  applyDefaults(kind, o);
  return o;
};
const messages = (o: KubeObject): string[] => validateObject(o.kind ?? '', o, { namespaced: true }).map(fieldErrorMessage);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('ConfigMap validation', () => {
  test('valid keys', () => assert.deepEqual(messages(make('ConfigMap', { data: { 'prometheus.yml': 'x', KEY_1: 'y' } })), []));
  test('keys are config keys', () =>
    assert.deepEqual(messages(make('ConfigMap', { data: { 'a/b': 'x' } })), [
      `data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]));
  test('the data fits in 1 MiB', () =>
    assert.deepEqual(messages(make('ConfigMap', { data: { a: 'x'.repeat(1024 * 1024), b: 'y' } })), [': Too long: may not be more than 1048576 bytes']));
  test('immutable data stays', () => {
    const prev = make('ConfigMap', { data: { a: '1' }, immutable: true });
    const next = make('ConfigMap', { data: { a: '2' }, immutable: true });
    assert.deepEqual(validateObjectUpdate('ConfigMap', next, prev, { namespaced: true }).map(fieldErrorMessage), ['data: Forbidden: field is immutable when `immutable` is set']);
  });
});

describe('Secret validation', () => {
  test('defaults to Opaque and folds stringData into data', () => {
    const s = make('Secret', { stringData: { username: 'jdoe' } });
    assert.equal(s['type'], 'Opaque');
    assert.deepEqual(s['data'], { username: b64('jdoe') });
    assert.equal(s['stringData'], undefined);
    assert.deepEqual(messages(s), []);
  });
  test('data values are base64', () =>
    assert.deepEqual(messages(make('Secret', { data: { a: 'not base64!' } })), ['data[a]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3']));
  test('TLS secrets carry a cert and a key', () =>
    assert.deepEqual(messages(make('Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } })), ['data[tls.key]: Required value']));
  test('the data fits in 1 MiB', () =>
    assert.deepEqual(messages(make('Secret', { data: { a: b64('x'.repeat(1024 * 1024 + 1)) } })), ['data: Too long: may not be more than 1048576 bytes']));
  test('the type is immutable', () => {
    const prev = make('Secret', { data: {} });
    const next = make('Secret', { type: 'kubernetes.io/basic-auth', data: { username: b64('u') } });
    assert.deepEqual(validateObjectUpdate('Secret', next, prev, { namespaced: true }).map(fieldErrorMessage), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
  });
});
