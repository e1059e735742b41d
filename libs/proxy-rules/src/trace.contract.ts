// SPDX-License-Identifier: Apache-2.0
// Where packets go, as both proxy modes must route them: the same services and packets, traced
// through each mode's own rules. A mode says only how its paths name the chains.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BuildOptions } from './build-rules';
import type { ProxyState } from './proxy-state';
import { BUILD_OPTIONS, NODE_IP, slice, svc } from './test-fixtures';
import type { Packet, SourceTimes, TraceOutcome, TraceResult } from './trace-core';

const POD = '10.244.5.5';

/** What the trace tests need of a mode; R is its rule set. */
export interface TraceMode<R extends { nodeIPs: string[] }> {
  build(state: ProxyState, options: BuildOptions): R;
  /** One trace; `affinity` is the mode's ClientIP state (iptables recent lists, nftables affinity sets). */
  trace(rs: R, packet: Packet, opts?: { random?: () => number; now?: number; affinity?: SourceTimes }): TraceResult;
  traceAll(rs: R, packet: Packet): TraceOutcome[];
  /** How the mode's paths name the chains the tests look for. */
  chains: {
    /** A chain as compared across services: the name without its per-service hash. */
    kind(chain: string): string;
    /** The kinds of the first three chains a pod's packet to a ClusterIP enters. */
    podToClusterIP: readonly string[];
    /** The first chain of a packet the node itself sends. */
    fromNode: string;
    /** True for a chain that node-port traffic enters. */
    nodePort(chain: string): boolean;
  };
}

const STATE: ProxyState = {
  services: [
    svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80 }] }),
    svc('np', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] }),
    svc('empty', { type: 'NodePort', clusterIP: '10.96.0.12', ports: [{ port: 80, nodePort: 30081 }] }),
    svc('sticky', { clusterIP: '10.96.0.14', ports: [{ port: 80 }], affinitySeconds: 60 }),
    svc('lb', { type: 'LoadBalancer', clusterIP: '10.96.0.16', ports: [{ port: 443, nodePort: 31000 }], loadBalancerIPs: ['172.18.255.1'] }),
    svc('dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  ],
  endpointSlices: [
    slice('web', [{ name: 'http', port: 8080 }], ['10.244.1.11', '10.244.2.12', '10.244.3.13']),
    slice('np', [{ port: 80 }], ['10.244.1.21']),
    slice('sticky', [{ port: 80 }], ['10.244.1.31', '10.244.2.32']),
    slice('lb', [{ port: 8443 }], ['10.244.1.41']),
    slice('dns', [{ name: 'dns', port: 5353, protocol: 'UDP' }], ['10.244.1.51']),
  ],
};

/** A NodePort service alone, for builds with other options. */
const NODE_PORT_ONLY: ProxyState = {
  services: [svc('np', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] })],
  endpointSlices: [slice('np', [{ port: 80 }], ['10.244.1.21'])],
};

/** The tests every mode must pass. Call inside a describe. */
export function traceContract<R extends { nodeIPs: string[] }>(mode: TraceMode<R>): void {
  const rs = mode.build(STATE, BUILD_OPTIONS);

  test('pod to ClusterIP is DNATed to an endpoint without masquerade', () => {
    const r = mode.trace(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0.9 });
    assert.equal(r.dnatTo, '10.244.3.13:8080');
    assert.equal(r.masquerade, false);
    assert.equal(r.rejected, false);
    assert.deepEqual(r.path.slice(0, 3).map(mode.chains.kind), mode.chains.podToClusterIP);
  });

  test('the three endpoints share the load evenly', () => {
    const outcomes = mode.traceAll(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' });
    assert.deepEqual(outcomes.map((o) => o.dnatTo).sort(), ['10.244.1.11:8080', '10.244.2.12:8080', '10.244.3.13:8080']);
    for (const o of outcomes) assert.ok(Math.abs(o.probability - 1 / 3) < 1e-9, `${o.dnatTo}: ${o.probability}`);
  });

  test('the same port number on another protocol goes to that protocol’s endpoints', () => {
    const r = mode.trace(rs, { src: POD, dst: '10.96.0.10', dport: 53, proto: 'udp' });
    assert.equal(r.dnatTo, '10.244.1.51:5353');
  });

  test('node to ClusterIP (outside the cluster CIDR) is masqueraded', () => {
    const r = mode.trace(rs, { src: NODE_IP, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(r.dnatTo, '10.244.1.11:8080');
    assert.equal(r.masquerade, true);
    assert.equal(r.path[0], mode.chains.fromNode, 'locally generated: the hook of the node’s own packets');
  });

  test('hairpin: an endpoint reaching itself through its service is masqueraded; a neighbour is not', () => {
    const self = mode.trace(rs, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(self.dnatTo, '10.244.1.11:8080');
    assert.equal(self.masquerade, true);
    const other = mode.trace(rs, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0.9 });
    assert.equal(other.dnatTo, '10.244.3.13:8080');
    assert.equal(other.masquerade, false);
  });

  test('NodePort on the node address reaches the endpoint, masqueraded', () => {
    const r = mode.trace(rs, { src: '203.0.113.9', dst: NODE_IP, dport: 30080, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.21:80');
    assert.equal(r.masquerade, true);
    assert.ok(r.path.some(mode.chains.nodePort), r.path.join(' '));
  });

  test('NodePort on a foreign address or 127.0.0.1 (localhost node ports off) is not caught', () => {
    assert.equal(mode.trace(rs, { src: POD, dst: '192.168.1.99', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    assert.equal(mode.trace(rs, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    const local = mode.build(NODE_PORT_ONLY, { ...BUILD_OPTIONS, localhostNodePorts: true });
    const r = mode.trace(local, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.21:80');
    assert.equal(r.masquerade, true, 'needed: a reply to 127.0.0.1 could not leave the pod');
  });

  test('before the node addresses are known, a node port answers on any local address', () => {
    const early = mode.build(NODE_PORT_ONLY, { ...BUILD_OPTIONS, nodeIPs: [] });
    assert.equal(mode.trace(early, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    assert.equal(mode.trace({ ...early, nodeIPs: [NODE_IP] }, { src: POD, dst: NODE_IP, dport: 30080, proto: 'tcp' }).dnatTo, '10.244.1.21:80');
  });

  test('service without endpoints: ClusterIP and NodePort are rejected, from pods and from the node', () => {
    for (const src of [POD, NODE_IP]) {
      const c = mode.trace(rs, { src, dst: '10.96.0.12', dport: 80, proto: 'tcp' });
      assert.equal(c.rejected, true, `ClusterIP from ${src}`);
      assert.equal(c.dnatTo, undefined);
      const n = mode.trace(rs, { src, dst: NODE_IP, dport: 30081, proto: 'tcp' });
      assert.equal(n.rejected, true, `NodePort from ${src}`);
    }
  });

  test('an unknown port of a ClusterIP is neither translated nor rejected', () => {
    const r = mode.trace(rs, { src: POD, dst: '10.96.0.10', dport: 81, proto: 'tcp' });
    assert.deepEqual({ dnat: r.dnatTo, rej: r.rejected, masq: r.masquerade }, { dnat: undefined, rej: false, masq: false });
  });

  test('LoadBalancer IP reaches the endpoint, masqueraded', () => {
    const r = mode.trace(rs, { src: '203.0.113.9', dst: '172.18.255.1', dport: 443, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.41:8443');
    assert.equal(r.masquerade, true);
  });

  test('ClientIP affinity keeps a client on its endpoint until the timeout', () => {
    const affinity: SourceTimes = new Map();
    const pkt = { src: POD, dst: '10.96.0.14', dport: 80, proto: 'tcp' };
    const first = mode.trace(rs, pkt, { random: () => 0.99, affinity, now: 1000 });
    assert.equal(first.dnatTo, '10.244.2.32:80');
    for (const now of [1001, 1030, 1059]) {
      assert.equal(mode.trace(rs, pkt, { random: () => 0, affinity, now }).dnatTo, '10.244.2.32:80', `at ${now}`);
    }
    // Another client is balanced independently.
    assert.equal(mode.trace(rs, { ...pkt, src: '10.244.6.6' }, { random: () => 0, affinity, now: 1060 }).dnatTo, '10.244.1.31:80');
    // After 60 s of silence the choice is random again.
    assert.equal(mode.trace(rs, pkt, { random: () => 0, affinity, now: 1200 }).dnatTo, '10.244.1.31:80');
  });

  test('masquerade-all marks pod traffic to a ClusterIP too', () => {
    const all = mode.build(
      { services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] })], endpointSlices: [slice('web', [{ port: 80 }], ['10.244.1.11'])] },
      { ...BUILD_OPTIONS, masqueradeAll: true },
    );
    assert.equal(mode.trace(all, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }).masquerade, true);
  });
}
