// SPDX-License-Identifier: Apache-2.0
// Client certificates and service-account tokens against a real apiserver: TLS, a real etcd,
// the registry as the place where token Secrets live.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StatusError, type KubeObject } from '@berth/api';
import { createClusterCa, generateServiceAccountKeyPair, issueCertificate, signServiceAccountToken, type CertKeyPair } from '@berth/certs';
import type { ResourceType } from '@berth/client';
import { GrpcApiClient } from '@berth/grpc';
import { silentLogger } from '@berth/observability';
import { freePort, startEtcd, waitFor, type EtcdServer } from '@berth/testing';
import type { ApiserverConfig } from './config';
import { startApiserver, type RunningApiserver } from './server';

const configmaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };
const secrets: ResourceType = { group: '', version: 'v1', resource: 'secrets' };
const serviceaccounts: ResourceType = { group: '', version: 'v1', resource: 'serviceaccounts' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const SERVER_NAME = 'apiserver.berth';

const isUnauthorized = (e: unknown): boolean => e instanceof StatusError && e.reason === 'Unauthorized' && e.message === 'Unauthorized';

let etcd: EtcdServer;
let dir: string;
let ca: CertKeyPair;
let admin: CertKeyPair;
const saKeys = generateServiceAccountKeyPair();

async function apiserverWith(serviceAccountKeyFile: string | undefined, signingKeyFile?: string): Promise<RunningApiserver> {
  const config: ApiserverConfig = {
    bindAddress: `127.0.0.1:${await freePort()}`,
    healthPort: 0,
    etcdServers: [etcd.endpoint],
    natsUrl: '',
    logLevel: 'silent',
    watchCacheSize: 1000,
    tls: { certFile: join(dir, 'apiserver.crt'), keyFile: join(dir, 'apiserver.key'), clientCaFile: join(dir, 'ca.crt') },
    ...(serviceAccountKeyFile ? { serviceAccountKeyFile } : {}),
    ...(signingKeyFile ? { serviceAccountSigningKeyFile: signingKeyFile } : {}),
  };
  return startApiserver(config, silentLogger());
}

function client(address: string, opts: { cert?: CertKeyPair; token?: string } = {}): GrpcApiClient {
  return new GrpcApiClient({
    addresses: [address],
    tls: { ca: Buffer.from(ca.cert), serverName: SERVER_NAME, ...(opts.cert ? { cert: Buffer.from(opts.cert.cert), key: Buffer.from(opts.cert.key) } : {}) },
    connectTimeoutMs: 2000,
    maxAttempts: 1,
    ...(opts.token ? { token: opts.token } : {}),
  });
}

/** A service account and its token Secret, as the token controller would make them; returns the token. */
async function serviceAccountToken(c: GrpcApiClient, name: string, signingKey = saKeys.privateKey): Promise<string> {
  const sa = await c.create<KubeObject>(serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  const secretName = `${name}-token-abcde`;
  const token = await signServiceAccountToken({ namespace: 'default', serviceAccountName: name, serviceAccountUid: sa.metadata?.uid ?? '', secretName }, signingKey);
  await c.create(secrets, 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, annotations: { 'kubernetes.io/service-account.name': name, 'kubernetes.io/service-account.uid': sa.metadata?.uid ?? '' } },
    type: 'kubernetes.io/service-account-token',
    data: { token: Buffer.from(token).toString('base64') },
  });
  return token;
}

before(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'berth-apiserver-authn-'));
  ca = await createClusterCa();
  const serving = await issueCertificate(ca, { commonName: 'apiserver', dnsNames: [SERVER_NAME], ipAddresses: ['127.0.0.1'], usage: 'server' });
  admin = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  writeFileSync(join(dir, 'apiserver.crt'), serving.cert);
  writeFileSync(join(dir, 'apiserver.key'), serving.key);
  writeFileSync(join(dir, 'sa.pub'), saKeys.publicKey);
  writeFileSync(join(dir, 'sa.key'), saKeys.privateKey);
});

after(async () => {
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('apiserver with --service-account-key-file', () => {
  let apiserver: RunningApiserver;
  let adminClient: GrpcApiClient;

  before(async () => {
    apiserver = await apiserverWith(join(dir, 'sa.pub'), join(dir, 'sa.key'));
    adminClient = client(apiserver.address, { cert: admin });
  });

  after(async () => {
    adminClient?.close();
    await apiserver?.stop();
  });

  test('a client certificate of the cluster CA still works', async () => {
    await adminClient.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-admin' }, data: { a: '1' } });
    assert.deepEqual((await adminClient.get(configmaps, 'default', 'by-admin'))['data'], { a: '1' });
  });

  test("a service account's token works for calls and watches", async () => {
    const token = await serviceAccountToken(adminClient, 'robot');
    const robot = client(apiserver.address, { token });
    try {
      await robot.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-robot' } });
      assert.equal((await robot.get(configmaps, 'default', 'by-robot')).metadata?.name, 'by-robot');
      const ac = new AbortController();
      for await (const ev of robot.watch(configmaps, { namespace: 'default', fieldSelector: 'metadata.name=by-robot', signal: ac.signal })) {
        assert.equal(ev.object.metadata?.name, 'by-robot');
        ac.abort();
      }
    } finally {
      robot.close();
    }
  });

  test('no credentials: Unauthorized, for calls and watches', async () => {
    const anonymous = client(apiserver.address);
    try {
      await assert.rejects(anonymous.list(configmaps, { namespace: 'default' }), isUnauthorized);
      await assert.rejects(anonymous.version(), isUnauthorized);
      await assert.rejects(async () => {
        for await (const _ of anonymous.watch(configmaps, {})) void _;
      }, isUnauthorized);
    } finally {
      anonymous.close();
    }
  });

  test('a token signed by another key: Unauthorized, even with its Secret in place', async () => {
    const forged = await serviceAccountToken(adminClient, 'impostor', generateServiceAccountKeyPair().privateKey);
    const c = client(apiserver.address, { token: forged });
    try {
      await assert.rejects(c.list(configmaps, { namespace: 'default' }), isUnauthorized);
    } finally {
      c.close();
    }
  });

  test('deleting the Secret revokes the token', async () => {
    const token = await serviceAccountToken(adminClient, 'shortlived');
    const c = client(apiserver.address, { token });
    try {
      await c.list(configmaps, { namespace: 'default' });
      await adminClient.delete(secrets, 'default', 'shortlived-token-abcde');
      // The lookup reads the watch cache: the delete is seen there within moments.
      await waitFor('the token to stop working', () => c.list(configmaps, { namespace: 'default' }).then(() => undefined, (e: unknown) => e), 5000).then((e) =>
        assert.ok(isUnauthorized(e), String(e)),
      );
    } finally {
      c.close();
    }
  });

  test('TokenRequest: a bound token works until it expires, or its account or pod is deleted', async () => {
    const sa = await adminClient.create<KubeObject>(serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bound' } });
    const pod = await adminClient.create<KubeObject>(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'holder' }, spec: { serviceAccountName: 'bound', containers: [{ name: 'c', image: 'busybox' }] } });
    const tokenFor = async (spec: Record<string, unknown>): Promise<string> => {
      const tr = await adminClient.create<KubeObject>(serviceaccounts, 'default', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'bound' }, spec }, { subresource: 'token' });
      return (tr['status'] as { token: string }).token;
    };
    const works = async (token: string): Promise<unknown> => {
      const c = client(apiserver.address, { token });
      try {
        return await c.list(configmaps, { namespace: 'default' }).then(() => true, (e: unknown) => e);
      } finally {
        c.close();
      }
    };
    const plain = await tokenFor({});
    const podBound = await tokenFor({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'holder', uid: pod.metadata?.uid } });
    const otherAudience = await tokenFor({ audiences: ['vault'] });
    assert.equal(await works(plain), true);
    assert.equal(await works(podBound), true);
    assert.ok(isUnauthorized(await works(otherAudience)), 'a token for another audience is not for the apiserver');
    await adminClient.delete(pods, 'default', 'holder', { gracePeriodSeconds: 0 });
    await waitFor('the pod-bound token to stop working', async () => (isUnauthorized(await works(podBound)) ? true : undefined), 5000);
    assert.equal(await works(plain), true);
    await adminClient.delete(serviceaccounts, 'default', 'bound');
    await waitFor('the token to stop working', async () => (isUnauthorized(await works(plain)) ? true : undefined), 5000);
    assert.ok(sa.metadata?.uid);
  });

  test('a client certificate of another CA is rejected', async () => {
    const otherCa = await createClusterCa('another-ca');
    const stranger = await issueCertificate(otherCa, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
    const c = client(apiserver.address, { cert: stranger });
    try {
      await assert.rejects(c.list(configmaps, { namespace: 'default' }), isUnauthorized);
    } finally {
      c.close();
    }
  });
});

describe('apiserver without --service-account-key-file', () => {
  let apiserver: RunningApiserver;

  before(async () => {
    apiserver = await apiserverWith(undefined);
  });

  after(async () => {
    await apiserver?.stop();
  });

  test('TLS still requires a client certificate: callers without one, token or not, are turned away', async () => {
    const withCert = client(apiserver.address, { cert: admin });
    const token = await serviceAccountToken(withCert, 'ignored');
    const tokenOnly = client(apiserver.address, { token });
    const anonymous = client(apiserver.address);
    try {
      assert.ok((await withCert.list(configmaps, { namespace: 'default' })).items.length >= 0);
      // The handshake itself fails: grpc-js reports a connection that could not be made.
      for (const c of [tokenOnly, anonymous]) {
        await assert.rejects(c.list(configmaps, { namespace: 'default' }), (e: unknown) => e instanceof StatusError && e.reason === 'ServiceUnavailable');
      }
    } finally {
      for (const c of [withCert, tokenOnly, anonymous]) c.close();
    }
  });
});
