// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryRuntime } from '@berth/runtime';
import { NetworkProber } from './prober';

describe('NetworkProber', () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(req.url === '/healthz' ? 200 : 404).end();
  });
  let port = 0;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((r) => server.close(r)));

  test('httpGet: 2xx/3xx succeed, others fail with the status code; named ports resolve; kube-probe User-Agent', async () => {
    const prober = new NetworkProber(new MemoryRuntime());
    const target = { podIP: '127.0.0.1', containerId: 'c', container: { name: 'api', ports: [{ name: 'http', containerPort: port }] } };
    assert.deepEqual(await prober.probe({ httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, target, 1000), { ok: true, message: '' });
    assert.equal(seen.at(-1)?.['user-agent'], 'kube-probe/1.29');
    assert.equal(seen.at(-1)?.['x-probe'], 'yes');
    assert.deepEqual(await prober.probe({ httpGet: { path: '/missing', port } }, target, 1000), { ok: false, message: 'HTTP probe failed with statuscode: 404' });
    assert.deepEqual(await prober.probe({ httpGet: { path: '/', port: 'nope' } }, target, 1000), { ok: false, message: 'invalid port "nope"' });
  });

  test('tcpSocket and exec', async () => {
    const rt = new MemoryRuntime({ images: ['busybox'], execHandler: (_c, cmd) => (cmd[0] === 'true' ? { exitCode: 0 } : { exitCode: 1, output: 'not ready\n' }) });
    const sb = await rt.runSandbox({ pod: { uid: 'u', name: 'p', namespace: 'default' }, attempt: 0, hostname: 'p', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    const id = await rt.createContainer(sb.id, { name: 'api', attempt: 0, image: 'busybox', env: [], mounts: [] });
    await rt.startContainer(id);
    const prober = new NetworkProber(rt);
    const target = { podIP: '127.0.0.1', containerId: id, container: { name: 'api' } };
    assert.deepEqual(await prober.probe({ tcpSocket: { port } }, target, 1000), { ok: true, message: '' });
    assert.deepEqual(await prober.probe({ exec: { command: ['true'] } }, target, 1000), { ok: true, message: '' });
    assert.deepEqual(await prober.probe({ exec: { command: ['false'] } }, target, 1000), { ok: false, message: 'not ready' });
    await rt.stopContainer(id, 0);
    assert.match((await prober.probe({ exec: { command: ['true'] } }, target, 1000)).message, /is not running/);
  });
});
