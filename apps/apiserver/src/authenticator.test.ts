// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { StatusError, serviceUnavailable, type KubeObject } from '@berth/api';
import { createClusterCa, generateServiceAccountKeyPair, issueCertificate, signServiceAccountToken, type CertKeyPair } from '@berth/certs';
import {
  bearerToken,
  createAuthenticator,
  parseCaBundle,
  parseServiceAccountKey,
  type AuthenticationRequest,
  type SecretLookup,
} from './authenticator';

const claims = { namespace: 'jenkins', serviceAccountName: 'builder', serviceAccountUid: 'sa-uid-1', secretName: 'builder-token-x7k2p' };

function request(opts: { cert?: string; authorization?: string | string[] } = {}): AuthenticationRequest {
  const auth = opts.authorization === undefined ? [] : Array.isArray(opts.authorization) ? opts.authorization : [opts.authorization];
  return {
    metadata: { get: (key: string) => (key === 'authorization' ? auth : []) },
    getAuthContext: () => (opts.cert ? { transportSecurityType: 'ssl', sslPeerCertificate: { raw: new X509Certificate(opts.cert).raw } } : {}),
  };
}

function tokenSecret(token: string, overrides: { type?: string; annotations?: Record<string, string>; deletionTimestamp?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: claims.secretName,
      namespace: claims.namespace,
      annotations: overrides.annotations ?? { 'kubernetes.io/service-account.name': claims.serviceAccountName, 'kubernetes.io/service-account.uid': claims.serviceAccountUid },
      ...(overrides.deletionTimestamp ? { deletionTimestamp: overrides.deletionTimestamp } : {}),
    },
    type: overrides.type ?? 'kubernetes.io/service-account-token',
    data: { token: Buffer.from(token).toString('base64'), namespace: Buffer.from(claims.namespace).toString('base64') },
  };
}

async function expectUnauthorized(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized' && e.message === 'Unauthorized' && e.status.code === 401);
}

describe('authenticator', () => {
  let ca: CertKeyPair;
  let otherCa: CertKeyPair;
  const keys = generateServiceAccountKeyPair();
  let token: string;
  let secrets: Map<string, KubeObject>;
  let lookups: string[];
  const getSecret: SecretLookup = async (namespace, name) => {
    lookups.push(`${namespace}/${name}`);
    return secrets.get(`${namespace}/${name}`);
  };
  const authenticator = (over: { getSecret?: SecretLookup; now?: () => number } = {}) =>
    createAuthenticator({ clientCa: ca.cert, serviceAccountKey: parseServiceAccountKey(keys.publicKey), getSecret: over.getSecret ?? getSecret, ...(over.now ? { now: over.now } : {}) });

  before(async () => {
    [ca, otherCa] = await Promise.all([createClusterCa(), createClusterCa('another-ca')]);
    token = await signServiceAccountToken(claims, keys.privateKey);
  });

  const reset = (): void => {
    secrets = new Map([[`${claims.namespace}/${claims.secretName}`, tokenSecret(token)]]);
    lookups = [];
  };

  test('a client certificate of the CA: its CN is the user, its O values the groups', async () => {
    reset();
    const admin = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters', 'ops'], usage: 'client' });
    assert.deepEqual(await authenticator()(request({ cert: admin.cert })), { name: 'admin', groups: ['system:masters', 'ops', 'system:authenticated'] });
    const kubelet = await issueCertificate(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'both' });
    assert.deepEqual(await authenticator()(request({ cert: kubelet.cert })), { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
    const loner = await issueCertificate(ca, { commonName: 'alice', usage: 'client' });
    assert.deepEqual(await authenticator()(request({ cert: loner.cert })), { name: 'alice', groups: ['system:authenticated'] });
  });

  test('the certificate wins over a token; a bad certificate is not saved by a good token', async () => {
    reset();
    const admin = await issueCertificate(ca, { commonName: 'admin', usage: 'client' });
    const authorization = `Bearer ${token}`;
    assert.equal((await authenticator()(request({ cert: admin.cert, authorization }))).name, 'admin');
    assert.deepEqual(lookups, [], 'the token is not looked at');
    const stranger = await issueCertificate(otherCa, { commonName: 'admin', usage: 'client' });
    await expectUnauthorized(authenticator()(request({ cert: stranger.cert, authorization })));
  });

  test('certificates of another CA, expired or not yet valid, server-only, CA certificates or without a CN: Unauthorized', async () => {
    reset();
    const stranger = await issueCertificate(otherCa, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
    await expectUnauthorized(authenticator()(request({ cert: stranger.cert })));
    const shortLived = await issueCertificate(ca, { commonName: 'admin', usage: 'client', validDays: 1 });
    await expectUnauthorized(authenticator({ now: () => Date.now() + 2 * 86_400_000 })(request({ cert: shortLived.cert })));
    await expectUnauthorized(authenticator({ now: () => Date.now() - 86_400_000 })(request({ cert: shortLived.cert })));
    const server = await issueCertificate(ca, { commonName: 'apiserver', usage: 'server' });
    await expectUnauthorized(authenticator()(request({ cert: server.cert })));
    await expectUnauthorized(authenticator()(request({ cert: ca.cert })));
    const nameless = await issueCertificate(ca, { commonName: '', usage: 'client' });
    await expectUnauthorized(authenticator()(request({ cert: nameless.cert })));
  });

  test('a valid token whose Secret holds it: the service account, with its groups', async () => {
    reset();
    const user = await authenticator()(request({ authorization: `Bearer ${token}` }));
    assert.deepEqual(user, {
      name: 'system:serviceaccount:jenkins:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:jenkins', 'system:authenticated'],
    });
    assert.deepEqual(lookups, ['jenkins/builder-token-x7k2p']);
    assert.equal((await authenticator()(request({ authorization: `bearer ${token}` }))).name, user.name, 'the scheme is case-insensitive');
  });

  test('no credentials, another scheme or an empty bearer: Unauthorized', async () => {
    reset();
    for (const authorization of [undefined, '', 'Bearer', 'Bearer ', `Basic ${token}`, `Bearer ${token} extra`, 'Bearer not-a-jwt']) {
      await expectUnauthorized(authenticator()(request(authorization === undefined ? {} : { authorization })));
    }
    assert.deepEqual(lookups, [], 'nothing worth a lookup');
  });

  test('a token signed by another key or forged: Unauthorized without a lookup', async () => {
    reset();
    const foreign = await signServiceAccountToken(claims, generateServiceAccountKeyPair().privateKey);
    await expectUnauthorized(authenticator()(request({ authorization: `Bearer ${foreign}` })));
    const [h, , s] = token.split('.') as [string, string, string];
    const payload = Buffer.from(JSON.stringify({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    await expectUnauthorized(authenticator()(request({ authorization: `Bearer ${h}.${payload}.${s}` })));
    assert.deepEqual(lookups, []);
  });

  test('the Secret decides: deleted, being deleted, of another type, another account or holding another token revokes', async () => {
    const cases: Array<[string, KubeObject | undefined]> = [
      ['deleted', undefined],
      ['being deleted', tokenSecret('', { deletionTimestamp: '2024-01-01T00:00:00Z' })],
      ['Opaque', tokenSecret('', { type: 'Opaque' })],
      ['another uid (the account was recreated)', tokenSecret('', { annotations: { 'kubernetes.io/service-account.name': 'builder', 'kubernetes.io/service-account.uid': 'sa-uid-2' } })],
      ['another account name', tokenSecret('', { annotations: { 'kubernetes.io/service-account.name': 'deployer', 'kubernetes.io/service-account.uid': 'sa-uid-1' } })],
      ['no annotations', tokenSecret('', { annotations: {} })],
      ['another token', tokenSecret(`${token}x`)],
    ];
    for (const [why, secret] of cases) {
      reset();
      const key = `${claims.namespace}/${claims.secretName}`;
      if (secret) {
        const withToken = why === 'another token' ? secret : { ...secret, data: tokenSecret(token)['data'] };
        secrets.set(key, withToken);
      } else {
        secrets.delete(key);
      }
      await assert.rejects(authenticator()(request({ authorization: `Bearer ${token}` })), (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized', why);
    }
    reset();
    const noData = tokenSecret(token);
    delete noData['data'];
    secrets.set(`${claims.namespace}/${claims.secretName}`, noData);
    await expectUnauthorized(authenticator()(request({ authorization: `Bearer ${token}` })));
  });

  test('a failing Secret lookup is an error, not a revocation', async () => {
    reset();
    const failing: SecretLookup = () => Promise.reject(serviceUnavailable('etcd is down'));
    await assert.rejects(authenticator({ getSecret: failing })(request({ authorization: `Bearer ${token}` })), (e: unknown) => e instanceof StatusError && e.reason === 'ServiceUnavailable');
  });

  test('bearerToken reads the first header as Kubernetes does', () => {
    assert.equal(bearerToken(['Bearer abc.def']), 'abc.def');
    assert.equal(bearerToken(['BEARER   abc']), 'abc');
    assert.equal(bearerToken([Buffer.from('Bearer abc'), 'Bearer def']), 'def');
    assert.equal(bearerToken([]), undefined);
    assert.equal(bearerToken(['Bearer a b']), undefined);
    assert.equal(bearerToken(['Token abc']), undefined);
  });

  test('the service-account key: PEM public or private EC P-256 key, nothing else', () => {
    const pair = generateServiceAccountKeyPair();
    assert.equal(parseServiceAccountKey(pair.publicKey).type, 'public');
    assert.equal(parseServiceAccountKey(Buffer.from(pair.privateKey)).type, 'public', 'the public half of a private key');
    assert.throws(() => parseServiceAccountKey('not a key'), /not a PEM public key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    assert.throws(() => parseServiceAccountKey(rsa), /want an EC P-256 key, not rsa/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' });
    assert.throws(() => parseServiceAccountKey(p384), /want an EC P-256 key/);
  });

  test('the client CA bundle: every CA certificate in it, and at least one', async () => {
    assert.equal(parseCaBundle(`${ca.cert}\n${otherCa.cert}`).length, 2);
    const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client' });
    assert.throws(() => parseCaBundle(leaf.cert), /no CA certificate/);
    assert.throws(() => parseCaBundle(''), /no CA certificate/);
    const both = createAuthenticator({ clientCa: `${otherCa.cert}${ca.cert}`, serviceAccountKey: parseServiceAccountKey(keys.publicKey), getSecret });
    assert.equal((await both(request({ cert: leaf.cert }))).name, 'x');
  });
});
