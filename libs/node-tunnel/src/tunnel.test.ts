// SPDX-License-Identifier: Apache-2.0
// The tunnel against a real nats-server, with the in-memory runtime behind the node side.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import type { NodeStats } from '@berth/api';
import { MemoryRuntime, toyExec } from '@berth/runtime';
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
    // Sessions with stdin and a terminal: the toy shell (ps and false stay with execHandler).
    interactiveExec: (c, cmd, io) => (cmd[0] === 'ps' || cmd[0] === 'false' ? undefined : toyExec(c, cmd, io)),
  });
  let containerId = '';
  let exitedId = '';

  before(async () => {
    nats = await startNats({ jetstream: false });
    nodeNc = await connect({ servers: nats.url });
    apiNc = await connect({ servers: nats.url });
    const sb = await runtime.runSandbox({ pod: { uid: 'u', name: 'db', namespace: 'default' }, attempt: 0, hostname: 'db', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    containerId = await runtime.createContainer(sb.id, { name: 'db', attempt: 0, image: 'mongo:3.3', env: [], mounts: [] });
    await runtime.startContainer(containerId);
    exitedId = await runtime.createContainer(sb.id, { name: 'init', attempt: 0, image: 'mongo:3.3', env: [], mounts: [] });
    await runtime.startContainer(exitedId);
    runtime.exit(exitedId, 0);
    stop = serveNodeTunnel({
      nc: nodeNc,
      nodeName: 'node1',
      runtime,
      resolve: async (ns, pod, container) => {
        if (ns === 'default' && pod === 'db' && (!container || container === 'db')) return containerId;
        if (ns === 'default' && pod === 'db' && container === 'init') return exitedId;
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

  test('exec: stdin, resizes and the end of stdin reach the command; stderr and the exit code come back', async () => {
    const client = new NodeTunnelClient(apiNc);
    const read = async (s: { output: AsyncIterable<{ stream: string; data: Uint8Array }> }): Promise<string> => {
      let out = '';
      for await (const c of s.output) out += `${c.stream}:${Buffer.from(c.data).toString()}`;
      return out;
    };
    const cat = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['cat'], stdin: true });
    cat.write(Buffer.from('hello\n'));
    cat.write(Buffer.from('world\n'));
    cat.closeStdin();
    assert.equal(await read(cat), 'stdout:hello\nstdout:world\n');
    assert.equal(await cat.exitCode, 0);
    // More stdin at once than NATS carries in one message.
    const big = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['cat'], stdin: true });
    big.write(Buffer.alloc(3 * 1024 * 1024 + 5, 'x'));
    big.closeStdin();
    let bytes = 0;
    for await (const c of big.output) bytes += c.data.length;
    assert.equal(bytes, 3 * 1024 * 1024 + 5);

    const tty = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['sh', '-c', 'cat; stty size; echo err >&2'], stdin: true, tty: true });
    tty.resize(100, 40);
    tty.closeStdin();
    assert.equal(await read(tty), 'stdout:40 100\nstdout:err\n', 'a terminal has one stream');
    assert.equal(await tty.exitCode, 0);

    const fail = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    assert.equal(await read(fail), 'stdout:out\nstderr:err\n');
    assert.equal(await fail.exitCode, 3);
  });

  test('exec: cancel kills the session; a container that is not running is "container not found"', async () => {
    const client = new NodeTunnelClient(apiNc);
    const sleep = await client.exec('node1', { namespace: 'default', pod: 'db', command: ['sleep', '3600'] });
    sleep.cancel();
    for await (const _ of sleep.output) void _;
    assert.equal(await sleep.exitCode, 137);
    const notRunning = (e: unknown): boolean => e instanceof TunnelRequestError && e.code === 'BadRequest' && /^unable to upgrade connection: container not found \("(init|nope)"\)$/.test(e.message);
    await assert.rejects(client.exec('node1', { namespace: 'default', pod: 'db', container: 'init', command: ['ls'] }), notRunning);
    await assert.rejects(client.exec('node1', { namespace: 'default', pod: 'nope', container: 'nope', command: ['ls'] }), notRunning);
  });

  /** A node of its own, serving one running container of `rt` (pod `node` in default). */
  const nodeWith = async (node: string, rt: MemoryRuntime): Promise<{ nc: NatsConnection; stop: () => Promise<void> }> => {
    const sb = await rt.runSandbox({ pod: { uid: node, name: node, namespace: 'default' }, attempt: 0, hostname: node, dnsServers: [], dnsSearches: [], dnsOptions: [] });
    const id = await rt.createContainer(sb.id, { name: 'c', attempt: 0, image: 'busybox', env: [], mounts: [] });
    await rt.startContainer(id);
    const nc = await connect({ servers: nats.url });
    const stopServing = serveNodeTunnel({ nc, nodeName: node, runtime: rt, resolve: async () => id });
    await nc.flush();
    return {
      nc,
      stop: async () => {
        stopServing();
        await nc.close();
      },
    };
  };

  test('output over the NATS max payload comes back whole; a slow reader holds the node to the window', async () => {
    // ~3 MiB of numbered 1 KiB lines: one message would be over NATS's 1 MiB max_payload
    const lines = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(1016)}`);
    const text = lines.map((l) => `${l}\n`).join('');
    const { nc, stop: stopBig } = await nodeWith('big', new MemoryRuntime({ images: ['busybox'], behavior: () => ({ output: lines }), execHandler: () => ({ exitCode: 0, output: text }) }));
    try {
      const windowBytes = 256 * 1024;
      const client = new NodeTunnelClient(apiNc, { windowBytes });
      let logs = '';
      for await (const c of client.logs('big', { namespace: 'default', pod: 'big' })) logs += Buffer.from(c.data).toString();
      assert.equal(logs.length, text.length);
      assert.equal(logs, text);

      // a reader that takes its time: what the node sent ahead of it stays within the window
      // (plus the frame in flight and a few bytes of frame headers)
      const base = nc.stats().outBytes;
      const session = await client.exec('big', { namespace: 'default', pod: 'big', command: ['cat', 'big'] });
      let got = 0;
      let ahead = 0;
      for await (const c of session.output) {
        ahead = Math.max(ahead, nc.stats().outBytes - base - got);
        got += c.data.length;
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(await session.exitCode, 0);
      assert.equal(got, text.length);
      assert.ok(ahead <= windowBytes + 64 * 1024 + 1024, `the node sent ${ahead} bytes ahead of the reader`);
    } finally {
      await stopBig();
    }
  });

  test('stdin goes no further ahead of a command that reads slowly than the window', async () => {
    let read = 0;
    const rt = new MemoryRuntime({
      images: ['busybox'],
      interactiveExec: (_c, _cmd, io) =>
        (async () => {
          for await (const d of io.stdin) {
            read += d.length;
            await new Promise((r) => setTimeout(r, 2));
          }
          io.stdout(`${read}\n`);
          return 0;
        })(),
    });
    const { stop: stopSlow } = await nodeWith('slow', rt);
    try {
      const windowBytes = 256 * 1024;
      const session = await new NodeTunnelClient(apiNc, { windowBytes }).exec('slow', { namespace: 'default', pod: 'slow', command: ['cat'], stdin: true });
      const piece = Buffer.alloc(16 * 1024, 'y');
      let written = 0;
      let ahead = 0;
      for (let i = 0; i < 128; i++) {
        await session.write(piece);
        written += piece.length;
        ahead = Math.max(ahead, written - read);
      }
      session.closeStdin();
      let out = '';
      for await (const c of session.output) out += Buffer.from(c.data).toString();
      assert.equal(out, `${128 * piece.length}\n`);
      assert.equal(await session.exitCode, 0);
      assert.ok(ahead <= windowBytes + piece.length, `the writer got ${ahead} bytes ahead of the command`);
    } finally {
      await stopSlow();
    }
  });

  test('authorization config limits a node to its own subjects', () => {
    const conf = natsAuthorizationConfig([{ name: 'node1', password: 'p1' }], { user: 'apiserver', password: 'pa' });
    assert.match(conf, /user: "node-node1"/);
    assert.match(conf, /subscribe: \{ allow: \["berth\.node\.node1\.>"/);
    assert.match(conf, /publish: \{ allow: \["berth\.tunnel\.node1\.>"/);
  });
});

describe('a node that dies mid-session', () => {
  let nats: NatsServer;
  let apiNc: NatsConnection;

  before(async () => {
    nats = await startNats({ jetstream: false });
    apiNc = await connect({ servers: nats.url });
  });

  after(async () => {
    await apiNc?.close();
    await nats?.stop();
  });

  /** The in-memory runtime, whose log follow waits for more until it is cancelled. */
  class FollowingRuntime extends MemoryRuntime {
    override async *logs(id: string, o: Parameters<MemoryRuntime['logs']>[1]): ReturnType<MemoryRuntime['logs']> {
      yield* super.logs(id, o);
      if (o.follow) await new Promise((r) => o.signal?.addEventListener('abort', r, { once: true }));
    }
  }

  /** A kubelet on its own connection (closing it is the node dying), heartbeats every 100 ms. */
  async function node(name: string): Promise<{ nc: NatsConnection; runtime: MemoryRuntime; id: string }> {
    const nc = await connect({ servers: nats.url });
    const runtime = new FollowingRuntime({ images: ['busybox'], behavior: () => ({ output: ['started'] }), interactiveExec: (c, cmd, io) => toyExec(c, cmd, io) });
    const sb = await runtime.runSandbox({ pod: { uid: 'u', name: 'p', namespace: 'default' }, attempt: 0, hostname: 'p', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    const id = await runtime.createContainer(sb.id, { name: 'c', attempt: 0, image: 'busybox', env: [], mounts: [] });
    await runtime.startContainer(id);
    serveNodeTunnel({ nc, nodeName: name, runtime, resolve: async () => id, heartbeatMs: 100 });
    await nc.flush();
    return { nc, runtime, id };
  }

  test('a quiet exec lives on heartbeats; when the node goes, the session fails with Unavailable', async () => {
    const n = await node('n1');
    const client = new NodeTunnelClient(apiNc);
    // Short enough that the orphaned session on the dead node ends by itself (its timer would keep the test running).
    const s = await client.exec('n1', { namespace: 'default', pod: 'p', command: ['sleep', '5'] });
    let settled = false;
    const done = (async () => {
      for await (const _ of s.output) void _;
    })().finally(() => (settled = true));
    done.catch(() => {});
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(settled, false, 'no output for 3 windows of silence, but heartbeats');
    const t0 = Date.now();
    await n.nc.close();
    await assert.rejects(done, (e: unknown) => e instanceof TunnelRequestError && e.code === 'Unavailable' && /^node n1 stopped answering: nothing from its exec session for 300 ms$/.test(e.message));
    assert.ok(Date.now() - t0 < 1500, `noticed in ${Date.now() - t0} ms`);
    await assert.rejects(s.exitCode, (e: unknown) => e instanceof TunnelRequestError && e.code === 'Unavailable');
  });

  test('a log follow of a node that goes fails with Unavailable instead of hanging', async () => {
    const n = await node('n2');
    const client = new NodeTunnelClient(apiNc);
    const lines: string[] = [];
    const follow = (async () => {
      for await (const c of client.logs('n2', { namespace: 'default', pod: 'p', follow: true })) lines.push(Buffer.from(c.data).toString());
    })();
    follow.catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    await n.nc.close();
    await assert.rejects(follow, (e: unknown) => e instanceof TunnelRequestError && e.code === 'Unavailable' && /stopped answering/.test(e.message));
    assert.deepEqual(lines, ['started\n']);
  });

  test('a kubelet that promises no heartbeat (an older one) is not cut off for being quiet', async () => {
    // It answers ready with an empty body, then stays silent until it sends the exit code.
    const old = apiNc.subscribe('berth.node.old.exec', {
      callback: (_e, m) => {
        const { session } = JSON.parse(Buffer.from(m.data).toString()) as { session: string };
        apiNc.publish(`berth.tunnel.old.${session}`, new Uint8Array([9]));
        setTimeout(() => apiNc.publish(`berth.tunnel.old.${session}`, Buffer.concat([Buffer.from([3]), Buffer.from('{"exitCode":4}')])), 700);
      },
    });
    try {
      const s = await new NodeTunnelClient(apiNc).exec('old', { namespace: 'default', pod: 'p', command: ['sleep', '1'] });
      for await (const _ of s.output) void _;
      assert.equal(await s.exitCode, 4);
    } finally {
      old.unsubscribe();
    }
  });
});

describe('node stats over NATS, with per-node users', () => {
  let nats: NatsServer;
  let nodeNc: NatsConnection;
  let apiNc: NatsConnection;
  const stops: Array<() => void> = [];
  const usage: NodeStats = {
    node: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: 'node1' }, timestamp: '2024-01-01T12:00:00Z', window: '10s', usage: { cpu: '250m', memory: '1Gi' } },
    pods: [{ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: 'db', namespace: 'default' }, timestamp: '2024-01-01T12:00:00Z', window: '10s', containers: [{ name: 'db', usage: { cpu: '5m', memory: '64Mi' } }] }],
  };

  before(async () => {
    // The cluster's NATS users: a node may only answer on its own tunnel subjects.
    nats = await startNats({ jetstream: false, config: natsAuthorizationConfig([{ name: 'node1', password: 'p1' }, { name: 'broken', password: 'p2' }], { user: 'apiserver', password: 'pa' }) });
    nodeNc = await connect({ servers: nats.url, user: 'node-node1', pass: 'p1' });
    apiNc = await connect({ servers: nats.url, user: 'apiserver', pass: 'pa' });
    const runtime = new MemoryRuntime();
    const resolve = async (): Promise<string> => {
      throw new TunnelError('NotFound', 'no pods here');
    };
    stops.push(serveNodeTunnel({ nc: nodeNc, nodeName: 'node1', runtime, resolve, stats: () => usage }));
    const brokenNc = await connect({ servers: nats.url, user: 'node-broken', pass: 'p2' });
    stops.push(serveNodeTunnel({ nc: brokenNc, nodeName: 'broken', runtime, resolve, stats: async () => Promise.reject(new Error('runtime is down')) }), () => void brokenNc.close());
    // A node that takes the request and never answers.
    const silent = apiNc.subscribe('berth.node.silent.stats');
    stops.push(() => silent.unsubscribe());
    await Promise.all([nodeNc.flush(), brokenNc.flush(), apiNc.flush()]);
  });

  after(async () => {
    for (const s of stops) s();
    await nodeNc?.close();
    await apiNc?.close();
    await nats?.stop();
  });

  test('the kubelet answers on its tunnel subject with its last window', async () => {
    assert.deepEqual(await new NodeTunnelClient(apiNc).stats('node1'), usage);
  });

  test('failures: no kubelet connected (at once), no answer in time, an error on the node', async () => {
    const client = new NodeTunnelClient(apiNc, { readyTimeoutMs: 300 });
    const t0 = Date.now();
    await assert.rejects(client.stats('node2'), (e: unknown) => e instanceof TunnelRequestError && e.code === 'Unavailable' && e.message === 'no kubelet of node node2 is connected');
    assert.ok(Date.now() - t0 < 250, 'no responders is known at once');
    await assert.rejects(client.stats('silent'), (e: unknown) => e instanceof TunnelRequestError && e.code === 'Unavailable' && e.message === 'node silent did not answer the stats request within 300 ms');
    await assert.rejects(client.stats('broken'), (e: unknown) => e instanceof TunnelRequestError && e.code === 'InternalError' && e.message === 'runtime is down');
  });
});
