// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildOptions } from '../build-rules';
import { nftGolden as golden } from '../golden.fixture';
import { ServicePortsCache, servicePorts, type ProxyState } from '../proxy-state';
import { slice, svc } from '../test-fixtures';
import { buildNftRuleset, buildNftRulesetFromPorts, NftBuildCache } from './build';
import { NFT, nftServiceEndpointsMap } from './model';
import { diffNftRulesets, isEmptyNftDiff, renderNftFull, renderNftIncremental } from './render';

const opts: BuildOptions = { nodeIPs: ['192.168.1.10'], clusterCidr: '10.244.0.0/16' };

function state(webEndpoints: string[], o: { extra?: boolean; affinity?: number; api?: boolean } = {}): ProxyState {
  return {
    services: [
      svc('web', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }], ...(o.affinity ? { affinitySeconds: o.affinity } : {}) }),
      ...(o.api === false ? [] : [svc('api', { clusterIP: '10.96.0.11', ports: [{ port: 80 }] })]),
      ...(o.extra ? [svc('new', { clusterIP: '10.96.0.12', ports: [{ port: 80 }] })] : []),
    ],
    endpointSlices: [
      slice('web', [{ port: 80 }], webEndpoints),
      slice('api', [{ port: 80 }], ['10.244.9.9']),
      ...(o.extra ? [slice('new', [{ port: 80 }], ['10.244.8.8'])] : []),
    ],
  };
}

const build = (s: ProxyState) => buildNftRuleset(s, opts);

describe('diffNftRulesets + renderNftIncremental', () => {
  test('nothing changed: nothing to write', () => {
    const d = diffNftRulesets(build(state(['10.244.1.1', '10.244.1.2'])), build(state(['10.244.1.1', '10.244.1.2'])));
    assert.equal(isEmptyNftDiff(d), true);
    assert.equal(renderNftIncremental(d), '');
  });

  test('an endpoint change rewrites its service chain and two hairpin elements only', () => {
    const text = renderNftIncremental(diffNftRulesets(build(state(['10.244.1.1', '10.244.1.2'])), build(state(['10.244.1.1', '10.244.1.3']))));
    golden('incremental-endpoint-change', text);
    assert.doesNotMatch(text, /services|service-ips|api/);
    assert.equal(text.split('\n').filter((l) => l.startsWith('flush chain')).length, 1);
  });

  test('a new plain service: its map elements and its addresses, no chain of its own; nothing of the others', () => {
    const d = diffNftRulesets(build(state(['10.244.1.1'])), build(state(['10.244.1.1'], { extra: true })));
    assert.deepEqual(d.addedChains, [], 'api has one endpoint too: endpoints-tcp-1 is there already');
    assert.deepEqual(d.changedChains, []);
    assert.deepEqual([...d.addElements.keys()].sort(), [NFT.clusterIPs, NFT.hairpin, NFT.serviceIPs, nftServiceEndpointsMap('tcp')].sort());
    assert.equal(d.deleteElements.size, 0);
  });

  test('a service losing every endpoint: chains deleted, map elements moved to the reject maps', () => {
    const text = renderNftIncremental(diffNftRulesets(build(state(['10.244.1.1'])), build(state([]))));
    golden('incremental-no-endpoints', text);
    const lines = text.trim().split('\n');
    const firstDelete = lines.findIndex((l) => l.startsWith('delete chain'));
    const lastElementDelete = lines.findLastIndex((l) => l.startsWith('delete element'));
    assert.ok(lastElementDelete < firstDelete, 'references go before the chains they point to');
  });

  test('an affinity timeout change re-creates the affinity sets after the rules that use them are flushed', () => {
    const text = renderNftIncremental(diffNftRulesets(build(state(['10.244.1.1'], { affinity: 60 })), build(state(['10.244.1.1'], { affinity: 120 }))));
    const lines = text.trim().split('\n');
    const flush = lines.findIndex((l) => l.startsWith('flush chain'));
    const del = lines.findIndex((l) => l.startsWith('delete set'));
    const add = lines.findIndex((l) => l.startsWith('add set'));
    assert.ok(flush >= 0 && flush < del && del < add, text);
    assert.match(lines[add] ?? '', /timeout 120s/);
  });

  test('the build cache keeps unchanged chains identical, so the diff is a reference check', () => {
    const cache = new NftBuildCache();
    const a = buildNftRulesetFromPorts(servicePorts(state(['10.244.1.1'])), opts, cache);
    const b = buildNftRulesetFromPorts(servicePorts(state(['10.244.1.2'])), opts, cache);
    const api = [...a.chains.keys()].find((c) => c.includes('/api/')) as string;
    assert.equal(a.chains.get(api), b.chains.get(api));
  });
});

describe('diffNftRulesets with the build cache’s changes', () => {
  test('gives the same diff as comparing everything, over a random walk of changes', () => {
    // A small deterministic random generator, so a failure can be replayed.
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const svcs = Array.from({ length: 12 }, (_, i) => i);
    const eps = new Map<number, string[]>(svcs.map((i) => [i, [`10.244.${i}.1`, `10.244.${i}.2`]]));
    const shared = '10.244.99.99';
    const current = (): ProxyState => ({
      services: svcs.map((i) =>
        svc(`s${i}`, {
          ...(i % 3 === 0 ? { type: 'NodePort' } : {}),
          clusterIP: `10.96.0.${i + 1}`,
          ports: [{ port: 80, ...(i % 3 === 0 ? { nodePort: 30000 + i } : {}) }],
          ...(i % 4 === 1 ? { affinitySeconds: 30 + (rnd(2) === 0 ? 0 : 30) } : {}),
        }),
      ),
      endpointSlices: svcs.map((i) => slice(`s${i}`, [{ port: 80 }], eps.get(i) ?? [])),
    });
    const cache = new NftBuildCache();
    const portsCache = new ServicePortsCache();
    let prev = buildNftRulesetFromPorts(servicePorts(current(), portsCache), opts, cache);
    for (let step = 0; step < 200; step++) {
      const i = rnd(svcs.length);
      const list = eps.get(i) ?? [];
      const op = rnd(4);
      if (op === 0) eps.set(i, []);
      else if (op === 1) eps.set(i, [...list, `10.244.${i}.${10 + rnd(50)}`]);
      else if (op === 2) eps.set(i, list.slice(1));
      else eps.set(i, [...list.filter((e) => e !== shared), shared]);
      const next = buildNftRulesetFromPorts(servicePorts(current(), portsCache), opts, cache);
      assert.equal(cache.changes?.from, prev, 'the hint applies');
      const norm = (d: ReturnType<typeof diffNftRulesets>) => renderNftIncremental(d).split('\n').sort().join('\n');
      assert.equal(norm(diffNftRulesets(prev, next, cache.changes)), norm(diffNftRulesets(prev, next)), `step ${step}`);
      prev = next;
    }
  });

  test('changes that do not belong to these two rulesets are ignored', () => {
    const cache = new NftBuildCache();
    const a = buildNftRulesetFromPorts(servicePorts(state(['10.244.1.1'])), opts, cache);
    const b = buildNftRulesetFromPorts(servicePorts(state(['10.244.1.2'])), opts, cache);
    const c = buildNftRulesetFromPorts(servicePorts(state(['10.244.1.3'])), opts, cache);
    // cache.changes is b → c; a → c must still be complete.
    const text = renderNftIncremental(diffNftRulesets(a, c, cache.changes));
    assert.match(text, /delete element ip kube-proxy hairpin-connections \{ 10\.244\.1\.1 \. 10\.244\.1\.1 \}/);
    void b;
  });
});

describe('renderNftFull', () => {
  test('with the previous ruleset: flush instead of delete, affinity sets kept, stale objects deleted', () => {
    const prev = build(state(['10.244.1.1', '10.244.1.2'], { affinity: 60, extra: true }));
    const next = build(state(['10.244.1.1'], { affinity: 60, api: false }));
    const text = renderNftFull(next, { previous: prev });
    golden('resync', text);
    const head = text.slice(0, text.indexOf('table ip kube-proxy {'));
    assert.match(head, /^add table ip kube-proxy\nflush table ip kube-proxy\n/);
    assert.doesNotMatch(head, /flush set ip kube-proxy affinity-/, 'affinity entries survive');
    assert.match(head, /delete set ip kube-proxy affinity-[^\n]*__10\.244\.1\.2\/80/);
    // api and new (one endpoint each, plain) shared endpoints-tcp-1; no plain service is left.
    assert.match(head, /\ndelete chain ip kube-proxy endpoints-tcp-1\n/);
    assert.doesNotMatch(head, /delete table/);
  });
});
