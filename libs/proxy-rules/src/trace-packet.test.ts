// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRules, type BuildOptions } from './build-rules';
import { tracePacket, tracePacketAll, type RecentTable } from './trace-packet';
import { slice, svc } from './test-fixtures';

const NODE = '192.168.1.10';
const opts: BuildOptions = { nodeIPs: [NODE], clusterCidr: '10.244.0.0/16' };
const POD = '10.244.5.5';

const rs = buildRules(
  {
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
  },
  opts,
);

describe('tracePacket', () => {
  test('pod to ClusterIP is DNATed to an endpoint without masquerade', () => {
    const r = tracePacket(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0.9 });
    assert.equal(r.dnatTo, '10.244.3.13:8080');
    assert.equal(r.masquerade, false);
    assert.equal(r.rejected, false);
    assert.deepEqual(r.path.slice(0, 3).map((p) => p.split('-')[0] + '-' + p.split('-')[1]), ['nat:KUBE-SERVICES', 'nat:KUBE-SVC', 'nat:KUBE-SEP']);
  });

  test('the three endpoints share the load evenly', () => {
    const outcomes = tracePacketAll(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' });
    assert.deepEqual(outcomes.map((o) => o.dnatTo).sort(), ['10.244.1.11:8080', '10.244.2.12:8080', '10.244.3.13:8080']);
    for (const o of outcomes) assert.ok(Math.abs(o.probability - 1 / 3) < 1e-9, `${o.dnatTo}: ${o.probability}`);
  });

  test('the same port number on another protocol goes to that protocol’s endpoints', () => {
    const r = tracePacket(rs, { src: POD, dst: '10.96.0.10', dport: 53, proto: 'udp' });
    assert.equal(r.dnatTo, '10.244.1.51:5353');
  });

  test('node to ClusterIP (outside the cluster CIDR) is masqueraded', () => {
    const r = tracePacket(rs, { src: NODE, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(r.dnatTo, '10.244.1.11:8080');
    assert.equal(r.masquerade, true);
  });

  test('hairpin: an endpoint reaching itself through its service is masqueraded', () => {
    const r = tracePacket(rs, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(r.dnatTo, '10.244.1.11:8080');
    assert.equal(r.masquerade, true);
  });

  test('NodePort on the node address reaches the endpoint, masqueraded', () => {
    const r = tracePacket(rs, { src: '203.0.113.9', dst: NODE, dport: 30080, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.21:80');
    assert.equal(r.masquerade, true);
    assert.ok(r.path.includes('nat:KUBE-NODEPORTS'));
  });

  test('NodePort on a foreign address or 127.0.0.1 (route_localnet off) is not caught', () => {
    assert.equal(tracePacket(rs, { src: POD, dst: '192.168.1.99', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    assert.equal(tracePacket(rs, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    const local = buildRules({ services: [svc('np', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] })], endpointSlices: [slice('np', [{ port: 80 }], ['10.244.1.21'])] }, { ...opts, localhostNodePorts: true });
    assert.equal(tracePacket(local, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' }).dnatTo, '10.244.1.21:80');
  });

  test('service without endpoints: ClusterIP and NodePort are rejected', () => {
    const c = tracePacket(rs, { src: POD, dst: '10.96.0.12', dport: 80, proto: 'tcp' });
    assert.equal(c.rejected, true);
    assert.equal(c.dnatTo, undefined);
    const n = tracePacket(rs, { src: POD, dst: NODE, dport: 30081, proto: 'tcp' });
    assert.equal(n.rejected, true);
  });

  test('an unknown port of a ClusterIP passes untouched', () => {
    const r = tracePacket(rs, { src: POD, dst: '10.96.0.10', dport: 81, proto: 'tcp' });
    assert.deepEqual({ dnat: r.dnatTo, rej: r.rejected, masq: r.masquerade }, { dnat: undefined, rej: false, masq: false });
  });

  test('LoadBalancer IP reaches the endpoint, masqueraded', () => {
    const r = tracePacket(rs, { src: '203.0.113.9', dst: '172.18.255.1', dport: 443, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.41:8443');
    assert.equal(r.masquerade, true);
  });

  test('ClientIP affinity keeps a client on its endpoint until the timeout', () => {
    const recent: RecentTable = new Map();
    const pkt = { src: POD, dst: '10.96.0.14', dport: 80, proto: 'tcp' };
    const first = tracePacket(rs, pkt, { random: () => 0.99, recent, now: 1000 });
    assert.equal(first.dnatTo, '10.244.2.32:80');
    for (const now of [1001, 1030, 1059]) {
      assert.equal(tracePacket(rs, pkt, { random: () => 0, recent, now }).dnatTo, '10.244.2.32:80', `at ${now}`);
    }
    // Another client is balanced independently.
    assert.equal(tracePacket(rs, { ...pkt, src: '10.244.6.6' }, { random: () => 0, recent, now: 1060 }).dnatTo, '10.244.1.31:80');
    // After 60 s of silence the choice is random again.
    assert.equal(tracePacket(rs, pkt, { random: () => 0, recent, now: 1200 }).dnatTo, '10.244.1.31:80');
  });
});
