// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isGeneratedTokenName, isTokenOf, tokenSecretName, type Secret } from './token-secrets';

describe('token secrets', () => {
  test('names: <sa>-token-xxxxx from the utilrand alphabet, cut to 63 like generateName', () => {
    assert.match(tokenSecretName('default'), /^default-token-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const long = tokenSecretName('a'.repeat(70));
    assert.equal(long.length, 63);
    assert.ok(isGeneratedTokenName('a'.repeat(70), long));
    assert.ok(isGeneratedTokenName('default', 'default-token-l9fhk'));
    assert.ok(!isGeneratedTokenName('default', 'default-token-l9fhkx'));
    assert.ok(!isGeneratedTokenName('default', 'registry-creds'));
  });

  test("isTokenOf: type, name annotation, and the uid when there is one", () => {
    const sa = { metadata: { name: 'default', uid: 'u1' } };
    const secret = (type: string, annotations: Record<string, string>): Secret => ({ metadata: { name: 's', annotations }, type });
    const t = 'kubernetes.io/service-account-token';
    assert.ok(isTokenOf(secret(t, { 'kubernetes.io/service-account.name': 'default', 'kubernetes.io/service-account.uid': 'u1' }), sa));
    assert.ok(isTokenOf(secret(t, { 'kubernetes.io/service-account.name': 'default' }), sa), 'no uid yet (user-made)');
    assert.ok(!isTokenOf(secret(t, { 'kubernetes.io/service-account.name': 'default', 'kubernetes.io/service-account.uid': 'u0' }), sa));
    assert.ok(!isTokenOf(secret(t, { 'kubernetes.io/service-account.name': 'other' }), sa));
    assert.ok(!isTokenOf(secret('Opaque', { 'kubernetes.io/service-account.name': 'default' }), sa));
  });
});
