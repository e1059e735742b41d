// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError, type KubeObject } from '@berth/api';
import { GrpcApiClient } from './grpc-api-client';
import { createApiServer, type RunningApiServer } from './resources-server';
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
