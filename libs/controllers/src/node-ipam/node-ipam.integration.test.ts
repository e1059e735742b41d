// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1 } from '@berth/api-types';
import { InformerFactory, silentLogger } from '@berth/client';
import type { GrpcApiClient } from '@berth/grpc';
import { startControlPlane, type TestControlPlane } from '@berth/testing';
import { nodeIpamController } from './index';
import { NODES } from './node-ipam-controller';

describe('node IPAM controller against a real apiserver', () => {
  let cp: TestControlPlane;
  let client: GrpcApiClient;
  const ac = new AbortController();
  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
  });
  after(async () => {
    ac.abort();
    client?.close();
    await cp?.stop();
  });

  test('two nodes get distinct /24s; an existing assignment is kept', async () => {
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'old' }, spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] } });
    const informers = new InformerFactory(client);
    await nodeIpamController.start({ client, informers, recorder: () => ({ event: () => {}, eventf: () => {} }), logger: silentLogger, signal: ac.signal, options: {} });
    informers.start(ac.signal);
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a' } });
    await client.create(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'b' } });
    const deadline = Date.now() + 15_000;
    let cidrs: string[] = [];
    while (Date.now() < deadline) {
      const nodes = (await client.list<coreV1.NodeJson>(NODES)).items;
      cidrs = ['old', 'a', 'b'].map((n) => nodes.find((x) => x.metadata?.name === n)?.spec?.podCIDR ?? '');
      if (cidrs.every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(cidrs[0], '10.244.0.0/24');
    assert.deepEqual(cidrs.slice(1).sort(), ['10.244.1.0/24', '10.244.2.0/24']);
  });
});
