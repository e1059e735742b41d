// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredRoutes, parseIpv4Cidr, planRoutes, type Node, type Route } from './host-gw-routes';
import { parseIpRouteJson } from './ip-routes';

function node(name: string, podCIDR?: string, internalIP?: string, extra: { deleting?: boolean; podCIDRs?: string[]; addresses?: Array<{ type: string; address: string }> } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(extra.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { ...(podCIDR ? { podCIDR } : {}), ...(extra.podCIDRs ? { podCIDRs: extra.podCIDRs } : {}) },
    status: { addresses: extra.addresses ?? [{ type: 'Hostname', address: name }, ...(internalIP ? [{ type: 'InternalIP', address: internalIP }] : [])] },
  };
}

const SELF = node('self', '10.244.1.0/24', '172.31.0.11');

describe('desiredRoutes', () => {
  const cases: Array<{ name: string; nodes: Node[]; clusterCidr?: string; want: Route[]; skipped?: Record<string, RegExp> }> = [
    { name: 'no other nodes: no routes', nodes: [SELF], want: [] },
    { name: 'no nodes at all (self unknown): no routes', nodes: [], want: [] },
    {
      name: 'one route per other node, self skipped',
      nodes: [SELF, node('b', '10.244.2.0/24', '172.31.0.12'), node('c', '10.244.3.0/24', '172.31.0.13')],
      want: [
        { dst: '10.244.2.0/24', via: '172.31.0.12' },
        { dst: '10.244.3.0/24', via: '172.31.0.13' },
      ],
    },
    {
      name: 'sorted numerically by destination, not by text or node name',
      nodes: [node('a', '10.244.10.0/24', '172.31.0.20'), node('z', '10.244.2.0/24', '172.31.0.12'), node('m', '10.244.2.0/25', '172.31.0.14'), SELF],
      want: [
        { dst: '10.244.2.0/24', via: '172.31.0.12' },
        { dst: '10.244.2.0/25', via: '172.31.0.14' },
        { dst: '10.244.10.0/24', via: '172.31.0.20' },
      ],
    },
    {
      name: 'nodes being deleted are skipped',
      nodes: [SELF, node('b', '10.244.2.0/24', '172.31.0.12', { deleting: true }), node('c', '10.244.3.0/24', '172.31.0.13')],
      want: [{ dst: '10.244.3.0/24', via: '172.31.0.13' }],
      skipped: { b: /being deleted/ },
    },
    {
      name: 'nodes without a pod CIDR or InternalIP yet are skipped',
      nodes: [SELF, node('b', undefined, '172.31.0.12'), node('c', '10.244.3.0/24'), node('d', '10.244.4.0/24', undefined, { addresses: [{ type: 'ExternalIP', address: '1.2.3.4' }] })],
      want: [],
      skipped: { b: /no IPv4 pod CIDR/, c: /no InternalIP/, d: /no InternalIP/ },
    },
    {
      name: 'invalid CIDRs and IPs are skipped (garbage, host bits, octal-looking octets, out of range)',
      nodes: [
        SELF,
        node('b', 'not-a-cidr', '172.31.0.12'),
        node('c', '10.244.3.5/24', '172.31.0.13'),
        node('d', '10.244.4.0/24', '172.31.0.300'),
        node('e', '10.244.5.0/24', '172.031.0.15'),
        node('f', '10.244.6.0/33', '172.31.0.16'),
        node('g', '10.244.7.0/24', '172.31.0.17'),
      ],
      want: [{ dst: '10.244.7.0/24', via: '172.31.0.17' }],
      skipped: { b: /invalid pod CIDR/, c: /invalid pod CIDR/, d: /invalid InternalIP/, e: /invalid InternalIP/, f: /invalid pod CIDR/ },
    },
    {
      name: 'podCIDRs is used when podCIDR is empty; the IPv4 entry of a dual-stack node wins',
      nodes: [SELF, node('b', undefined, '172.31.0.12', { podCIDRs: ['fd00:10:244:2::/64', '10.244.2.0/24'] }), node('c', 'fd00:10:244:3::/64', '172.31.0.13')],
      want: [{ dst: '10.244.2.0/24', via: '172.31.0.12' }],
      skipped: { c: /no IPv4 pod CIDR/ },
    },
    {
      name: 'the first IPv4 InternalIP is the gateway',
      nodes: [SELF, node('b', '10.244.2.0/24', undefined, { addresses: [{ type: 'InternalIP', address: 'fd00::12' }, { type: 'InternalIP', address: '172.31.0.12' }, { type: 'InternalIP', address: '172.31.0.99' }] })],
      want: [{ dst: '10.244.2.0/24', via: '172.31.0.12' }],
    },
    {
      name: 'with a cluster CIDR, pod CIDRs outside it are skipped (no hijacking the default or node route)',
      clusterCidr: '10.244.0.0/16',
      nodes: [SELF, node('b', '0.0.0.0/0', '172.31.0.12'), node('c', '172.31.0.0/24', '172.31.0.13'), node('d', '10.0.0.0/8', '172.31.0.14'), node('e', '10.244.5.0/24', '172.31.0.15')],
      want: [{ dst: '10.244.5.0/24', via: '172.31.0.15' }],
      skipped: { b: /outside the cluster CIDR 10\.244\.0\.0\/16/, c: /outside/, d: /outside/ },
    },
    {
      name: "a pod CIDR overlapping this node's own is skipped",
      nodes: [SELF, node('b', '10.244.1.0/24', '172.31.0.12'), node('c', '10.244.1.128/25', '172.31.0.13'), node('d', '10.244.0.0/23', '172.31.0.14'), node('e', '10.244.2.0/24', '172.31.0.15')],
      want: [{ dst: '10.244.2.0/24', via: '172.31.0.15' }],
      skipped: { b: /overlaps this node's pod CIDR 10\.244\.1\.0\/24/, c: /overlaps/, d: /overlaps/ },
    },
    {
      name: 'two nodes claiming one CIDR: the first by name gets it, whatever the list order',
      nodes: [SELF, node('d', '10.244.2.0/24', '172.31.0.14'), node('b', '10.244.2.0/24', '172.31.0.12')],
      want: [{ dst: '10.244.2.0/24', via: '172.31.0.12' }],
      skipped: { d: /also node b's/ },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const skipped: Record<string, string> = {};
      const got = desiredRoutes(c.nodes, 'self', { ...(c.clusterCidr ? { clusterCidr: c.clusterCidr } : {}), onSkip: (n, reason) => (skipped[n] = reason) });
      assert.deepEqual(got, c.want);
      assert.deepEqual(Object.keys(skipped).sort(), Object.keys(c.skipped ?? {}).sort(), `skipped: ${JSON.stringify(skipped)}`);
      for (const [n, re] of Object.entries(c.skipped ?? {})) assert.match(skipped[n] ?? '', re);
    });
  }

  test('does not modify its input and works without options', () => {
    const nodes = [node('b', '10.244.3.0/24', '172.31.0.13'), node('a', '10.244.2.0/24', '172.31.0.12')];
    const copy = JSON.parse(JSON.stringify(nodes)) as Node[];
    assert.equal(desiredRoutes(nodes, 'self').length, 2);
    assert.deepEqual(nodes, copy);
  });

  test('an invalid cluster CIDR is a programming error', () => {
    assert.throws(() => desiredRoutes([], 'self', { clusterCidr: '10.244.0.0' }), /invalid cluster CIDR/);
  });
});

describe('planRoutes', () => {
  const r = (dst: string, via: string): Route => ({ dst, via });
  const cases: Array<{ name: string; current: Route[]; desired: Route[]; replace: Route[]; remove: Route[] }> = [
    { name: 'nothing to do', current: [], desired: [], replace: [], remove: [] },
    { name: 'in sync: no changes', current: [r('10.244.2.0/24', '10.0.0.2')], desired: [r('10.244.2.0/24', '10.0.0.2')], replace: [], remove: [] },
    {
      name: 'missing routes are added, in destination order',
      current: [],
      desired: [r('10.244.10.0/24', '10.0.0.10'), r('10.244.2.0/24', '10.0.0.2')],
      replace: [r('10.244.2.0/24', '10.0.0.2'), r('10.244.10.0/24', '10.0.0.10')],
      remove: [],
    },
    { name: 'a changed gateway is replaced, not removed', current: [r('10.244.2.0/24', '10.0.0.2')], desired: [r('10.244.2.0/24', '10.0.0.9')], replace: [r('10.244.2.0/24', '10.0.0.9')], remove: [] },
    { name: 'routes nobody wants are removed', current: [r('10.244.3.0/24', '10.0.0.3'), r('10.244.2.0/24', '10.0.0.2')], desired: [], replace: [], remove: [r('10.244.2.0/24', '10.0.0.2'), r('10.244.3.0/24', '10.0.0.3')] },
    {
      name: 'mixed: keep, change, add, remove',
      current: [r('10.244.2.0/24', '10.0.0.2'), r('10.244.3.0/24', '10.0.0.3'), r('10.244.4.0/24', '10.0.0.4')],
      desired: [r('10.244.2.0/24', '10.0.0.2'), r('10.244.3.0/24', '10.0.0.33'), r('10.244.5.0/24', '10.0.0.5')],
      replace: [r('10.244.3.0/24', '10.0.0.33'), r('10.244.5.0/24', '10.0.0.5')],
      remove: [r('10.244.4.0/24', '10.0.0.4')],
    },
    {
      name: 'an owned route without a gateway, or to an odd destination, is replaced or removed',
      current: [r('10.244.2.0/24', ''), r('0.0.0.0/0', '10.0.0.1')],
      desired: [r('10.244.2.0/24', '10.0.0.2')],
      replace: [r('10.244.2.0/24', '10.0.0.2')],
      remove: [r('0.0.0.0/0', '10.0.0.1')],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(planRoutes(c.current, c.desired), { replace: c.replace, remove: c.remove });
    });
  }

  test('applying a plan to the current routes gives the desired ones', () => {
    const current = [r('10.244.2.0/24', '10.0.0.2'), r('10.244.4.0/24', '10.0.0.4')];
    const desired = [r('10.244.2.0/24', '10.0.0.22'), r('10.244.3.0/24', '10.0.0.3')];
    const plan = planRoutes(current, desired);
    const table = new Map(current.map((x) => [x.dst, x.via]));
    for (const x of plan.remove) table.delete(x.dst);
    for (const x of plan.replace) table.set(x.dst, x.via);
    assert.deepEqual([...table].map(([dst, via]) => ({ dst, via })).sort((a, b) => a.dst.localeCompare(b.dst)), desired);
    assert.deepEqual(planRoutes(desired, desired), { replace: [], remove: [] });
  });
});

describe('parseIpv4Cidr', () => {
  const cases: Array<[string, { ip: number; bits: number } | undefined]> = [
    ['10.244.0.0/16', { ip: 0x0af40000, bits: 16 }],
    ['255.255.255.255/32', { ip: 0xffffffff, bits: 32 }],
    ['0.0.0.0/0', { ip: 0, bits: 0 }],
    ['192.168.0.0/23', { ip: 0xc0a80000, bits: 23 }],
    ['10.244.0.1/16', undefined],
    ['10.244.0.0', undefined],
    ['10.244.0.0/', undefined],
    ['10.244.0.0/016', undefined],
    ['10.244.00.0/24', undefined],
    ['256.0.0.0/8', undefined],
    ['10.244.0/24', undefined],
    [' 10.244.0.0/16', undefined],
    ['fd00::/64', undefined],
  ];
  for (const [text, want] of cases) {
    test(JSON.stringify(text), () => assert.deepEqual(parseIpv4Cidr(text), want));
  }
});

describe('parseIpRouteJson', () => {
  const cases: Array<{ name: string; text: string; want: Route[] }> = [
    { name: 'empty output', text: '', want: [] },
    { name: 'empty array', text: '[ ]\n', want: [] },
    {
      name: 'ip -j route show proto 199 (iproute2 6.1)',
      text: '[{"dst":"10.244.2.0/24","gateway":"172.31.250.2","dev":"br0","flags":[]},{"dst":"10.244.3.5","gateway":"172.31.250.3","dev":"br0","flags":[]}]\n',
      want: [
        { dst: '10.244.2.0/24', via: '172.31.250.2' },
        { dst: '10.244.3.5/32', via: '172.31.250.3' },
      ],
    },
    { name: 'default route and a route without a gateway', text: '[{"dst":"default","gateway":"10.0.0.1"},{"dst":"10.244.9.0/24","dev":"cbr0","scope":"link"}]', want: [{ dst: '0.0.0.0/0', via: '10.0.0.1' }, { dst: '10.244.9.0/24', via: '' }] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(parseIpRouteJson(c.text), c.want));
  }
  test('not an array is an error', () => {
    assert.throws(() => parseIpRouteJson('{"dst":"x"}'), /expected a JSON array/);
  });
});
