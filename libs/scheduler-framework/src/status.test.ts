// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage, Status } from './status';

describe('fitErrorMessage (kube-scheduler FitError wording)', () => {
  const statuses = (...s: Array<[string, string[]]>) => new Map(s.map(([n, r]) => [n, new Status('Unschedulable', ...r)]));
  test('counts per reason, sorted', () => {
    const m = statuses(['n1', ['Insufficient memory']], ['n2', ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']]);
    assert.equal(
      fitErrorMessage(2, { nodeToStatus: m }),
      '0/2 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
    );
  });
  test('the same reason on two nodes', () => {
    assert.equal(fitErrorMessage(2, { nodeToStatus: statuses(['a', ['Insufficient memory']], ['b', ['Insufficient memory']]) }), '0/2 nodes are available: 2 Insufficient memory.');
  });
  test('several reasons on one node count separately; sorted as strings', () => {
    const m = statuses(['a', ['Insufficient cpu', 'Insufficient memory']], ['b', ['Insufficient memory']], ['c', ['Insufficient memory']]);
    assert.equal(fitErrorMessage(3, { nodeToStatus: m }), '0/3 nodes are available: 1 Insufficient cpu, 3 Insufficient memory.');
  });
  test('with a preemption (PostFilter) message, as kube-scheduler prints it', () => {
    const m = statuses(['n1', ['Insufficient memory']], ['n2', ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']]);
    assert.equal(
      fitErrorMessage(2, { nodeToStatus: m, postFilterMsg: 'preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.' }),
      '0/2 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..',
    );
  });
  test('a PreFilter rejection replaces the histogram', () => {
    assert.equal(
      fitErrorMessage(3, { nodeToStatus: statuses(['a', ['x']]), preFilterMsg: 'pod has unbound immediate PersistentVolumeClaims' }),
      '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
    );
  });
  test('no nodes', () => assert.equal(fitErrorMessage(0, { nodeToStatus: new Map() }), '0/0 nodes are available:'));
});
