// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateServiceAccountKeyPair, signServiceAccountToken, verifyServiceAccountToken } from './service-account-token';

const claims = { namespace: 'jenkins', serviceAccountName: 'default', serviceAccountUid: 'u-1', secretName: 'default-token-l9fhk' };

describe('service-account tokens', () => {
  test('a signed token verifies to the service account, its groups and its secret', async () => {
    const keys = generateServiceAccountKeyPair();
    const token = await signServiceAccountToken(claims, keys.privateKey);
    assert.equal(token.split('.').length, 3, 'a JWT');
    const user = await verifyServiceAccountToken(token, keys.publicKey);
    assert.deepEqual(user, {
      username: 'system:serviceaccount:jenkins:default',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:jenkins', 'system:authenticated'],
      claims,
    });
    assert.deepEqual((await verifyServiceAccountToken(token, keys.privateKey))?.username, user?.username, 'the private key verifies too');
  });

  test('another cluster\'s key, a tampered payload or garbage: not a token of ours', async () => {
    const keys = generateServiceAccountKeyPair();
    const token = await signServiceAccountToken(claims, keys.privateKey);
    assert.equal(await verifyServiceAccountToken(token, generateServiceAccountKeyPair().publicKey), undefined);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    payload['kubernetes.io/serviceaccount/namespace'] = 'kube-system';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    assert.equal(await verifyServiceAccountToken(forged, keys.publicKey), undefined);
    for (const junk of ['', 'abc', 'a.b.c', `${h}..${s}`]) assert.equal(await verifyServiceAccountToken(junk, keys.publicKey), undefined, junk);
  });
});
