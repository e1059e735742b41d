// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type NodeScore } from '../interface';
import { makeNode, makePod } from '../testing/builders';
import { TaintToleration } from './taint-toleration';
import { nodeInfo, runFilter } from './test-helpers';

describe('TaintToleration filter', () => {
  const cp = makeNode('cp').taint('node-role.kubernetes.io/control-plane', '', 'NoSchedule').obj();
  const ded = makeNode('d').taint('dedicated', 'db', 'NoExecute').obj();
  const soft = makeNode('s').taint('spot', 'true', 'PreferNoSchedule').obj();
  const cases: Array<[string, ReturnType<typeof makePod>, typeof cp, string]> = [
    ['untainted node', makePod('p'), makeNode('n').obj(), ''],
    ['control-plane taint', makePod('p'), cp, 'UnschedulableAndUnresolvable:node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
    ['tolerated with Exists', makePod('p').toleration({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }), cp, ''],
    ['empty key with Exists tolerates everything', makePod('p').toleration({ operator: 'Exists' }), ded, ''],
    ['NoExecute needs a toleration', makePod('p'), ded, 'UnschedulableAndUnresolvable:node(s) had untolerated taint {dedicated: db}'],
    ['Equal with the right value', makePod('p').toleration({ key: 'dedicated', value: 'db', effect: 'NoExecute' }), ded, ''],
    ['Equal with another value', makePod('p').toleration({ key: 'dedicated', value: 'web', effect: 'NoExecute' }), ded, 'UnschedulableAndUnresolvable:node(s) had untolerated taint {dedicated: db}'],
    ['wrong effect', makePod('p').toleration({ key: 'dedicated', value: 'db', effect: 'NoSchedule' }), ded, 'UnschedulableAndUnresolvable:node(s) had untolerated taint {dedicated: db}'],
    ['PreferNoSchedule does not filter', makePod('p'), soft, ''],
  ];
  for (const [name, pod, node, want] of cases) test(name, () => assert.equal(runFilter(new TaintToleration(), pod.obj(), nodeInfo(node)), want));
});

describe('TaintToleration score', () => {
  test('fewer intolerable PreferNoSchedule taints score higher', () => {
    const pl = new TaintToleration();
    const pod = makePod('p').obj();
    const nodes = [makeNode('a'), makeNode('b').taint('spot', 'true', 'PreferNoSchedule'), makeNode('c').taint('spot', 'true', 'PreferNoSchedule').taint('old', '', 'PreferNoSchedule')].map((b) => nodeInfo(b.obj()));
    const st = new CycleState();
    const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: pl.score(st, pod, n) }));
    pl.normalizeScore(st, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [100, 50, 0]);
    const tolerant = makePod('t').toleration({ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }).obj();
    assert.equal(pl.score(st, tolerant, nodes[1]!), 0);
    assert.equal(pl.preScore(new CycleState(), pod, nodes), undefined, 'scored: some node has a PreferNoSchedule taint');
  });
  test('no PreferNoSchedule taint on any node (NoSchedule ones do not count): scoring is skipped', () => {
    const nodes = [makeNode('a'), makeNode('b').taint('gpu', 'true', 'NoSchedule')].map((b) => nodeInfo(b.obj()));
    assert.equal(new TaintToleration().preScore(new CycleState(), makePod('p').obj(), nodes)?.code, 'Skip');
  });
});
