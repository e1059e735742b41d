// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod } from '../testing/builders';
import { NodeName } from './node-name';
import { NodeUnschedulable } from './node-unschedulable';
import { nodeInfo, runFilter } from './test-helpers';

describe('NodeUnschedulable', () => {
  const cases: Array<[string, ReturnType<typeof makePod>, boolean, string]> = [
    ['schedulable node', makePod('p'), false, ''],
    ['cordoned node', makePod('p'), true, 'UnschedulableAndUnresolvable:node(s) were unschedulable'],
    ['cordoned node, pod tolerates the unschedulable taint', makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }), true, ''],
  ];
  for (const [name, pod, cordoned, want] of cases) {
    test(name, () => assert.equal(runFilter(new NodeUnschedulable(), pod.obj(), nodeInfo(makeNode('n').unschedulable(cordoned).obj())), want));
  }
});

describe('NodeName', () => {
  const cases: Array<[string, ReturnType<typeof makePod>, string]> = [
    ['no nodeName', makePod('p'), ''],
    ['same node', makePod('p').node('n'), ''],
    ['other node', makePod('p').node('m'), "UnschedulableAndUnresolvable:node(s) didn't match the requested node name"],
  ];
  for (const [name, pod, want] of cases) test(name, () => assert.equal(runFilter(new NodeName(), pod.obj(), nodeInfo(makeNode('n').obj())), want));
  test('a pod that names no node skips the filter', () => {
    assert.equal(new NodeName().preFilter(undefined, makePod('p').obj())?.code, 'Skip');
    assert.equal(new NodeName().preFilter(undefined, makePod('p').node('n').obj()), undefined);
  });
});
