// SPDX-License-Identifier: Apache-2.0
// The tunnel against a real nats-server, with the in-memory runtime behind the node side.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { MemoryRuntime } from '@berth/runtime';
import { startNats, type NatsServer } from '@berth/testing';
import { NodeTunnelClient, TunnelRequestError } from './tunnel-client';
import { TunnelError, serveNodeTunnel } from './tunnel-server';
import { natsAuthorizationConfig } from './protocol';

describe('node tunnel over NATS', () => {
  let nats: NatsServer;
  let nodeNc: NatsConnection;
  let apiNc: NatsConnection;
  let stop: () => void;
  const runtime = new MemoryRuntime({
    images: ['mongo:3.3'],
    behavior: () => ({ output: ['waiting for connections on port 27017', 'second line'] }),
    execHandler: (_c, cmd) => (cmd[0] === 'ps' ? { exitCode: 0, output: 'PID USER COMMAND\n1 root mongod\n' } : { exitCode: 7, output: 'nope\n' }),
  });
  let containerId = '';

  before(async () => {
    nats = await startNats({ jetstream: false });
    nodeNc = await connect({ servers: nats.url });
    apiNc = await connect({ servers: nats.url });
    const sb = await runtime.runSandbox({ pod: { uid: 'u', name: 'db', namespace: 'default' }, attempt: 0, hostname: 'db', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    containerId = await runtime.createContainer(sb.id, { name: 'db', attempt: 0, image: 'mongo:3.3', env: [], mounts: [] });
    await runtime.startContainer(containerId);
    stop = serveNodeTunnel({
      nc: nodeNc,
      nodeName: 'node1',
      runtime,
      resolve: async (ns, pod, container) => {
        if (ns === 'default' && pod === 'db' && (!container || container === 'db')) return containerId;
        throw new TunnelError('NotFound', `pods "${pod}" not found`);
      },
    });
    await nodeNc.flush();
  });

  after(async () => {
    stop?.();
    await nodeNc?.close();
    await apiNc?.close();
    await nats?.stop();
  });

  test('logs: lines stream back, tail applies, unknown pods fail with NotFound', async () => {
    const client = new NodeTunnelClient(apiNc);
    let out = '';
    for await (const c of client.logs('node1', { namespace: 'default', pod: 'db' })) out += Buffer.from(c.data).toString();
    assert.equal(out, 'waiting for connections on port 27017\nsecond line\n');
    out = '';
    for await (const c of client.logs('node1', { namespace: 'default', pod: 'db', tail: 1 })) out += Buffer.from(c.data).toString();
    assert.equal(out, 'second line\n');
    await assert.rejects(
      (async () => {
        for await (const _ of client.logs('node1', { namespace: 'default', pod: 'nope' })) void _;
      })(),
      (e: unknown) => e instanceof TunnelRequestError && e.code === 'NotFound' && e.message === 'pods "nope" not found',
    );
  });

  test('exec: output and exit codes; a node that does not answer fails with Unavailable', async () => {
    const client = new NodeTunnelClient(apiNc, { readyTimeoutMs: 500 });
    const s = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['ps', 'aux'] });
    let out = '';
    for await (const c of s.output) out += Buffer.from(c.data).toString();
    assert.match(out, /1 root mongod/);
    assert.equal(await s.exitCode, 0);
    const f = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['false'] });
    for await (const _ of f.output) void _;
    assert.equal(await f.exitCode, 7);
    await assert.rejects(client.exec('node2', { namespace: 'default', pod: 'db', command: ['ps'] }), (e: unknown) => e instanceof TunnelRequestError && e.code === 'Unavailable');
  });

  test('authorization config limits a node to its own subjects', () => {
    const conf = natsAuthorizationConfig([{ name: 'node1', password: 'p1' }], { user: 'apiserver', password: 'pa' });
    assert.match(conf, /user: "node-node1"/);
    assert.match(conf, /subscribe: \{ allow: \["berth\.node\.node1\.>"/);
    assert.match(conf, /publish: \{ allow: \["berth\.tunnel\.node1\.>"/);
  });
});
