// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../interface';
import { makeNode, makePod } from '../testing/builders';
import { NodeResourcesFit } from './node-resources-fit';
import { nodeInfo, runFilter } from './test-helpers';

describe('NodeResourcesFit filter', () => {
  const node = makeNode('n1').capacity({ cpu: '2', memory: '4Gi', pods: '3', 'ephemeral-storage': '10Gi' }).obj();
  const cases: Array<{ name: string; pod: ReturnType<typeof makePod>; existing?: ReturnType<typeof makePod>[]; want: string }> = [
    { name: 'fits on an empty node', pod: makePod('p').req({ cpu: '1', memory: '1Gi' }), want: '' },
    { name: 'no requests always fit', pod: makePod('p').req({}), want: '' },
    { name: 'too much memory', pod: makePod('p').req({ memory: '5Gi' }), want: 'Unschedulable:Insufficient memory' },
    { name: 'too much cpu', pod: makePod('p').req({ cpu: '2500m' }), want: 'Unschedulable:Insufficient cpu' },
    { name: 'both cpu and memory', pod: makePod('p').req({ cpu: '3', memory: '5Gi' }), want: 'Unschedulable:Insufficient cpu, Insufficient memory' },
    {
      name: 'counts pods already on the node',
      pod: makePod('p').req({ cpu: '1' }),
      existing: [makePod('a').req({ cpu: '1500m' })],
      want: 'Unschedulable:Insufficient cpu',
    },
    { name: 'too many pods', pod: makePod('p').req({}), existing: [makePod('a'), makePod('b'), makePod('c')], want: 'Unschedulable:Too many pods' },
    { name: 'ephemeral storage', pod: makePod('p').req({ 'ephemeral-storage': '11Gi' }), want: 'Unschedulable:Insufficient ephemeral-storage' },
    { name: 'init container max rule: the largest init container counts', pod: makePod('p').req({ memory: '1Gi' }).initReq({ memory: '4500Mi' }), want: 'Unschedulable:Insufficient memory' },
    { name: 'init containers do not add up', pod: makePod('p').req({ memory: '1Gi' }).initReq({ memory: '3Gi' }).initReq({ memory: '3Gi' }), want: '' },
    { name: 'extended resource missing', pod: makePod('p').req({ 'example.com/gpu': '1' }), want: 'Unschedulable:Insufficient example.com/gpu' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const info = nodeInfo(node, ...(c.existing ?? []).map((b) => b.node('n1').obj()));
      assert.equal(runFilter(new NodeResourcesFit(), c.pod.obj(), info), c.want);
    });
  }
});

describe('NodeResourcesFit score (LeastAllocated)', () => {
  test('the emptier node scores higher', () => {
    const fit = new NodeResourcesFit();
    const pod = makePod('p').req({ cpu: '1', memory: '1Gi' }).obj();
    const empty = nodeInfo(makeNode('a').obj());
    const busy = nodeInfo(makeNode('b').obj(), makePod('x').req({ cpu: '2', memory: '4Gi' }).node('b').obj());
    assert.equal(fit.score(new CycleState(), pod, empty), 81); // cpu (4000-1100)/4000 → 72, memory (8-1.2)/8 → 90
    assert.ok(fit.score(new CycleState(), pod, empty) > fit.score(new CycleState(), pod, busy));
  });
  test('an unknown strategy is refused', () => {
    assert.throws(() => new NodeResourcesFit({ scoringStrategy: { type: 'Nope' as 'LeastAllocated' } }), /unsupported value "Nope"/);
  });
});
