// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildOptions } from '../build-rules';
import { slice, svc } from '../test-fixtures';
import { buildNftRuleset } from './build';
import { NFT } from './model';
import { traceNft, traceNftAll, type AffinityTable } from './trace';

// The same services and packets as trace-packet.test.ts (the iptables mode): both modes
// must route every packet the same way.
const NODE = '192.168.1.10';
const opts: BuildOptions = { nodeIPs: [NODE], clusterCidr: '10.244.0.0/16' };
const POD = '10.244.5.5';

const rs = buildNftRuleset(
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

describe('traceNft', () => {
  test('pod to ClusterIP is DNATed to an endpoint without masquerade', () => {
    const r = traceNft(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0.9 });
    assert.equal(r.dnatTo, '10.244.3.13:8080');
    assert.equal(r.masquerade, false);
    assert.equal(r.rejected, false);
    assert.deepEqual(r.path.slice(0, 3), ['nat-prerouting', 'services', 'endpoints-tcp-3']);
  });

  test('the three endpoints share the load evenly', () => {
    const outcomes = traceNftAll(rs, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' });
    assert.deepEqual(outcomes.map((o) => o.dnatTo).sort(), ['10.244.1.11:8080', '10.244.2.12:8080', '10.244.3.13:8080']);
    for (const o of outcomes) assert.ok(Math.abs(o.probability - 1 / 3) < 1e-9, `${o.dnatTo}: ${o.probability}`);
  });

  test('the same port number on another protocol goes to that protocol’s endpoints', () => {
    const r = traceNft(rs, { src: POD, dst: '10.96.0.10', dport: 53, proto: 'udp' });
    assert.equal(r.dnatTo, '10.244.1.51:5353');
  });

  test('node to ClusterIP (outside the cluster CIDR) is masqueraded', () => {
    const r = traceNft(rs, { src: NODE, dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(r.dnatTo, '10.244.1.11:8080');
    assert.equal(r.masquerade, true);
    assert.equal(r.path[0], 'filter-output', 'locally generated: output hooks');
  });

  test('hairpin: an endpoint reaching itself through its service is masqueraded; a neighbour is not', () => {
    const self = traceNft(rs, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(self.dnatTo, '10.244.1.11:8080');
    assert.equal(self.masquerade, true);
    const other = traceNft(rs, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0.9 });
    assert.equal(other.dnatTo, '10.244.3.13:8080');
    assert.equal(other.masquerade, false);
  });

  test('hairpin entries only for endpoints on this node (and those of no known node)', () => {
    const state = {
      services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] })],
      endpointSlices: [
        slice('web', [{ name: 'http', port: 8080 }], [
          { ip: '10.244.1.11', nodeName: 'node-1' },
          { ip: '10.244.2.12', nodeName: 'node-2' },
        ]),
      ],
    };
    const onNode1 = buildNftRuleset(state, { ...opts, nodeName: 'node-1' });
    assert.deepEqual([...(onNode1.sets.get(NFT.hairpin)?.elements.keys() ?? [])], ['10.244.1.11 . 10.244.1.11']);
    const self = traceNft(onNode1, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(self.dnatTo, '10.244.1.11:8080');
    assert.equal(self.masquerade, true);
    const everyNode = buildNftRuleset(state, opts);
    assert.equal(everyNode.sets.get(NFT.hairpin)?.elements.size, 2);
  });

  test('NodePort on the node address reaches the endpoint, masqueraded', () => {
    const r = traceNft(rs, { src: '203.0.113.9', dst: NODE, dport: 30080, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.21:80');
    assert.equal(r.masquerade, true);
    assert.ok(r.path.some((c) => c.startsWith('external-')), r.path.join(' '));
  });

  test('NodePort on a foreign address or 127.0.0.1 (localhost node ports off) is not caught', () => {
    assert.equal(traceNft(rs, { src: POD, dst: '192.168.1.99', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    assert.equal(traceNft(rs, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    const local = buildNftRuleset(
      { services: [svc('np', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] })], endpointSlices: [slice('np', [{ port: 80 }], ['10.244.1.21'])] },
      { ...opts, localhostNodePorts: true },
    );
    const r = traceNft(local, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.21:80');
    assert.equal(r.masquerade, true, 'needed: a reply to 127.0.0.1 could not leave the pod');
  });

  test('before the node addresses are known, a node port answers on any local address', () => {
    const early = buildNftRuleset(
      { services: [svc('np', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080 }] })], endpointSlices: [slice('np', [{ port: 80 }], ['10.244.1.21'])] },
      { ...opts, nodeIPs: [] },
    );
    assert.equal(traceNft(early, { src: '127.0.0.1', dst: '127.0.0.1', dport: 30080, proto: 'tcp' }).dnatTo, undefined);
    assert.equal(traceNft({ ...early, nodeIPs: [NODE] }, { src: POD, dst: NODE, dport: 30080, proto: 'tcp' }).dnatTo, '10.244.1.21:80');
  });

  test('service without endpoints: ClusterIP and NodePort are rejected, from pods and from the node', () => {
    for (const src of [POD, NODE]) {
      const c = traceNft(rs, { src, dst: '10.96.0.12', dport: 80, proto: 'tcp' });
      assert.equal(c.rejected, true, `ClusterIP from ${src}`);
      assert.equal(c.dnatTo, undefined);
      const n = traceNft(rs, { src, dst: NODE, dport: 30081, proto: 'tcp' });
      assert.equal(n.rejected, true, `NodePort from ${src}`);
    }
  });

  test('an unknown port of a ClusterIP is neither translated nor rejected', () => {
    const r = traceNft(rs, { src: POD, dst: '10.96.0.10', dport: 81, proto: 'tcp' });
    assert.deepEqual({ dnat: r.dnatTo, rej: r.rejected, masq: r.masquerade }, { dnat: undefined, rej: false, masq: false });
  });

  test('LoadBalancer IP reaches the endpoint, masqueraded', () => {
    const r = traceNft(rs, { src: '203.0.113.9', dst: '172.18.255.1', dport: 443, proto: 'tcp' });
    assert.equal(r.dnatTo, '10.244.1.41:8443');
    assert.equal(r.masquerade, true);
  });

  test('ClientIP affinity keeps a client on its endpoint until the timeout', () => {
    const affinity: AffinityTable = new Map();
    const pkt = { src: POD, dst: '10.96.0.14', dport: 80, proto: 'tcp' };
    const first = traceNft(rs, pkt, { random: () => 0.99, affinity, now: 1000 });
    assert.equal(first.dnatTo, '10.244.2.32:80');
    for (const now of [1001, 1030, 1059]) {
      assert.equal(traceNft(rs, pkt, { random: () => 0, affinity, now }).dnatTo, '10.244.2.32:80', `at ${now}`);
    }
    // Another client is balanced independently.
    assert.equal(traceNft(rs, { ...pkt, src: '10.244.6.6' }, { random: () => 0, affinity, now: 1060 }).dnatTo, '10.244.1.31:80');
    // After 60 s of silence the choice is random again.
    assert.equal(traceNft(rs, pkt, { random: () => 0, affinity, now: 1200 }).dnatTo, '10.244.1.31:80');
  });

  test('masquerade-all marks pod traffic to a ClusterIP too', () => {
    const all = buildNftRuleset(
      { services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] })], endpointSlices: [slice('web', [{ port: 80 }], ['10.244.1.11'])] },
      { ...opts, masqueradeAll: true },
    );
    assert.equal(traceNft(all, { src: POD, dst: '10.96.0.10', dport: 80, proto: 'tcp' }).masquerade, true);
  });
});
