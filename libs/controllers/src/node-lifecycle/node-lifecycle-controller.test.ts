// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coordinationV1, coreV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { LEASES, NODE_LEASE_NAMESPACE, NodeLifecycleController, NODES, PODS } from './node-lifecycle-controller';
import { desiredTaints, evictionTime, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, type Taint, type Toleration } from './taints';

type Node = coreV1.NodeJson;
type Pod = coreV1.PodJson;

const T0 = Date.parse('2024-01-01T00:00:00Z');

function node(name: string, ready: string | undefined, extra: Partial<coreV1.NodeSpecJson> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { ...extra },
    status: ready ? { conditions: [{ type: 'Ready', status: ready, lastHeartbeatTime: '2024-01-01T00:00:00Z' }, { type: 'MemoryPressure', status: 'False' }] } : {},
  };
}
function lease(name: string, renew = '2024-01-01T00:00:00Z'): coordinationV1.LeaseJson {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: name, renewTime: renew } };
}
function pod(name: string, nodeName: string, tolerations?: Toleration[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) }, status: { phase: 'Running' } };
}

async function setup(objs: { nodes?: Node[]; pods?: Pod[]; leases?: coordinationV1.LeaseJson[] }, grace = 40, eviction = 300) {
  const api = new FakeApi();
  let now = T0;
  api.seed(NODES, ...(objs.nodes ?? []));
  api.seed(PODS, ...(objs.pods ?? []));
  api.seed(LEASES, ...(objs.leases ?? []));
  const events: Array<{ obj: KubeObject; type: string; reason: string; message: string }> = [];
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
    eventf: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
  };
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new NodeLifecycleController({
    client: api,
    nodes: f.informerFor(NODES),
    pods: f.informerFor(PODS),
    leases: f.informerFor(LEASES, { namespace: NODE_LEASE_NAMESPACE }),
    recorder,
    now: () => new Date(now),
    nodeMonitorGracePeriodSeconds: grace,
    podEvictionTimeoutSeconds: eviction,
  });
  f.start(ac.signal);
  await f.waitForSync();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return {
    api,
    ctrl,
    events,
    settle,
    advance: (s: number) => (now += s * 1000),
    stop: () => {
      ac.abort();
      ctrl.queue.shutDown();
    },
  };
}

describe('desiredTaints', () => {
  const now = new Date(T0);
  const cases: Array<{ name: string; current: Taint[]; ready?: string; cordoned?: boolean; want: string[] }> = [
    { name: 'ready node: nothing', current: [], ready: 'True', want: [] },
    { name: 'Ready=False: not-ready', current: [], ready: 'False', want: [`${TAINT_NOT_READY}:NoExecute`, `${TAINT_NOT_READY}:NoSchedule`] },
    { name: 'Ready=Unknown: unreachable', current: [], ready: 'Unknown', want: [`${TAINT_UNREACHABLE}:NoExecute`, `${TAINT_UNREACHABLE}:NoSchedule`] },
    { name: 'cordoned: unschedulable', current: [], ready: 'True', cordoned: true, want: [`${TAINT_UNSCHEDULABLE}:NoSchedule`] },
    { name: 'recovery removes ours, keeps the user\'s', current: [{ key: TAINT_UNREACHABLE, effect: 'NoExecute' }, { key: 'dedicated', value: 'x', effect: 'NoSchedule' }], ready: 'True', want: ['dedicated:NoSchedule'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(desiredTaints(c.current, c.ready, c.cordoned ?? false, now).map((t) => `${t.key}:${t.effect}`).sort(), [...c.want].sort());
    });
  }
});

describe('evictionTime', () => {
  const now = new Date(T0);
  const taint: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' };
  const cases: Array<{ name: string; tolerations: Toleration[]; taints?: Taint[]; want: number | undefined }> = [
    { name: 'no toleration: the default 300 s', tolerations: [], want: T0 + 300_000 },
    { name: 'tolerationSeconds from the pod', tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }], want: T0 + 1000 },
    { name: 'tolerates forever', tolerations: [{ operator: 'Exists' }], want: undefined },
    { name: 'another NoExecute taint not tolerated: now', tolerations: [], taints: [{ key: 'evil', effect: 'NoExecute' }], want: -Infinity },
  ];
  for (const c of cases) test(c.name, () => assert.equal(evictionTime(c.taints ?? [taint], c.tolerations, 300, now), c.want));
});

describe('NodeLifecycleController.sync', () => {
  test('a node whose lease is not renewed becomes Unknown and unreachable-tainted; NodeNotReady event', async () => {
    const t = await setup({ nodes: [node('n1', 'True')], leases: [lease('n1')] });
    try {
      await t.ctrl.sync('n1');
      assert.equal(t.api.writeActions().length, 0, 'within the grace period nothing is written');
      t.advance(41);
      await t.ctrl.sync('n1');
      const n = t.api.stored<Node>(NODES, '', 'n1');
      const conds = n?.status?.conditions ?? [];
      assert.ok(conds.every((c) => c.status === 'Unknown'));
      const ready = conds.find((c) => c.type === 'Ready');
      assert.equal(ready?.reason, 'NodeStatusUnknown');
      assert.equal(ready?.message, 'Kubelet stopped posting node status.');
      assert.deepEqual(n?.spec?.taints?.map((x) => `${x.key}:${x.effect}`).sort(), [`${TAINT_UNREACHABLE}:NoExecute`, `${TAINT_UNREACHABLE}:NoSchedule`]);
      assert.ok(t.events.some((e) => e.reason === 'NodeNotReady'));
      assert.deepEqual(t.api.writeActions().map((a) => `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''}`), ['update nodes/status', 'update nodes']);
    } finally {
      t.stop();
    }
  });

  test('a renewed lease keeps the node as it is', async () => {
    const t = await setup({ nodes: [node('n1', 'True')], leases: [lease('n1')] });
    try {
      await t.ctrl.sync('n1');
      t.advance(30);
      await t.api.update(LEASES, NODE_LEASE_NAMESPACE, { ...lease('n1', '2024-01-01T00:00:30Z'), metadata: { name: 'n1', namespace: NODE_LEASE_NAMESPACE } });
      await t.settle();
      await t.ctrl.sync('n1');
      t.advance(30);
      await t.ctrl.sync('n1');
      assert.equal(t.api.writeActions().filter((a) => a.resource === 'nodes').length, 0);
    } finally {
      t.stop();
    }
  });

  test('Ready=False gets not-ready; recovery removes the taints and records NodeReady', async () => {
    const t = await setup({ nodes: [node('n1', 'False')], leases: [lease('n1')] });
    try {
      await t.ctrl.sync('n1');
      assert.deepEqual(t.api.stored<Node>(NODES, '', 'n1')?.spec?.taints?.map((x) => `${x.key}:${x.effect}`).sort(), [`${TAINT_NOT_READY}:NoExecute`, `${TAINT_NOT_READY}:NoSchedule`]);
      const cur = t.api.stored<Node>(NODES, '', 'n1') as Node;
      await t.api.update(NODES, '', { ...cur, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:05Z' }] } }, { subresource: 'status' });
      await t.settle();
      await t.ctrl.sync('n1');
      assert.deepEqual(t.api.stored<Node>(NODES, '', 'n1')?.spec?.taints ?? [], []);
      assert.ok(t.events.some((e) => e.reason === 'NodeReady'));
    } finally {
      t.stop();
    }
  });

  test('cordon mirrors spec.unschedulable as unschedulable:NoSchedule', async () => {
    const t = await setup({ nodes: [node('n1', 'True', { unschedulable: true })], leases: [lease('n1')] });
    try {
      await t.ctrl.sync('n1');
      assert.deepEqual(t.api.stored<Node>(NODES, '', 'n1')?.spec?.taints, [{ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }]);
    } finally {
      t.stop();
    }
  });

  test('pods are evicted when their toleration expires; forever-tolerating pods stay', async () => {
    const tainted = node('n1', 'Unknown', { taints: [{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' }] });
    const t = await setup({
      nodes: [tainted],
      leases: [lease('n1')],
      pods: [
        pod('quick', 'n1', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }]),
        pod('default', 'n1'),
        pod('daemon', 'n1', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]),
        pod('elsewhere', 'n2'),
      ],
    });
    try {
      await t.ctrl.sync('n1');
      assert.equal(t.api.writeActions().length, 0);
      t.advance(2);
      await t.ctrl.sync('n1');
      assert.deepEqual(t.api.writeActions().map((a) => `${a.verb} ${a.name}`), ['delete quick']);
      assert.equal(t.events.find((e) => e.reason === 'TaintManagerEviction')?.message, 'Marking for deletion Pod default/quick');
      await t.settle();
      t.advance(300);
      await t.ctrl.sync('n1');
      const deleted = t.api.writeActions().filter((a) => a.verb === 'delete').map((a) => a.name);
      assert.deepEqual(deleted, ['quick', 'default']);
      assert.ok(t.api.stored(PODS, 'default', 'daemon'));
    } finally {
      t.stop();
    }
  });
});
