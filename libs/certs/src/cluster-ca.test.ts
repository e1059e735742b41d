// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describe, test } from 'node:test';
import { createClusterCa, issueCertificate } from './cluster-ca';

describe('cluster CA', () => {
  test('issues a server certificate a TLS client accepts and a client certificate the server verifies', async () => {
    const ca = await createClusterCa();
    const server = await issueCertificate(ca, { commonName: 'berth-apiserver', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const client = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
    assert.ok(new X509Certificate(server.cert).verify(new X509Certificate(ca.cert).publicKey));
    assert.equal(new X509Certificate(server.cert).checkIP('127.0.0.1'), '127.0.0.1');

    const https = createServer({ cert: server.cert, key: server.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.end(`${peer.subject.CN}/${String(peer.subject.O)}`);
    });
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    try {
      const port = (https.address() as AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, ca: ca.cert, cert: client.cert, key: client.key }, (res) => {
          let s = '';
          res.on('data', (d: Buffer) => (s += d.toString()));
          res.on('end', () => resolve(s));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'admin/system:masters');

      const other = await createClusterCa('other');
      await assert.rejects(
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port, ca: other.cert }, resolve);
          req.on('error', reject);
          req.end();
        }),
        /self-signed|unable to verify|certificate/,
      );
    } finally {
      https.close();
    }
  });
});
