// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@berth/api';
import { LEASES, SharedInformer, type Lease } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { startHollowNodes } from './hollow-nodes';

const NODES = { group: '', version: 'v1', resource: 'nodes' };
const PODS = { group: '', version: 'v1', resource: 'pods' };
type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, any> };

async function until(what: string, fn: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('startHollowNodes', () => {
  test('registers Ready nodes with leases, renews them, and runs bound pods', async () => {
    const api = new FakeApi();
    const hn = await startHollowNodes({ client: api, count: 3, namePrefix: 'h-', capacity: { cpu: '2', memory: '4Gi', pods: '20' }, heartbeatMs: 1000 });
    try {
      const nodes = (await api.list<Obj>(NODES)).items;
      assert.deepEqual(nodes.map((n) => n.metadata?.name).sort(), ['h-0', 'h-1', 'h-2']);
      const n0 = nodes.find((n) => n.metadata?.name === 'h-0')!;
      assert.equal(n0.metadata?.labels?.['kubernetes.io/hostname'], 'h-0');
      assert.equal(n0.status?.allocatable.memory, '4Gi');
      assert.equal(n0.status?.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
      assert.ok(n0.status?.nodeInfo.kubeletVersion);

      const lease0 = await api.get<Lease>(LEASES, 'kube-node-lease', 'h-1');
      assert.equal(lease0.spec?.holderIdentity, 'h-1');
      await until('lease renewed', async () => (await api.get<Lease>(LEASES, 'kube-node-lease', 'h-1')).spec?.renewTime !== lease0.spec?.renewTime, 4000);

      await api.create(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'h-2', containers: [{ name: 'c', image: 'nginx' }] } });
      await api.create(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere', namespace: 'default' }, spec: { nodeName: 'real-node', containers: [{ name: 'c', image: 'nginx' }] } });
      await until('running', async () => (await api.get<Obj>(PODS, 'default', 'web')).status?.phase === 'Running');
      const pod = await api.get<Obj>(PODS, 'default', 'web');
      assert.match(pod.status?.podIP, /^10\.128\.2\.\d+$/);
      assert.equal(pod.status?.containerStatuses[0].ready, true);
      assert.equal(pod.status?.conditions.find((c: { type: string }) => c.type === 'Ready').status, 'True');
      assert.equal((await api.get<Obj>(PODS, 'default', 'elsewhere')).status?.phase, undefined);
      assert.equal(hn.runningCount(), 1);
    } finally {
      await hn.stop();
    }
    await hn.deleteNodes();
    assert.equal((await api.list(NODES)).items.length, 0);
  });

  test('sets of nodes can share the caller\'s pod informer; a stopped set leaves its pods alone', async () => {
    const api = new FakeApi();
    const ac = new AbortController();
    const informer = new SharedInformer<KubeObject>(api, PODS);
    const a = await startHollowNodes({ client: api, count: 1, namePrefix: 'a-', podInformer: informer });
    const b = await startHollowNodes({ client: api, count: 1, namePrefix: 'b-', podInformer: informer });
    void informer.run(ac.signal);
    const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }] } });
    const phase = async (name: string) => (await api.get<Obj>(PODS, 'default', name)).status?.phase;
    try {
      await api.create(PODS, 'default', pod('on-a', 'a-0'));
      await api.create(PODS, 'default', pod('on-b', 'b-0'));
      await until('both running', async () => (await phase('on-a')) === 'Running' && (await phase('on-b')) === 'Running');
      assert.equal(a.runningCount(), 1);
      assert.equal(b.runningCount(), 1);
      await a.stop();
      await api.create(PODS, 'default', pod('late-a', 'a-0'));
      await api.create(PODS, 'default', pod('late-b', 'b-0'));
      await until('late-b running', async () => (await phase('late-b')) === 'Running');
      assert.equal(await phase('late-a'), undefined);
      assert.equal(a.runningCount(), 1);
    } finally {
      ac.abort();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
