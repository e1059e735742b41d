// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@berth/api';
import { FakeApi } from '@berth/client/testing';
import { FakeConntrack, FakeIptables, FakeNft } from '@berth/iptables';
import { createLogger } from '@berth/observability';
import { NFT_FAMILY, NFT_TABLE } from '@berth/proxy-rules';
import { compileProxyConfig } from './config';
import { DryRunNft } from './dry-run-nft';
import { ENDPOINT_SLICES, NODES, SERVICES, startKubeProxy } from './kube-proxy';

const logger = createLogger('kube-proxy-test');
logger.level = 'silent';

function seeded(): FakeApi {
  const api = new FakeApi();
  api.seed(SERVICES, { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] } } as KubeObject);
  api.seed(ENDPOINT_SLICES, slice(['10.244.1.1']));
  api.seed(NODES, { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } } as KubeObject);
  return api;
}

function slice(ips: string[]): KubeObject {
  return {
    metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ port: 8080, protocol: 'TCP' }],
  } as KubeObject;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const config = (mode: string[] = []) =>
  compileProxyConfig(['--insecure', '--node-name', 'n1', '--skip-node-setup', '--health-port', '0', '--min-sync-period', '50ms', ...mode], {});

describe('startKubeProxy', () => {
  test('auto mode with an Nft runs the nftables proxier: informers → table ip kube-proxy, changes applied incrementally', async () => {
    const api = seeded();
    const nft = new FakeNft();
    const conntrack = new FakeConntrack();
    const proxy = await startKubeProxy(config(), logger, { client: api, nft, conntrack });
    try {
      assert.equal(proxy.mode, 'nftables');
      await waitFor(() => proxy.proxier.isReady(), 'the first sync');
      const table = () => nft.table(NFT_FAMILY, NFT_TABLE);
      assert.deepEqual([...(table()?.sets.get('nodeport-ips')?.elements.keys() ?? [])], ['192.168.1.10']);
      const chain = [...(table()?.chains.keys() ?? [])].find((c) => c.startsWith('service-') && c.includes('/')) as string;
      assert.deepEqual(table()?.chains.get(chain)?.rules, ['meta l4proto tcp dnat to 10.244.1.1:8080']);
      await api.update(ENDPOINT_SLICES, 'default', { ...(await api.get(ENDPOINT_SLICES, 'default', 'web-x')), endpoints: (slice(['10.244.1.2']) as { endpoints: unknown }).endpoints } as KubeObject);
      await waitFor(() => table()?.chains.get(chain)?.rules[0] === 'meta l4proto tcp dnat to 10.244.1.2:8080', 'the endpoint change');
      assert.equal(proxy.proxier.lastSync?.full, false);
      await waitFor(() => conntrack.cleared.length > 0, 'the conntrack clearing');
      assert.deepEqual(conntrack.cleared, ['tcp-unreplied 10.244.1.1']);
    } finally {
      await proxy.stop();
    }
  });

  test('--proxy-mode iptables runs the iptables proxier', async () => {
    const ipt = new FakeIptables();
    const proxy = await startKubeProxy(config(['--proxy-mode', 'iptables']), logger, { client: seeded(), iptables: ipt, nft: new FakeNft() });
    try {
      assert.equal(proxy.mode, 'iptables');
      await waitFor(() => proxy.proxier.isReady(), 'the first sync');
      assert.ok(ipt.chains('nat').some((c) => c.startsWith('KUBE-SVC-')));
    } finally {
      await proxy.stop();
    }
  });

  test('with both backends injected, starting in one mode removes the other mode’s leftovers', async () => {
    const ipt = new FakeIptables();
    const nft = new FakeNft();
    const first = await startKubeProxy(config(['--proxy-mode', 'iptables']), logger, { client: seeded(), iptables: ipt, nft });
    await waitFor(() => first.proxier.isReady(), 'the iptables sync');
    await first.stop();
    const second = await startKubeProxy(config(['--proxy-mode', 'nftables']), logger, { client: seeded(), iptables: ipt, nft });
    try {
      await waitFor(() => second.proxier.isReady(), 'the nftables sync');
      assert.deepEqual(ipt.chains('nat').filter((c) => c.startsWith('KUBE-')), [], 'iptables mode rules removed');
      assert.deepEqual(ipt.rules('nat', 'PREROUTING'), []);
    } finally {
      await second.stop();
    }
    const third = await startKubeProxy(config(['--proxy-mode', 'iptables']), logger, { client: seeded(), iptables: ipt, nft });
    try {
      await waitFor(() => third.proxier.isReady(), 'the iptables sync');
      assert.equal(nft.table(NFT_FAMILY, NFT_TABLE), undefined, 'nftables table removed');
    } finally {
      await third.stop();
    }
  });

  test('DryRunNft prints the scripts', async () => {
    const out: string[] = [];
    const dry = new DryRunNft((t) => void out.push(t));
    await dry.apply('add table ip kube-proxy\n');
    assert.equal(out.join(''), "# nft -f - <<'EOF'\nadd table ip kube-proxy\nEOF\n");
    assert.equal(await dry.listTable(), undefined);
  });
});
