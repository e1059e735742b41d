// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { FakeNft, FakeConntrack } from '@berth/iptables';
import { NFT, NFT_FAMILY, NFT_TABLE, traceNft, type NftRuleset, type NftSet, type ProxyState } from '@berth/proxy-rules';
import { cleanupNft } from './cleanup';
import { resolveProxyMode } from './kube-proxy';
import { NftProxier } from './nft-proxier';

function service(name: string, ip: string, o: { protocol?: string; nodePort?: number; affinity?: number } = {}): coreV1.ServiceJson {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      type: o.nodePort ? 'NodePort' : 'ClusterIP',
      clusterIP: ip,
      ports: [{ port: 80, protocol: o.protocol ?? 'TCP', ...(o.nodePort ? { nodePort: o.nodePort } : {}) }],
      ...(o.affinity ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: o.affinity } } } : {}),
    },
  };
}
function slice(svc: string, ips: string[], protocol = 'TCP'): discoveryV1.EndpointSliceJson {
  return {
    metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ port: 8080, protocol }],
  };
}

const NODE = '192.168.1.10';

function setup(state: ProxyState, extra: Partial<ConstructorParameters<typeof NftProxier>[0]> = {}) {
  const nft = new FakeNft();
  const holder = { state };
  const proxier = new NftProxier({ nft, state: () => holder.state, nodeIPs: () => [NODE], clusterCidr: '10.244.0.0/16', ...extra });
  return { nft, proxier, holder };
}

/** What the fake holds, as an NftRuleset, to trace packets through what was really applied. */
function applied(nft: FakeNft): NftRuleset {
  const t = nft.table(NFT_FAMILY, NFT_TABLE);
  assert.ok(t, 'no table ip kube-proxy');
  const sets = new Map<string, NftSet>();
  for (const [name, s] of t.sets) {
    const prop = (p: string): string | undefined => s.props.find((x) => x.startsWith(p + ' '))?.slice(p.length + 1);
    const timeout = prop('timeout');
    const flags = prop('flags');
    sets.set(name, {
      name,
      kind: s.kind,
      type: prop('type') ?? '',
      ...(flags ? { flags: flags.split(',') } : {}),
      ...(timeout ? { timeoutSeconds: Number(timeout.replace(/s$/, '')) } : {}),
      elements: new Map(s.elements),
    });
  }
  const chains = new Map([...t.chains].map(([name, c]) => [name, { name, rules: c.rules }]));
  return { sets, chains, nodeIPs: [NODE] };
}

const POD = '10.244.9.9';

describe('NftProxier with FakeNft', () => {
  test('the first sync re-creates the table in one transaction and routes a ClusterIP', async () => {
    const { nft, proxier } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1', '10.244.1.2'])] });
    const r = await proxier.syncProxyRules();
    assert.deepEqual({ mode: r.mode, full: r.full }, { mode: 'nftables', full: true });
    assert.match(nft.scripts[0] ?? '', /^add table ip kube-proxy\ndelete table ip kube-proxy\ntable ip kube-proxy \{\n/);
    assert.ok(proxier.isReady());
    const t = traceNft(applied(nft), { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(t.dnatTo, '10.244.1.1:8080');
  });

  test('an endpoint change rewrites a few elements, nothing else (a plain service has no chain of its own)', async () => {
    const { nft, proxier, holder } = setup({
      services: [service('web', '10.96.0.10'), service('api', '10.96.0.11')],
      endpointSlices: [slice('web', ['10.244.1.1', '10.244.1.2']), slice('api', ['10.244.2.1'])],
    });
    await proxier.syncProxyRules();
    holder.state = { ...holder.state, endpointSlices: [slice('web', ['10.244.1.1', '10.244.1.3']), slice('api', ['10.244.2.1'])] };
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, false);
    const text = nft.scripts.at(-1) ?? '';
    assert.doesNotMatch(text, /table|services|service-ips|10\.244\.2\.1|\/api\//);
    assert.deepEqual(text.split('\n').filter((l) => l.startsWith('flush chain')).length, 0);
    assert.match(text, /delete element ip kube-proxy hairpin-connections \{ 10\.244\.1\.2 \. 10\.244\.1\.2 \}/);
    assert.match(text, /delete element ip kube-proxy service-endpoints-tcp \{ 10\.96\.0\.10 \. 80 \. 1 \}/);
    assert.match(text, /add element ip kube-proxy service-endpoints-tcp \{ 10\.96\.0\.10 \. 80 \. 1 : 10\.244\.1\.3 \. 8080 \}/);
    assert.equal(r.chainsWritten, 0);
    assert.ok(r.restoreBytes < 600, `${r.restoreBytes} bytes`);
    const seen = new Set<string>();
    for (const rnd of [0, 0.99]) seen.add(traceNft(applied(nft), { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => rnd }).dnatTo ?? '');
    assert.deepEqual([...seen].sort(), ['10.244.1.1:8080', '10.244.1.3:8080']);
  });

  test('no change: nothing is written', async () => {
    const { nft, proxier } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1'])] });
    await proxier.syncProxyRules();
    const r = await proxier.syncProxyRules();
    assert.equal(r.restoreBytes, 0);
    assert.equal(nft.scripts.length, 1);
  });

  test('services come and go: chains and elements follow, a service without endpoints is rejected', async () => {
    const { nft, proxier, holder } = setup({ services: [service('web', '10.96.0.10', { nodePort: 30080 })], endpointSlices: [slice('web', ['10.244.1.1'])] });
    await proxier.syncProxyRules();
    holder.state = { services: [service('web', '10.96.0.10', { nodePort: 30080 }), service('new', '10.96.0.12')], endpointSlices: [slice('new', ['10.244.3.3'])] };
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, false);
    assert.equal(r.chainsDeleted, 2, 'the service chain and the external chain of web');
    const rs = applied(nft);
    assert.deepEqual([...rs.chains.keys()].filter((c) => c.includes('/')), [], 'new is a plain service: no chain of its own');
    assert.ok(rs.chains.has('endpoints-tcp-1'));
    assert.equal(traceNft(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }).rejected, true);
    assert.equal(traceNft(rs, { src: '203.0.113.1', dst: NODE, dport: 30080, proto: 'tcp' }).rejected, true);
    assert.equal(traceNft(rs, { src: POD, dst: '10.96.0.12', dport: 80, proto: 'tcp' }).dnatTo, '10.244.3.3:8080');
  });

  test('a periodic full resync keeps the table (affinity entries survive) and deletes what is stale', async () => {
    const { nft, proxier, holder } = setup({
      services: [service('sticky', '10.96.0.14', { affinity: 60 }), service('gone', '10.96.0.15')],
      endpointSlices: [slice('sticky', ['10.244.1.1']), slice('gone', ['10.244.1.9'])],
    });
    await proxier.syncProxyRules();
    const affinitySet = [...(nft.table(NFT_FAMILY, NFT_TABLE)?.sets.keys() ?? [])].find((s) => s.startsWith('affinity-')) as string;
    // The kernel adds entries to the affinity set as clients connect.
    await nft.apply(`add element ip kube-proxy ${affinitySet} { 10.244.9.9 }\n`);
    holder.state = { services: [service('sticky', '10.96.0.14', { affinity: 60 })], endpointSlices: [slice('sticky', ['10.244.1.1'])] };
    proxier.forceFullSync();
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, true);
    assert.equal(r.chainsDeleted, 1);
    assert.match(nft.scripts.at(-1) ?? '', /^add table ip kube-proxy\nflush table ip kube-proxy\n/);
    assert.deepEqual([...(nft.table(NFT_FAMILY, NFT_TABLE)?.sets.get(affinitySet)?.elements.keys() ?? [])], ['10.244.9.9']);
    assert.equal(nft.table(NFT_FAMILY, NFT_TABLE)?.chains.has('endpoints-tcp-1'), false, 'gone was the only plain service with one endpoint');
  });

  test('after a failed apply the next sync re-creates the table and repairs everything', async () => {
    const { nft, proxier, holder } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1'])] });
    await proxier.syncProxyRules();
    holder.state = { ...holder.state, endpointSlices: [slice('web', ['10.244.1.2'])] };
    nft.failNextApply = 'nft: Could not process rule';
    await assert.rejects(proxier.syncProxyRules(), /Could not process rule/);
    // Meanwhile someone deleted a chain of ours.
    await nft.apply(`delete chain ip kube-proxy ${NFT.filterInput}\n`);
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, true);
    assert.match(nft.scripts.at(-1) ?? '', /^add table ip kube-proxy\ndelete table ip kube-proxy\n/);
    const rs = applied(nft);
    assert.ok(rs.chains.has(NFT.filterInput));
    assert.equal(traceNft(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }).dnatTo, '10.244.1.2:8080');
  });

  test('endpoints that go away: their UDP entries (service IP and node port) and unanswered TCP attempts are cleared from conntrack', async () => {
    const conntrack = new FakeConntrack();
    const { proxier, holder } = setup(
      {
        services: [service('dns', '10.96.0.10', { protocol: 'UDP', nodePort: 30053 }), service('web', '10.96.0.11'), service('api', '10.96.0.12')],
        endpointSlices: [slice('dns', ['10.244.1.1', '10.244.1.2'], 'UDP'), slice('web', ['10.244.1.3', '10.244.1.4', '10.244.1.5']), slice('api', ['10.244.1.6'])],
      },
      { conntrack },
    );
    await proxier.syncProxyRules();
    // A UDP service seen with endpoints for the first time: what was sent before had no DNAT.
    assert.deepEqual(conntrack.cleared, ['udp-to 10.96.0.10', 'udp-to :30053']);
    conntrack.cleared.length = 0;
    // 10.244.1.4 leaves web but now serves api: its pending attempts may still be answered.
    holder.state = { ...holder.state, endpointSlices: [slice('dns', ['10.244.1.2'], 'UDP'), slice('web', ['10.244.1.5']), slice('api', ['10.244.1.4'])] };
    await proxier.syncProxyRules();
    assert.deepEqual(conntrack.cleared, ['udp 10.96.0.10->10.244.1.1', 'udp :30053->10.244.1.1', 'tcp-unreplied 10.244.1.3', 'tcp-unreplied 10.244.1.6']);
  });

  test('a UDP service that had no endpoints and gets one: its entries are cleared once', async () => {
    const conntrack = new FakeConntrack();
    const { proxier, holder } = setup({ services: [service('dns', '10.96.0.10', { protocol: 'UDP' })], endpointSlices: [] }, { conntrack });
    await proxier.syncProxyRules();
    assert.deepEqual(conntrack.cleared, []);
    holder.state = { ...holder.state, endpointSlices: [slice('dns', ['10.244.1.1'], 'UDP')] };
    await proxier.syncProxyRules();
    assert.deepEqual(conntrack.cleared, ['udp-to 10.96.0.10']);
    holder.state = { ...holder.state, endpointSlices: [slice('dns', ['10.244.1.1', '10.244.1.2'], 'UDP')] };
    await proxier.syncProxyRules();
    assert.deepEqual(conntrack.cleared, ['udp-to 10.96.0.10'], 'more endpoints: nothing to clear');
  });

  test('cleanupNft removes the table, and says whether there was one', async () => {
    const { nft, proxier } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1'])] });
    await proxier.syncProxyRules();
    assert.equal(await cleanupNft(nft), true);
    assert.equal(await nft.listTable(NFT_FAMILY, NFT_TABLE), undefined);
    assert.equal(await cleanupNft(nft), false);
  });
});

describe('resolveProxyMode', () => {
  test('auto is nftables when nft runs, else iptables; an explicit mode is kept', async () => {
    assert.equal(await resolveProxyMode('auto', async () => true), 'nftables');
    assert.equal(await resolveProxyMode('auto', async () => false), 'iptables');
    assert.equal(await resolveProxyMode('iptables', async () => true), 'iptables');
    assert.equal(await resolveProxyMode('nftables', async () => false), 'nftables');
  });
});
