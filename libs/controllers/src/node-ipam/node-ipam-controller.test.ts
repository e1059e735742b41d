// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { CidrSet } from './cidr-set';
import { NodeIpamController, NODES } from './node-ipam-controller';

type Node = coreV1.NodeJson;

function node(name: string, podCIDR?: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

async function setup(nodes: Node[], clusterCidr?: string) {
  const api = new FakeApi();
  api.seed(NODES, ...nodes);
  const events: Array<{ obj: KubeObject; type: string; reason: string; message: string }> = [];
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
    eventf: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
  };
  const ac = new AbortController();
  const factory = new InformerFactory(api);
  const ctrl = new NodeIpamController({ client: api, nodes: factory.informerFor<Node>(NODES), recorder, clusterCidr });
  factory.start(ac.signal);
  await factory.waitForSync();
  ctrl.rebuildFromCache();
  const settle = async (): Promise<void> => {
    // Let the informer see our writes.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { api, ctrl, events, stop: () => ac.abort(), settle };
}

describe('CidrSet', () => {
  test('hands out consecutive /24s of the cluster CIDR and reuses released ones when full', () => {
    const s = new CidrSet('10.244.0.0/22');
    assert.equal(s.size, 4);
    assert.deepEqual([s.allocateNext(), s.allocateNext(), s.allocateNext(), s.allocateNext()], ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24']);
    assert.equal(s.allocateNext(), undefined);
    s.release('10.244.1.0/24');
    assert.equal(s.allocateNext(), '10.244.1.0/24');
  });
  test('occupy skips taken subnets and rejects foreign ones', () => {
    const s = new CidrSet('10.244.0.0/16');
    assert.equal(s.occupy('10.244.0.0/24'), true);
    assert.equal(s.occupy('10.245.0.0/24'), false);
    assert.equal(s.occupy('10.244.1.0/25'), false);
    assert.equal(s.allocateNext(), '10.244.1.0/24');
  });
  test('high addresses (sign bit) work', () => {
    const s = new CidrSet('192.168.0.0/23');
    assert.equal(s.allocateNext(), '192.168.0.0/24');
    assert.equal(s.isUsed('192.168.0.0/24'), true);
  });
  test('rejects a bad cluster CIDR', () => {
    assert.throws(() => new CidrSet('10.244.0.0'), /invalid cluster CIDR/);
    assert.throws(() => new CidrSet('10.244.0.0/25'), /must be between/);
  });
});

describe('NodeIpamController.sync', () => {
  const cases: Array<{ name: string; nodes: Node[]; sync: string; want?: string }> = [
    { name: 'first node gets the first /24', nodes: [node('a')], sync: 'a', want: '10.244.0.0/24' },
    { name: 'a node with a CIDR keeps it (no write)', nodes: [node('a', '10.244.7.0/24')], sync: 'a' },
    { name: 'existing assignments are skipped after a restart', nodes: [node('a', '10.244.0.0/24'), node('b')], sync: 'b', want: '10.244.1.0/24' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { api, ctrl, stop } = await setup(c.nodes);
      try {
        await ctrl.sync(c.sync);
        const writes = api.writeActions();
        if (!c.want) assert.equal(writes.length, 0);
        else {
          assert.equal(writes.length, 1);
          assert.equal(writes[0]?.verb, 'patch');
          assert.deepEqual(writes[0]?.patch, { spec: { podCIDR: c.want, podCIDRs: [c.want] } });
          assert.equal(api.stored<Node>(NODES, '', c.sync)?.spec?.podCIDR, c.want);
        }
      } finally {
        stop();
      }
    });
  }

  test('two nodes get distinct CIDRs; a deleted node frees its CIDR for the next node', async () => {
    const { api, ctrl, stop, settle } = await setup([node('a'), node('b')], '10.244.0.0/23');
    try {
      await ctrl.sync('a');
      await ctrl.sync('b');
      await settle();
      assert.equal(api.stored<Node>(NODES, '', 'a')?.spec?.podCIDR, '10.244.0.0/24');
      assert.equal(api.stored<Node>(NODES, '', 'b')?.spec?.podCIDR, '10.244.1.0/24');
      // A second sync of a with a stale cache must not allocate again.
      await ctrl.sync('a');
      assert.equal(ctrl.cidrs.allocated, 2);
      await api.delete(NODES, '', 'a');
      await settle();
      await ctrl.sync('a');
      await api.create(NODES, '', node('c'));
      await settle();
      await ctrl.sync('c');
      assert.equal(api.stored<Node>(NODES, '', 'c')?.spec?.podCIDR, '10.244.0.0/24');
    } finally {
      stop();
    }
  });

  test('exhaustion: event CIDRAssignmentFailed and an error so the key is retried', async () => {
    const { ctrl, events, stop } = await setup([node('a', '10.244.0.0/24'), node('b')], '10.244.0.0/24');
    try {
      await assert.rejects(ctrl.sync('b'), /no remaining pod CIDRs/);
      assert.equal(events.find((e) => e.reason === 'CIDRAssignmentFailed')?.type, 'Warning');
    } finally {
      stop();
    }
  });
});
