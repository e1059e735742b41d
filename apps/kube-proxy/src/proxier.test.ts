// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { FakeIptables, FakeConntrack } from '@berth/iptables';
import { tracePacket, type ProxyState, type RuleSet } from '@berth/proxy-rules';
import { Proxier, type SyncResult } from './proxier';

function service(name: string, ip: string, protocol = 'TCP'): coreV1.ServiceJson {
  return { metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ port: 80, protocol }] } };
}
function slice(svc: string, ips: string[], protocol = 'TCP'): discoveryV1.EndpointSliceJson {
  return {
    metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ port: 8080, protocol }],
  };
}

function setup(state: ProxyState, extra: Partial<ConstructorParameters<typeof Proxier>[0]> = {}) {
  const ipt = new FakeIptables();
  const holder = { state };
  const proxier = new Proxier({
    iptables: ipt,
    state: () => holder.state,
    nodeIPs: () => ['192.168.1.10'],
    clusterCidr: '10.244.0.0/16',
    ...extra,
  });
  return { ipt, proxier, holder };
}

/** The fake's nat and filter tables as a RuleSet, to trace packets through what was really applied. */
function appliedRules(ipt: FakeIptables): RuleSet {
  const table = (t: 'nat' | 'filter') => new Map(ipt.chains(t).map((c) => [c, ipt.rules(t, c) ?? []]));
  return { nat: table('nat'), filter: table('filter'), nodeIPs: ['192.168.1.10'] };
}

describe('Proxier with FakeIptables', () => {
  test('first sync is full: every chain declared and the hooks installed once', async () => {
    const { ipt, proxier } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1', '10.244.1.2'])] });
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, true);
    assert.match(ipt.restores[0] ?? '', /^\*filter\n:KUBE-SERVICES/);
    assert.deepEqual(ipt.rules('nat', 'PREROUTING'), [['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']]);
    assert.equal(ipt.rules('nat', 'POSTROUTING')?.length, 1);
    assert.equal(ipt.rules('filter', 'FORWARD')?.length, 3);
    assert.ok(proxier.isReady());
    // What was applied routes a pod's connection to an endpoint.
    const t = tracePacket(appliedRules(ipt), { src: '10.244.9.9', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(t.dnatTo, '10.244.1.1:8080');
    // A forced full sync does not duplicate the hooks.
    proxier.forceFullSync();
    await proxier.syncProxyRules();
    assert.equal(ipt.rules('nat', 'PREROUTING')?.length, 1);
  });

  test('an endpoint change rewrites only its service chain and endpoint chains', async () => {
    const { ipt, proxier, holder } = setup({
      services: [service('web', '10.96.0.10'), service('api', '10.96.0.11')],
      endpointSlices: [slice('web', ['10.244.1.1', '10.244.1.2']), slice('api', ['10.244.2.1'])],
    });
    await proxier.syncProxyRules();
    holder.state = { ...holder.state, endpointSlices: [slice('web', ['10.244.1.1', '10.244.1.3']), slice('api', ['10.244.2.1'])] };
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, false);
    const text = ipt.restores.at(-1) ?? '';
    assert.deepEqual(
      text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1, 10)).sort(),
      ['KUBE-SEP-', 'KUBE-SEP-', 'KUBE-SVC-'],
      'new SEP, stale SEP (declared to be deleted), SVC',
    );
    assert.doesNotMatch(text, /KUBE-SERVICES|\*filter|10\.244\.2\.1/);
    assert.equal((text.match(/^-X /gm) ?? []).length, 1);
    assert.equal(r.chainsWritten, 2);
    assert.equal(r.chainsDeleted, 1);
    const outcomes = ['10.244.1.1:8080', '10.244.1.3:8080'];
    for (const rnd of [0, 0.99]) {
      const t = tracePacket(appliedRules(ipt), { src: '10.244.9.9', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => rnd });
      assert.ok(outcomes.includes(t.dnatTo ?? ''), String(t.dnatTo));
    }
    assert.equal(ipt.chains('nat').filter((c) => c.startsWith('KUBE-SEP-')).length, 3, 'two for web, one for api');
  });

  test('no change: no restore at all', async () => {
    const { ipt, proxier } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1'])] });
    await proxier.syncProxyRules();
    const r = await proxier.syncProxyRules();
    assert.equal(r.restoreBytes, 0);
    assert.equal(ipt.restores.length, 1);
  });

  test('a full sync deletes generated chains left by an earlier run', async () => {
    const { ipt, proxier } = setup({ services: [], endpointSlices: [] });
    await ipt.restore('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAAAAAAAAAAAAAA - [0:0]\n:KUBE-SEP-BBBBBBBBBBBBBBBB - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-AAAAAAAAAAAAAAAA\n-A KUBE-SVC-AAAAAAAAAAAAAAAA -j KUBE-SEP-BBBBBBBBBBBBBBBB\nCOMMIT\n', { noflush: true });
    await proxier.syncProxyRules();
    assert.deepEqual(ipt.chains('nat').filter((c) => c.startsWith('KUBE-S') && c !== 'KUBE-SERVICES'), []);
  });

  test('after a failed restore the next sync is full and repairs everything', async () => {
    const { ipt, proxier, holder } = setup({ services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1'])] });
    await proxier.syncProxyRules();
    holder.state = { ...holder.state, endpointSlices: [slice('web', ['10.244.1.2'])] };
    ipt.failNextRestore = 'iptables-restore: line 3 failed';
    await assert.rejects(proxier.syncProxyRules(), /line 3 failed/);
    const r = await proxier.syncProxyRules();
    assert.equal(r.full, true);
    const t = tracePacket(appliedRules(ipt), { src: '10.244.9.9', dst: '10.96.0.10', dport: 80, proto: 'tcp' });
    assert.equal(t.dnatTo, '10.244.1.2:8080');
  });

  test('conntrack is cleaned as in the nftables mode (proxier-base; cases in nft-proxier.test.ts)', async () => {
    const conntrack = new FakeConntrack();
    const { proxier, holder } = setup(
      { services: [service('dns', '10.96.0.10', 'UDP')], endpointSlices: [slice('dns', ['10.244.1.1', '10.244.1.2'], 'UDP')] },
      { conntrack },
    );
    await proxier.syncProxyRules();
    holder.state = { ...holder.state, endpointSlices: [slice('dns', ['10.244.1.2'], 'UDP')] };
    await proxier.syncProxyRules();
    assert.deepEqual(conntrack.cleared, ['udp-to 10.96.0.10', 'udp 10.96.0.10->10.244.1.1']);
  });

  test('bursts of change requests are coalesced and syncs are at least minInterval apart', async () => {
    const syncs: Array<{ at: number; r: SyncResult | undefined }> = [];
    const { proxier, holder } = setup(
      { services: [service('web', '10.96.0.10')], endpointSlices: [slice('web', ['10.244.1.1'])] },
      { minSyncIntervalMs: 300, maxSyncIntervalMs: 60_000, onSync: (r) => void syncs.push({ at: Date.now(), r }) },
    );
    proxier.start();
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      holder.state = { ...holder.state, endpointSlices: [slice('web', [`10.244.1.${i + 1}`])] };
      proxier.requestSync();
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 700));
    await proxier.stop();
    const elapsed = Date.now() - t0;
    assert.ok(syncs.length >= 2 && syncs.length <= Math.ceil(elapsed / 300) + 1, `${syncs.length} syncs in ${elapsed} ms`);
    for (let i = 1; i < syncs.length; i++) {
      const gap = (syncs[i]?.at ?? 0) - (syncs[i - 1]?.at ?? 0);
      assert.ok(gap >= 250, `syncs ${gap} ms apart`);
    }
    // The last state was applied.
    assert.ok(syncs.every((s) => s.r !== undefined));
    const last = proxier.lastSync;
    assert.ok(last);
  });
});
