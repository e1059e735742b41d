// SPDX-License-Identifier: Apache-2.0
// RBAC against a real apiserver: TLS client certificates for the users (CN = user, O =
// groups, as `openssl req -subj "/CN=jdoe/O=devs"` makes them), a real etcd, the bootstrap
// policy written at start, impersonation and access reviews over gRPC.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { StatusError, type KubeObject } from '@berth/api';
import { createClusterCa, issueCertificate, type CertKeyPair } from '@berth/certs';
import type { ResourceType } from '@berth/client';
import { GrpcApiClient } from '@berth/grpc';
import { silentLogger } from '@berth/observability';
import { freePort, startEtcd, waitFor, type EtcdServer } from '@berth/testing';
import { startApiserver, type RunningApiserver } from './server';

const RBAC = 'rbac.authorization.k8s.io';
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const clusterroles: ResourceType = { group: RBAC, version: 'v1', resource: 'clusterroles' };
const rolebindings: ResourceType = { group: RBAC, version: 'v1', resource: 'rolebindings' };
const reviews: ResourceType = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' };
const SERVER_NAME = 'apiserver.berth';

let etcd: EtcdServer;
let dir: string;
let ca: CertKeyPair;
let apiserver: RunningApiserver;
const clients: GrpcApiClient[] = [];

function client(cert: CertKeyPair, impersonate?: { user: string; groups?: string[] }): GrpcApiClient {
  const c = new GrpcApiClient({
    addresses: [apiserver.address],
    tls: { ca: Buffer.from(ca.cert), serverName: SERVER_NAME, cert: Buffer.from(cert.cert), key: Buffer.from(cert.key) },
    connectTimeoutMs: 2000,
    maxAttempts: 1,
    ...(impersonate ? { impersonate } : {}),
  });
  clients.push(c);
  return c;
}

async function forbidden(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StatusError && e.reason === 'Forbidden' && e.message === message);
}

let admin: GrpcApiClient;
let jdoe: GrpcApiClient;

before(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'berth-apiserver-authz-'));
  ca = await createClusterCa();
  const serving = await issueCertificate(ca, { commonName: 'apiserver', dnsNames: [SERVER_NAME], ipAddresses: ['127.0.0.1'], usage: 'server' });
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  writeFileSync(join(dir, 'apiserver.crt'), serving.cert);
  writeFileSync(join(dir, 'apiserver.key'), serving.key);
  apiserver = await startApiserver(
    {
      bindAddress: `127.0.0.1:${await freePort()}`,
      healthPort: 0,
      etcdServers: [etcd.endpoint],
      natsUrl: '',
      logLevel: 'silent',
      watchCacheSize: 1000,
      tls: { certFile: join(dir, 'apiserver.crt'), keyFile: join(dir, 'apiserver.key'), clientCaFile: join(dir, 'ca.crt') },
      authorizationMode: 'RBAC',
    },
    silentLogger(),
  );
  admin = client(await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' }));
  jdoe = client(await issueCertificate(ca, { commonName: 'jdoe', organizations: ['devs'], usage: 'client' }));
});

after(async () => {
  for (const c of clients) c.close();
  await apiserver?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function canI(c: GrpcApiClient, verb: string, resource: string, namespace: string, group = ''): Promise<boolean> {
  const review = await c.create<KubeObject>(reviews, '', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, resource, namespace, group } } });
  return (review['status'] as { allowed: boolean }).allowed;
}

describe('apiserver --authorization-mode RBAC', () => {
  test('the bootstrap policy is there from the start, as `describe clusterrole view` shows it', async () => {
    const view = await admin.get<KubeObject>(clusterroles, '', 'view');
    assert.equal(view.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
    assert.equal(view.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    const names = (await admin.list<KubeObject>(clusterroles)).items.map((r) => r.metadata?.name);
    for (const n of ['admin', 'cluster-admin', 'edit', 'view', 'system:node', 'system:kube-scheduler']) assert.ok(names.includes(n), n);
  });

  test('a user with a certificate but no binding is refused, with kubectl’s message', async () => {
    await forbidden(jdoe.list(pods, { namespace: 'default' }), 'pods is forbidden: User "jdoe" cannot list pods in the namespace "default"');
    assert.equal(await canI(jdoe, 'get', 'pods', 'default'), false);
    assert.equal(await canI(admin, '*', '*', ''), true);
  });

  test('a RoleBinding lets jdoe in, in its namespace only; the admin may impersonate jdoe', async () => {
    await admin.create(rolebindings, 'default', {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'jdoe' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: 'jdoe' }],
    });
    await waitFor('the binding in force', async () => ((await canI(jdoe, 'list', 'pods', 'default')) ? true : undefined));
    assert.deepEqual((await jdoe.list(pods, { namespace: 'default' })).items, []);
    await forbidden(jdoe.list(pods, {}), 'pods is forbidden: User "jdoe" cannot list pods at the cluster scope');
    // `berth auth can-i get pods --as jdoe` → yes; `… --all-namespaces` → no.
    const asJdoe = client(await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' }), { user: 'jdoe' });
    assert.equal(await canI(asJdoe, 'get', 'pods', 'default'), true);
    assert.equal(await canI(asJdoe, 'get', 'pods', ''), false);
    // jdoe may not impersonate anyone.
    const jdoeAsAdmin = client(await issueCertificate(ca, { commonName: 'jdoe', organizations: ['devs'], usage: 'client' }), { user: 'admin', groups: ['system:masters'] });
    await forbidden(jdoeAsAdmin.list(pods, { namespace: 'default' }), 'users "admin" is forbidden: User "jdoe" cannot impersonate users at the cluster scope');
  });

  test('jdoe may not grant more than view, the only role jdoe holds', async () => {
    await admin.create(rolebindings, 'default', {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'jdoe-rb' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: RBAC, kind: 'Group', name: 'devs' }],
    });
    await waitFor('admin in default', async () => ((await canI(jdoe, 'create', 'rolebindings', 'default', RBAC)) ? true : undefined));
    const binding = (role: string) => ({
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: `mgandhi-${role}` },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: 'mgandhi' }],
    });
    await jdoe.create(rolebindings, 'default', binding('edit'));
    await assert.rejects(
      jdoe.create(rolebindings, 'default', binding('cluster-admin')),
      (e: unknown) => e instanceof StatusError && e.reason === 'Forbidden' && e.message.startsWith('rolebindings.rbac.authorization.k8s.io "mgandhi-cluster-admin" is forbidden: user "jdoe" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'),
    );
  });
});
