// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../interface';
import { makeNode, makePod } from '../testing/builders';
import { NodePorts } from './node-ports';
import { nodeInfo, runFilter } from './test-helpers';

describe('NodePorts', () => {
  const TAKEN = "Unschedulable:node(s) didn't have free ports for the requested pod ports";
  const cases: Array<[string, ReturnType<typeof makePod>, ReturnType<typeof makePod>[], string]> = [
    ['no host ports', makePod('p'), [makePod('a').hostPort(80)], ''],
    ['free port', makePod('p').hostPort(8080), [makePod('a').hostPort(80)], ''],
    ['same port', makePod('p').hostPort(80), [makePod('a').hostPort(80)], TAKEN],
    ['same port, other protocol', makePod('p').hostPort(53, 'UDP'), [makePod('a').hostPort(53, 'TCP')], ''],
    ['specific IPs differ', makePod('p').hostPort(80, 'TCP', '10.0.0.1'), [makePod('a').hostPort(80, 'TCP', '10.0.0.2')], ''],
    ['0.0.0.0 conflicts with a specific IP', makePod('p').hostPort(80), [makePod('a').hostPort(80, 'TCP', '10.0.0.2')], TAKEN],
    ['a specific IP conflicts with 0.0.0.0', makePod('p').hostPort(80, 'TCP', '10.0.0.1'), [makePod('a').hostPort(80)], TAKEN],
  ];
  for (const [name, pod, existing, want] of cases) {
    test(name, () => assert.equal(runFilter(new NodePorts(), pod.obj(), nodeInfo(makeNode('n').obj(), ...existing.map((b) => b.node('n').obj()))), want));
  }
  test('a pod without host ports skips the filter; one with them does not', () => {
    assert.equal(new NodePorts().preFilter(new CycleState(), makePod('p').obj())?.code, 'Skip');
    assert.equal(new NodePorts().preFilter(new CycleState(), makePod('p').hostPort(80).obj()), undefined);
  });
});
