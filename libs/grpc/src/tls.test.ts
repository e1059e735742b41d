// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError, newStatusError, type KubeObject, type RequestContext, type ResourceRef } from '@berth/api';
import { GrpcApiClient } from './grpc-api-client';
import { apiClientFromFiles } from './client-from-files';
import { createApiServer, type CallInfo, type RunningApiServer } from './resources-server';
import { MapBackend } from './map-backend.fixture';

const configmaps = { group: '', version: 'v1', resource: 'configmaps' };

// A throwaway CA with a server and a client certificate, made by the openssl CLI so the
// test does not depend on the code under test to make its own trust.
function makePki(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', Buffer> {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:apiserver.berth,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${who}.crt`, '-days', '1', '-extfile', `${who}.ext`);
  }
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  return {
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
}

describe('the API over mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-grpc-tls-'));
  const pki = makePki(dir);
  let server: RunningApiServer;

  before(async () => {
    server = await createApiServer({
      backend: new MapBackend(),
      address: '127.0.0.1:0',
      tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca },
    });
  });

  after(async () => {
    await server.stop(200);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client with a certificate from the cluster CA is served', async () => {
    const client = new GrpcApiClient({
      addresses: [server.address],
      tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, serverName: 'apiserver.berth' },
    });
    try {
      const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tls', namespace: 'default' } };
      await client.create(configmaps, 'default', obj);
      assert.equal((await client.get(configmaps, 'default', 'tls')).metadata?.name, 'tls');
    } finally {
      client.close();
    }
  });

  test('a client without a certificate is turned away', async () => {
    const client = new GrpcApiClient({ addresses: [server.address], tls: { ca: pki.ca }, connectTimeoutMs: 2000 });
    try {
      await assert.rejects(client.list(configmaps), (e: unknown) => e instanceof StatusError && e.reason === 'ServiceUnavailable');
    } finally {
      client.close();
    }
  });
});

describe('the API with optional client certificates (authenticate decides)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-grpc-tls-opt-'));
  const otherDir = mkdtempSync(join(tmpdir(), 'berth-grpc-tls-other-'));
  const pki = makePki(dir);
  const stranger = makePki(otherDir);
  // What authenticate saw of each call, and who the backend was told is calling.
  const seen: Array<{ path: string; cn: string | undefined; authorization: string[] }> = [];
  const users: Array<RequestContext['user']> = [];
  const backend = Object.assign(new MapBackend(), {
    get(ctx: RequestContext, ref: ResourceRef, opts: { resourceVersion?: string }) {
      users.push(ctx.user);
      return MapBackend.prototype.get.call(backend, ctx, ref, opts);
    },
  });
  const authenticate = (call: CallInfo): RequestContext['user'] => {
    const cert = call.getAuthContext().sslPeerCertificate;
    const cn = cert ? String(cert.subject.CN) : undefined;
    const authorization = call.metadata.get('authorization').map(String);
    seen.push({ path: call.getPath(), cn, authorization });
    if (cn !== undefined) return { name: cn, groups: [] };
    if (authorization[0] === 'Bearer s3cr3t.t0ken') return { name: 'system:serviceaccount:default:robot', groups: ['system:serviceaccounts'] };
    throw newStatusError('Unauthorized', 'Unauthorized');
  };
  let server: RunningApiServer;

  before(async () => {
    server = await createApiServer({
      backend,
      address: '127.0.0.1:0',
      tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca, clientCertOptional: true },
      authenticate,
    });
    await backend.create({}, { ...configmaps, namespace: 'default', name: '', subresource: '' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seed' } }, {});
  });

  after(async () => {
    await server.stop(200);
    rmSync(dir, { recursive: true, force: true });
    rmSync(otherDir, { recursive: true, force: true });
  });

  const client = (opts: { cert?: Buffer; key?: Buffer; token?: string } = {}): GrpcApiClient =>
    new GrpcApiClient({
      addresses: [server.address],
      tls: { ca: pki.ca, serverName: 'apiserver.berth', ...(opts.cert ? { cert: opts.cert } : {}), ...(opts.key ? { key: opts.key } : {}) },
      connectTimeoutMs: 2000,
      ...(opts.token ? { token: opts.token } : {}),
    });

  test('a client certificate of the CA still gets through, and authenticate sees it', async () => {
    seen.length = users.length = 0;
    const c = client({ cert: pki.clientCert, key: pki.clientKey });
    try {
      assert.equal((await c.get(configmaps, 'default', 'seed')).metadata?.name, 'seed');
      assert.deepEqual(seen, [{ path: '/berth.api.v1.Resources/Get', cn: 'client', authorization: [] }]);
      assert.deepEqual(users, [{ name: 'client', groups: [] }], 'the backend is told who calls');
    } finally {
      c.close();
    }
  });

  test('a bearer token goes with every call: unary, server streams and the exec stream', async () => {
    seen.length = users.length = 0;
    const c = client({ token: 's3cr3t.t0ken' });
    try {
      assert.equal((await c.get(configmaps, 'default', 'seed')).metadata?.name, 'seed');
      assert.deepEqual(users, [{ name: 'system:serviceaccount:default:robot', groups: ['system:serviceaccounts'] }]);
      const ac = new AbortController();
      for await (const ev of c.watch(configmaps, { namespace: 'default', signal: ac.signal })) {
        assert.equal(ev.object.metadata?.name, 'seed');
        ac.abort();
      }
      // The fixture has no logs or exec: past authentication they fail as unavailable.
      await assert.rejects(async () => {
        for await (const _ of c.logs({ namespace: 'default', name: 'p' })) void _;
      }, (e: unknown) => e instanceof StatusError && e.reason === 'ServiceUnavailable');
      await assert.rejects(async () => {
        for await (const _ of c.exec({ namespace: 'default', name: 'p', command: ['true'] }, (async function* () {})())) void _;
      }, (e: unknown) => e instanceof StatusError && e.reason === 'ServiceUnavailable');
      assert.deepEqual(
        seen.map((s) => [s.path, s.cn, s.authorization]),
        ['Resources/Get', 'Resources/Watch', 'NodeProxy/Logs', 'NodeProxy/Exec'].map((m) => [`/berth.api.v1.${m}`, undefined, ['Bearer s3cr3t.t0ken']]),
      );
    } finally {
      c.close();
    }
  });

  test('without credentials the TLS handshake succeeds and authenticate turns the call away, before anything else', async () => {
    seen.length = 0;
    const c = client();
    try {
      await assert.rejects(c.get(configmaps, 'default', 'seed'), (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized' && e.message === 'Unauthorized');
      await assert.rejects(async () => {
        for await (const _ of c.watch(configmaps, {})) void _;
      }, (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized');
      await assert.rejects(async () => {
        for await (const _ of c.logs({ namespace: 'default', name: 'p' })) void _;
      }, (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized', 'Unauthorized, not ServiceUnavailable');
      await assert.rejects(async () => {
        for await (const _ of c.exec({ namespace: 'default', name: 'p', command: ['true'] }, (async function* () {})())) void _;
      }, (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized');
      assert.equal(seen.length, 4);
    } finally {
      c.close();
    }
  });

  test("a certificate of another CA does not verify: the call sees no certificate at all", async () => {
    seen.length = 0;
    const c = client({ cert: stranger.clientCert, key: stranger.clientKey });
    try {
      await assert.rejects(c.get(configmaps, 'default', 'seed'), (e: unknown) => e instanceof StatusError && e.reason === 'Unauthorized');
      assert.deepEqual(seen, [{ path: '/berth.api.v1.Resources/Get', cn: undefined, authorization: [] }]);
    } finally {
      c.close();
    }
  });

  test('apiClientFromFiles reads a token file', async () => {
    seen.length = 0;
    writeFileSync(join(dir, 'token'), 's3cr3t.t0ken\n');
    const c = apiClientFromFiles([server.address], { caFile: join(dir, 'ca.crt'), serverName: 'apiserver.berth' }, { tokenFile: join(dir, 'token') });
    try {
      assert.equal((await c.get(configmaps, 'default', 'seed')).metadata?.name, 'seed');
      assert.deepEqual(seen[0]?.authorization, ['Bearer s3cr3t.t0ken']);
    } finally {
      c.close();
    }
  });

  test('optional client certificates without an authenticate hook are refused; tokens must be printable', async () => {
    await assert.rejects(
      createApiServer({ backend: new MapBackend(), address: '127.0.0.1:0', tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca, clientCertOptional: true } }),
      /needs an authenticate hook/,
    );
    assert.throws(() => new GrpcApiClient({ addresses: ['127.0.0.1:1'], token: '' }), /printable ASCII/);
    assert.throws(() => new GrpcApiClient({ addresses: ['127.0.0.1:1'], token: 'a b' }), /printable ASCII/);
    assert.throws(() => new GrpcApiClient({ addresses: ['127.0.0.1:1'], token: 'a\nb' }), /printable ASCII/);
  });
});
