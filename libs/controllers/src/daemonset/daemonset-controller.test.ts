// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { appsV1, coreV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { CONTROLLER_REVISIONS } from '../statefulset/controller-history';
import { DaemonSetController, DAEMONSETS, NODES, PODS, type DaemonSet } from './daemonset-controller';
import { daemonPodNode, nodeShouldRunDaemonPod } from './node-eligibility';

type Pod = coreV1.PodJson;
type Node = coreV1.NodeJson;

function node(name: string, labels: Record<string, string> = {}, taints: coreV1.TaintJson[] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } };
}
function ds(spec: Partial<appsV1.DaemonSetSpecJson> = {}, templateSpec: Partial<coreV1.PodSpecJson> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }], ...templateSpec } },
      ...spec,
    },
  };
}

async function setup(set: DaemonSet, nodes: Node[]) {
  const api = new FakeApi();
  api.seed(DAEMONSETS, set);
  api.seed(NODES, ...nodes);
  const events: Array<{ obj: KubeObject; type: string; reason: string; message: string }> = [];
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
    eventf: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
  };
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new DaemonSetController({ client: api, daemonSets: f.informerFor(DAEMONSETS), pods: f.informerFor(PODS), nodes: f.informerFor(NODES), revisions: f.informerFor(CONTROLLER_REVISIONS), recorder });
  f.start(ac.signal);
  await f.waitForSync();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
  };
  const live = () => api.storedAll<Pod>(PODS).filter((p) => !p.metadata?.deletionTimestamp);
  const podNodes = () => live().map((p) => daemonPodNode(p)).sort();
  const markReady = async () => {
    for (const p of live()) {
      if (p.status?.phase === 'Running') continue;
      await api.update(PODS, 'default', { ...p, spec: { ...p.spec, nodeName: daemonPodNode(p) }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    }
    await settle();
  };
  const step = async () => {
    await settle();
    await ctrl.sync('default/agent');
    await settle();
  };
  return { api, ctrl, events, podNodes, live, markReady, step, stop: () => (ac.abort(), ctrl.queue.shutDown()), status: () => api.stored<DaemonSet>(DAEMONSETS, 'default', 'agent')?.status };
}

describe('nodeShouldRunDaemonPod', () => {
  const spec = { containers: [] };
  const cases: Array<[string, Node, Partial<coreV1.PodSpecJson>, boolean]> = [
    ['plain node', node('a'), {}, true],
    ['nodeSelector matches', node('a', { disk: 'ssd' }), { nodeSelector: { disk: 'ssd' } }, true],
    ['nodeSelector does not match', node('a'), { nodeSelector: { disk: 'ssd' } }, false],
    ['not-ready NoExecute is tolerated by daemons', node('a', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), {}, true],
    ['cordoned nodes still run daemons', node('a', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), {}, true],
    ['a dedicated taint is not', node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), {}, false],
    ['unless tolerated', node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db' }] }, true],
    ['PreferNoSchedule is ignored', node('a', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), {}, true],
    [
      'required node affinity',
      node('a', { zone: 'b' }),
      { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } },
      false,
    ],
  ];
  for (const [name, n, s, want] of cases) test(name, () => assert.equal(nodeShouldRunDaemonPod(n, { ...spec, ...s }), want));
});

describe('DaemonSetController.sync', () => {
  test('one pod per eligible node, pinned by node affinity, with daemon tolerations; status counts', async () => {
    const t = await setup(ds({}, { nodeSelector: { role: 'worker' } }), [node('n1', { role: 'worker' }), node('n2', { role: 'worker' }), node('n3')]);
    try {
      await t.step();
      assert.deepEqual(t.podNodes(), ['n1', 'n2']);
      const p = t.live()[0] as Pod;
      assert.equal(p.spec?.nodeName, undefined, 'the scheduler binds daemon pods');
      assert.equal(p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.key, 'metadata.name');
      assert.ok(p.spec?.tolerations?.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute' && x.tolerationSeconds === undefined));
      assert.ok(p.metadata?.labels?.['controller-revision-hash']);
      await t.step();
      assert.equal(t.live().length, 2, 'no double create');
      await t.markReady();
      await t.step();
      assert.deepEqual(
        { ...t.status(), observedGeneration: undefined },
        { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: undefined, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 0 },
      );
    } finally {
      t.stop();
    }
  });

  test('a node that stops matching loses its pod (misscheduled until then)', async () => {
    const t = await setup(ds({}, { nodeSelector: { role: 'worker' } }), [node('n1', { role: 'worker' })]);
    try {
      await t.step();
      await t.markReady();
      const n = t.api.stored<Node>(NODES, '', 'n1') as Node;
      await t.api.update(NODES, '', { ...n, metadata: { ...n.metadata, labels: {} } });
      await t.step();
      assert.deepEqual(t.podNodes(), []);
      assert.ok(t.events.some((e) => e.reason === 'SuccessfulDelete'));
    } finally {
      t.stop();
    }
  });

  test('RollingUpdate replaces at most maxUnavailable pods at a time', async () => {
    const t = await setup(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }), [node('n1'), node('n2'), node('n3')]);
    try {
      await t.step();
      await t.markReady();
      await t.step();
      const cur = t.api.stored<DaemonSet>(DAEMONSETS, 'default', 'agent') as DaemonSet;
      const template = structuredClone(cur.spec?.template) as coreV1.PodTemplateSpecJson;
      (template.spec?.containers ?? [])[0]!.image = 'agent:2';
      await t.api.update(DAEMONSETS, 'default', { ...cur, spec: { ...cur.spec, template } });
      await t.step();
      assert.equal(t.live().length, 2, 'one old pod deleted');
      await t.step();
      assert.equal(t.live().length, 3, 'its replacement created');
      assert.equal(t.live().filter((p) => p.spec?.containers?.[0]?.image === 'agent:2').length, 1);
      await t.step();
      assert.equal(t.live().length, 3, 'waits while the new pod is unavailable');
      await t.markReady();
      await t.step();
      assert.equal(t.live().length, 2, 'the next old pod goes once the new one is available');
      assert.equal(t.api.storedAll(CONTROLLER_REVISIONS).length, 2);
    } finally {
      t.stop();
    }
  });

  test('OnDelete leaves old pods alone', async () => {
    const t = await setup(ds({ updateStrategy: { type: 'OnDelete' } }), [node('n1')]);
    try {
      await t.step();
      await t.markReady();
      const cur = t.api.stored<DaemonSet>(DAEMONSETS, 'default', 'agent') as DaemonSet;
      const template = structuredClone(cur.spec?.template) as coreV1.PodTemplateSpecJson;
      (template.spec?.containers ?? [])[0]!.image = 'agent:2';
      await t.api.update(DAEMONSETS, 'default', { ...cur, spec: { ...cur.spec, template } });
      await t.step();
      await t.step();
      assert.equal(t.live()[0]?.spec?.containers?.[0]?.image, 'agent:1');
      assert.equal(t.status()?.updatedNumberScheduled, 0);
    } finally {
      t.stop();
    }
  });
});
