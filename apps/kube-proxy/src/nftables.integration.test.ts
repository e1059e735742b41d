// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { ExecConntrack, ExecNft, createTestNetns, listNetns, spawnInNetns, type TestNetns } from '@berth/iptables';
import type { ProxyState } from '@berth/proxy-rules';
import { cleanupNft } from './cleanup';
import { NftProxier } from './nft-proxier';
import { setupNode } from './node-setup';

// Real nft (nftables 1.0.6) in a network namespace this test creates and removes: a
// "node" address on one end of a veth pair, "pod" (endpoint) addresses on the other, TCP
// servers bound to the endpoint addresses, and real connections to the virtual IPs. The
// host's ruleset is never touched. Needs root and the nftables package.

const NODE_IP = '192.168.77.2';
const EPS = ['10.244.1.10', '10.244.1.11', '10.244.1.12'];

function service(name: string, ip: string, nodePort: number, affinity = false, protocol = 'TCP'): coreV1.ServiceJson {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'NodePort',
      clusterIP: ip,
      ports: [{ name: 'http', port: 80, protocol, nodePort }],
      ...(affinity ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } } : {}),
    },
  };
}
/** ClusterIP only, no affinity: served by the shared endpoints-tcp-<n> chains and @service-endpoints-tcp. */
const PLAIN: coreV1.ServiceJson = {
  metadata: { name: 'plain', namespace: 'default' },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.55', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
};
function slice(svc: string, ips: string[], protocol = 'TCP'): discoveryV1.EndpointSliceJson {
  return {
    metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
    ports: [{ name: 'http', port: 8080, protocol }],
  };
}

// Each server answers with its own address and closes.
const SERVER = `
const net = require('node:net');
let n = 0;
for (const ip of process.argv.slice(1)) {
  net.createServer((s) => s.end(ip + '\\n')).listen(8080, ip, () => { if (++n === process.argv.length - 1) console.log('ready'); });
}`;

// Connects `count` times; prints one JSON line per attempt: {ok, data | code, ms}.
const CLIENT = `
const net = require('node:net');
const [host, port, count, timeout, localPort] = process.argv.slice(1);
(async () => {
  for (let i = 0; i < Number(count); i++) {
    const t0 = Date.now();
    const r = await new Promise((resolve) => {
      const s = net.connect({ host, port: Number(port), timeout: Number(timeout ?? 3000), ...(localPort ? { localPort: Number(localPort) } : {}) });
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve({ ok: true, data: data.trim() }));
      s.on('timeout', () => { s.destroy(); resolve({ ok: false, code: 'TIMEOUT' }); });
      s.on('error', (e) => resolve({ ok: false, code: e.code }));
    });
    console.log(JSON.stringify({ ...r, ms: Date.now() - t0 }));
  }
})();`;

interface Attempt {
  ok: boolean;
  data?: string;
  code?: string;
  ms: number;
}

describe('kube-proxy nftables mode on real nft in a network namespace', () => {
  let ns: TestNetns;
  let nft: ExecNft;
  let server: ChildProcess | undefined;
  let proxier: NftProxier;
  const holder: { state: ProxyState } = {
    state: {
      services: [service('web', '10.96.0.50', 30080), service('empty', '10.96.0.51', 30081), service('sticky', '10.96.0.52', 30082, true), PLAIN],
      endpointSlices: [slice('web', EPS.slice(0, 2)), slice('empty', []), slice('sticky', EPS), slice('plain', EPS.slice(1, 3))],
    },
  };

  const connect = async (host: string, port: number, count = 1, timeoutMs = 3000, localPort?: number): Promise<Attempt[]> => {
    const out = await ns.exec('node', ['-e', CLIENT, host, String(port), String(count), String(timeoutMs), ...(localPort ? [String(localPort)] : [])]);
    return out.trim().split('\n').map((l) => JSON.parse(l) as Attempt);
  };
  const table = async (): Promise<string> => (await nft.listTable('ip', 'kube-proxy')) ?? '';

  before(async () => {
    ns = await createTestNetns();
    // A veth pair inside the namespace: node0 carries the node address, pods0 the endpoints.
    await ns.exec('ip', ['link', 'add', 'node0', 'type', 'veth', 'peer', 'name', 'pods0']);
    await ns.exec('ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', 'node0']);
    for (const ip of EPS) await ns.exec('ip', ['addr', 'add', `${ip}/32`, 'dev', 'pods0']);
    await ns.exec('ip', ['link', 'set', 'node0', 'up']);
    await ns.exec('ip', ['link', 'set', 'pods0', 'up']);
    await setupNode({ serviceCidr: '10.96.0.0/12', localhostNodePorts: false, netns: ns.name });
    server = spawnInNetns(ns.name, 'node', ['-e', SERVER, ...EPS]);
    await new Promise<void>((resolve, reject) => {
      server?.stdout?.once('data', () => resolve());
      server?.once('exit', (code) => reject(new Error(`test server exited ${String(code)}`)));
    });
    nft = new ExecNft({ netns: ns.name });
    proxier = new NftProxier({ nft, conntrack: new ExecConntrack({ netns: ns.name }), state: () => holder.state, nodeIPs: () => [NODE_IP], clusterCidr: '10.244.0.0/16' });
  });

  after(async () => {
    server?.kill('SIGKILL');
    await ns?.remove();
  });

  test('without rules, a ClusterIP goes to the dummy device and is never answered', async () => {
    const [a] = await connect('10.96.0.50', 80, 1, 1000);
    assert.equal(a?.code, 'TIMEOUT', JSON.stringify(a));
  });

  test('ClusterIP:port reaches both endpoints (first sync: the whole table in one transaction)', async () => {
    const r = await proxier.syncProxyRules();
    assert.deepEqual({ mode: r.mode, full: r.full }, { mode: 'nftables', full: true });
    const attempts = await connect('10.96.0.50', 80, 20);
    assert.ok(attempts.every((a) => a.ok), JSON.stringify(attempts));
    assert.deepEqual([...new Set(attempts.map((a) => a.data))].sort(), EPS.slice(0, 2));
    assert.match(await table(), /map service-ips \{[^}]*10\.96\.0\.50 \. tcp \. 80 : goto service-[A-Z2-7]{8}-default\/web\/tcp\/http/);
  });

  test('a plain ClusterIP service reaches both endpoints through the shared chain, and follows an endpoint change', async () => {
    const attempts = await connect('10.96.0.55', 80, 20);
    assert.ok(attempts.every((a) => a.ok), JSON.stringify(attempts));
    assert.deepEqual([...new Set(attempts.map((a) => a.data))].sort(), EPS.slice(1, 3));
    assert.match(await table(), /10\.96\.0\.55 \. tcp \. 80 : goto endpoints-tcp-2/);
    const before = holder.state;
    holder.state = { ...before, endpointSlices: [...before.endpointSlices.filter((x) => x.metadata?.name !== 'plain-x'), slice('plain', [EPS[0] as string])] };
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, false);
    assert.deepEqual([...new Set((await connect('10.96.0.55', 80, 5)).map((a) => a.data))], [EPS[0]]);
    holder.state = before;
    await proxier.syncProxyRules();
  });

  test('the NodePort on the node address reaches an endpoint', async () => {
    const [a] = await connect(NODE_IP, 30080);
    assert.ok(a?.ok, JSON.stringify(a));
    assert.ok(EPS.slice(0, 2).includes(a.data ?? ''), a.data);
  });

  test('a service without endpoints is refused at once, not timed out', async () => {
    for (const [host, port] of [['10.96.0.51', 80], [NODE_IP, 30081]] as const) {
      const [a] = await connect(host, port);
      assert.equal(a?.code, 'ECONNREFUSED', `${host}:${port} ${JSON.stringify(a)}`);
      assert.ok((a?.ms ?? 9999) < 1000, `took ${String(a?.ms)} ms`);
    }
  });

  test('ClientIP affinity: one client stays on one endpoint', async () => {
    const attempts = await connect('10.96.0.52', 80, 12);
    assert.ok(attempts.every((a) => a.ok), JSON.stringify(attempts));
    assert.equal(new Set(attempts.map((a) => a.data)).size, 1, JSON.stringify(attempts.map((a) => a.data)));
    assert.match(await table(), /set affinity-[A-Z2-7]{8}-default\/sticky\/tcp\/http__10\.244\.1\.1\d\/8080 \{[^}]*elements = \{ /);
  });

  test('an endpoint change is applied incrementally and is live at once', async () => {
    const before = await table();
    holder.state = { ...holder.state, endpointSlices: [slice('web', [EPS[2] as string]), slice('empty', []), slice('sticky', EPS), slice('plain', EPS.slice(1, 3))] };
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, false);
    assert.equal(r.chainsWritten, 1);
    assert.ok(r.restoreBytes < 1000, `${r.restoreBytes} bytes`);
    const attempts = await connect('10.96.0.50', 80, 5);
    assert.deepEqual([...new Set(attempts.map((a) => a.data))], [EPS[2]]);
    const after = await table();
    // Only the web chain and the hairpin elements differ; the sticky service's affinity entries are untouched.
    const diff = (a: string, b: string) => a.split('\n').filter((l) => !b.split('\n').includes(l) && !/expires/.test(l));
    assert.ok(diff(before, after).every((l) => /dnat to 10\.244\.1\.1\d:8080|10\.244\.1\.1\d \. 10\.244\.1\.1\d/.test(l) || l.trim() === ''), diff(before, after).join('\n'));
  });

  test('a periodic full resync keeps the affinity entries and the routing', async () => {
    const [first] = await connect('10.96.0.52', 80);
    proxier.forceFullSync();
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, true);
    const attempts = await connect('10.96.0.52', 80, 6);
    assert.deepEqual([...new Set(attempts.map((a) => a.data))], [first?.data]);
    assert.deepEqual([...new Set((await connect('10.96.0.50', 80, 3)).map((a) => a.data))], [EPS[2]]);
  });

  test('a service removed: its chains, sets and elements are gone', async () => {
    holder.state = { services: [service('web', '10.96.0.50', 30080)], endpointSlices: [slice('web', [EPS[2] as string])] };
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, false);
    const t = await table();
    assert.doesNotMatch(t, /sticky|empty|10\.96\.0\.5[12]/);
    const [a] = await connect('10.96.0.52', 80, 1, 1000);
    assert.equal(a?.code, 'TIMEOUT', 'no rule catches it any more');
  });

  test('an endpoint that died unanswered does not black-hole a client that reuses its source port', async () => {
    // The endpoint's pod is gone: its address no longer answers, though it is still routed (a bridge, on a node).
    await ns.exec('ip', ['addr', 'del', `${EPS[2]}/32`, 'dev', 'pods0']);
    await ns.exec('ip', ['route', 'add', `${EPS[2]}/32`, 'dev', 'node0']);
    const [lost] = await connect('10.96.0.50', 80, 1, 500, 40123);
    assert.equal(lost?.code, 'TIMEOUT', JSON.stringify(lost));
    assert.match(await ns.exec('conntrack', ['-L', '-p', 'tcp', '--dst-nat', EPS[2] as string]), /SYN_SENT .*UNREPLIED/);
    // Without the clearing, the next SYN from port 40123 would match that entry and go to the dead endpoint again.
    holder.state = { services: [service('web', '10.96.0.50', 30080)], endpointSlices: [slice('web', [EPS[0] as string])] };
    await proxier.syncProxyRules();
    // Only the unanswered attempt is cleared; finished connections (TIME_WAIT) are left to expire.
    assert.doesNotMatch(await ns.exec('conntrack', ['-L', '-p', 'tcp', '--dst-nat', EPS[2] as string]), /SYN_SENT/);
    const [again] = await connect('10.96.0.50', 80, 1, 2000, 40123);
    assert.deepEqual({ ok: again?.ok, data: again?.data }, { ok: true, data: EPS[0] });
  });

  test('a UDP endpoint that goes away: entries to it through the ClusterIP and the node port are cleared', async () => {
    const udp = service('dns', '10.96.0.53', 30053, false, 'UDP');
    holder.state = { services: [...holder.state.services, udp], endpointSlices: [...holder.state.endpointSlices, slice('dns', [EPS[0] as string], 'UDP')] };
    await proxier.syncProxyRules();
    // No server listens: the datagrams leave entries all the same, DNATed to the endpoint.
    const send = "const s=require('dgram').createSocket('udp4');s.send('x',Number(process.argv[2]),process.argv[1],()=>s.close())";
    await ns.exec('node', ['-e', send, NODE_IP, '30053']);
    await ns.exec('node', ['-e', send, '10.96.0.53', '80']);
    const toEndpoint = (): Promise<string> => ns.exec('conntrack', ['-L', '-p', 'udp', '--dst-nat', EPS[0] as string]);
    assert.match(await toEndpoint(), /dport=30053/);
    assert.match(await toEndpoint(), /dst=10\.96\.0\.53/);
    holder.state = { ...holder.state, endpointSlices: [...holder.state.endpointSlices.filter((s) => s.metadata?.name !== 'dns-x'), slice('dns', [EPS[1] as string], 'UDP')] };
    await proxier.syncProxyRules();
    assert.doesNotMatch(await toEndpoint(), /udp/);
  });

  test('cleanup removes the table, then the namespace is removed', async () => {
    assert.equal(await cleanupNft(nft), true);
    assert.equal(await nft.listTable('ip', 'kube-proxy'), undefined);
    assert.doesNotMatch(await ns.exec('nft', ['list', 'tables']), /kube-proxy/);
    server?.kill('SIGKILL');
    await ns.remove();
    assert.ok(!(await listNetns()).includes(ns.name));
  });
});
