// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signBoundServiceAccountToken, verifyBoundServiceAccountToken } from './bound-service-account-token';
import { generateServiceAccountKeyPair, signServiceAccountToken } from './service-account-token';

const keys = generateServiceAccountKeyPair();
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const claims = { namespace: 'ci', serviceAccount: { name: 'builder', uid: 'sa-uid' }, boundObject: { kind: 'Pod' as const, name: 'p', uid: 'pod-uid' } };
const T0 = Date.parse('2026-12-07T10:00:00Z');

describe('bound service-account tokens', () => {
  test('round trip: the service account, the bound pod and the expiry', async () => {
    const { token, expiresAt } = await signBoundServiceAccountToken(claims, keys.privateKey, { issuer: ISSUER, audiences: [ISSUER], expirationSeconds: 3600, now: T0 });
    assert.equal(expiresAt.toISOString(), '2026-12-07T11:00:00.000Z');
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(payload['kubernetes.io'], { namespace: 'ci', serviceaccount: { name: 'builder', uid: 'sa-uid' }, pod: { name: 'p', uid: 'pod-uid' } });
    assert.equal(payload['sub'], 'system:serviceaccount:ci:builder');
    const v = await verifyBoundServiceAccountToken(token, keys.publicKey, { issuer: ISSUER, audiences: [ISSUER], now: T0 + 60_000 });
    assert.deepEqual(v, { claims, username: 'system:serviceaccount:ci:builder', expiresAt });
  });

  test('expired, for another audience or issuer, signed by another key, or a legacy token: not valid', async () => {
    const { token } = await signBoundServiceAccountToken(claims, keys.privateKey, { issuer: ISSUER, audiences: ['vault'], expirationSeconds: 600, now: T0 });
    const verify = (t: string, o: Partial<{ issuer: string; audiences: string[]; now: number }> = {}, key = keys.publicKey) =>
      verifyBoundServiceAccountToken(t, key, { issuer: ISSUER, audiences: ['vault'], now: T0, ...o });
    assert.ok(await verify(token));
    assert.equal(await verify(token, { now: T0 + 601_000 }), undefined);
    assert.equal(await verify(token, { audiences: [ISSUER] }), undefined);
    assert.equal(await verify(token, { issuer: 'https://elsewhere' }), undefined);
    assert.equal(await verify(token, {}, generateServiceAccountKeyPair().publicKey), undefined);
    const legacy = await signServiceAccountToken({ namespace: 'ci', serviceAccountName: 'builder', serviceAccountUid: 'sa-uid', secretName: 's' }, keys.privateKey);
    assert.equal(await verify(legacy), undefined);
    assert.equal(await verify('not.a.jwt'), undefined);
  });
});
