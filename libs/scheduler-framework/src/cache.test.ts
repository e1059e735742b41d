// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cache } from './cache';
import { makeNode, makePod } from './testing/builders';

describe('Cache', () => {
  test('assume counts the pod at once; forget undoes it; the informer confirms', () => {
    const c = new Cache();
    c.addNode(makeNode('n1').obj());
    const pod = makePod('db').req({ memory: '1Gi' }).obj();
    c.assumePod(pod, 'n1');
    assert.equal(c.getNodeInfo('n1')!.requested.memory, 1024 ** 3);
    assert.ok(c.isAssumed(pod));
    c.forgetPod(pod);
    assert.equal(c.getNodeInfo('n1')!.requested.memory, 0);
    assert.equal(c.hasPod(pod), false);

    c.assumePod(pod, 'n1');
    c.addPod({ ...pod, spec: { ...pod.spec, nodeName: 'n1' } });
    assert.equal(c.isAssumed(pod), false);
    assert.equal(c.getNodeInfo('n1')!.pods.size, 1);
    assert.equal(c.getNodeInfo('n1')!.requested.memory, 1024 ** 3);
    c.removePod(pod);
    assert.equal(c.getNodeInfo('n1')!.pods.size, 0);
  });
  test('a pod bound elsewhere than assumed moves', () => {
    const c = new Cache();
    c.addNode(makeNode('n1').obj());
    c.addNode(makeNode('n2').obj());
    const pod = makePod('p').req({ cpu: '1' }).obj();
    c.assumePod(pod, 'n1');
    c.addPod({ ...pod, spec: { ...pod.spec, nodeName: 'n2' } });
    assert.equal(c.getNodeInfo('n1')!.requested.milliCPU, 0);
    assert.equal(c.getNodeInfo('n2')!.requested.milliCPU, 1000);
  });
  test('pods seen before their node are kept; removing a node hides it', () => {
    const c = new Cache();
    c.addPod(makePod('p').req({ cpu: '1' }).node('late').obj());
    assert.equal(c.nodeCount(), 0);
    c.addNode(makeNode('late').obj());
    assert.equal(c.getNodeInfo('late')!.requested.milliCPU, 1000);
    c.removeNode('late');
    assert.equal(c.nodeCount(), 0);
    assert.equal(c.getNodeInfo('late'), undefined);
  });
  test('image spread counts nodes per image', () => {
    const c = new Cache();
    c.addNode(makeNode('a').image(['nginx:1.25', 'nginx:latest'], 10).obj());
    c.addNode(makeNode('b').image(['nginx'], 10).obj());
    assert.equal(c.imageNodeCount('nginx'), 2);
    c.removeNode('a');
    assert.equal(c.imageNodeCount('nginx:latest'), 1);
  });
});
