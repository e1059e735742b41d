// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type NodeScore } from '../interface';
import { makeNode, makePod } from '../testing/builders';
import { NodeAffinity } from './node-affinity';
import { nodeInfo, runFilter } from './test-helpers';

const NO = "UnschedulableAndUnresolvable:node(s) didn't match Pod's node affinity/selector";

describe('NodeAffinity filter', () => {
  const node = makeNode('node-1').labels({ zone: 'a', disk: 'ssd', cores: '8' }).obj();
  const req = (key: string, operator: string, values?: string[]) => ({
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }] },
  });
  const cases: Array<[string, ReturnType<typeof makePod>, string]> = [
    ['no selector', makePod('p'), ''],
    ['nodeSelector matches', makePod('p').nodeSelector({ zone: 'a' }), ''],
    ['nodeSelector differs', makePod('p').nodeSelector({ zone: 'b' }), NO],
    ['nodeSelector label missing', makePod('p').nodeSelector({ gpu: 'true' }), NO],
    ['In matches', makePod('p').affinity(req('zone', 'In', ['a', 'b'])), ''],
    ['In does not match', makePod('p').affinity(req('zone', 'In', ['c'])), NO],
    ['NotIn matches', makePod('p').affinity(req('zone', 'NotIn', ['c'])), ''],
    ['NotIn on a missing label matches', makePod('p').affinity(req('gpu', 'NotIn', ['x'])), ''],
    ['NotIn does not match', makePod('p').affinity(req('zone', 'NotIn', ['a'])), NO],
    ['Exists', makePod('p').affinity(req('disk', 'Exists')), ''],
    ['Exists missing', makePod('p').affinity(req('gpu', 'Exists')), NO],
    ['DoesNotExist', makePod('p').affinity(req('gpu', 'DoesNotExist')), ''],
    ['DoesNotExist present', makePod('p').affinity(req('disk', 'DoesNotExist')), NO],
    ['Gt', makePod('p').affinity(req('cores', 'Gt', ['4'])), ''],
    ['Gt fails', makePod('p').affinity(req('cores', 'Gt', ['8'])), NO],
    ['Lt', makePod('p').affinity(req('cores', 'Lt', ['16'])), ''],
    ['Lt on a non-integer label', makePod('p').affinity(req('zone', 'Lt', ['16'])), NO],
    [
      'terms are ORed',
      makePod('p').affinity({
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }],
        },
      }),
      '',
    ],
    ['an empty term matches nothing', makePod('p').affinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } }), NO],
    [
      'matchFields metadata.name',
      makePod('p').affinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }] } }),
      '',
    ],
    [
      'matchFields other name',
      makePod('p').affinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }] } }),
      NO,
    ],
  ];
  for (const [name, pod, want] of cases) test(name, () => assert.equal(runFilter(new NodeAffinity(), pod.obj(), nodeInfo(node)), want));
});

describe('NodeAffinity prefilter', () => {
  const pre = (pod: ReturnType<typeof makePod>) => new NodeAffinity().preFilter(new CycleState(), pod.obj())?.code;
  test('a pod with neither nodeSelector nor required affinity skips the filter', () => {
    assert.equal(pre(makePod('p')), 'Skip');
    assert.equal(pre(makePod('p').nodeSelector({})), 'Skip');
    assert.equal(pre(makePod('p').affinity({ preferredDuringSchedulingIgnoredDuringExecution: [] })), 'Skip');
  });
  test('a nodeSelector or a required term is filtered', () => {
    assert.equal(pre(makePod('p').nodeSelector({ zone: 'a' })), undefined);
    assert.equal(pre(makePod('p').affinity({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } })), undefined);
  });
});

describe('NodeAffinity score', () => {
  test('preferred terms add their weights, normalized to 100', () => {
    const pl = new NodeAffinity();
    const pod = makePod('p')
      .affinity({
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
        ],
      })
      .obj();
    const nodes = [makeNode('a').labels({ zone: 'a', disk: 'ssd' }), makeNode('b').labels({ disk: 'ssd' }), makeNode('c')].map((b) => nodeInfo(b.obj()));
    const st = new CycleState();
    assert.equal(pl.preScore(st, pod), undefined);
    const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: pl.score(st, pod, n) }));
    assert.deepEqual(scores.map((s) => s.score), [40, 30, 0]);
    pl.normalizeScore(st, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [100, 75, 0]);
  });
  test('pods without preferences skip scoring', () => {
    assert.equal(new NodeAffinity().preScore(new CycleState(), makePod('p').obj())?.code, 'Skip');
  });
});
