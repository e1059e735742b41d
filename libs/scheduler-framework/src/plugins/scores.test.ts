// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type NodeScore } from '../interface';
import { makeNode, makePod } from '../testing/builders';
import { NodeResourcesBalancedAllocation } from './balanced-allocation';
import { ImageLocality } from './image-locality';
import { NodeResourcesLeastAllocated } from './least-allocated';
import { SelectorSpread } from './selector-spread';
import { cacheWith, nodeInfo } from './test-helpers';

describe('NodeResourcesBalancedAllocation', () => {
  test('balanced usage scores higher than lopsided', () => {
    const pl = new NodeResourcesBalancedAllocation();
    const pod = makePod('p').req({ cpu: '1', memory: '2Gi' }).obj();
    const balanced = nodeInfo(makeNode('a').obj()); // 1/4 cpu, 2/8 mem → equal fractions
    const lopsided = nodeInfo(makeNode('b').obj(), makePod('x').req({ cpu: '3', memory: '100Mi' }).node('b').obj());
    const st = new CycleState();
    pl.preScore(st, pod);
    assert.equal(pl.score(st, pod, balanced), 100);
    assert.ok(pl.score(st, pod, lopsided) < 70);
  });
});

describe('NodeResourcesLeastAllocated', () => {
  test('requests without values count as 100m/200Mi', () => {
    const pl = new NodeResourcesLeastAllocated();
    const st = new CycleState();
    const pod = makePod('p').req({}).obj();
    pl.preScore(st, pod);
    const small = nodeInfo(makeNode('a').capacity({ cpu: '1', memory: '1Gi', pods: '10' }).obj());
    // cpu (1000-100)/1000 → 90; memory (1024-200)/1024 → 80
    assert.equal(pl.score(st, pod, small), 85);
  });
});

describe('SelectorSpread', () => {
  const rsPod = (name: string) => makePod(name).owner('ReplicaSet', 'web');
  test('nodes with fewer pods of the same ReplicaSet score higher', () => {
    const a = nodeInfo(makeNode('a').obj(), rsPod('w1').node('a').obj(), rsPod('w2').node('a').obj());
    const b = nodeInfo(makeNode('b').obj(), rsPod('w3').node('b').obj());
    const c = nodeInfo(makeNode('c').obj(), makePod('other').node('c').obj());
    const pl = new SelectorSpread({ cache: cacheWith() });
    const st = new CycleState();
    const pod = rsPod('w4').obj();
    assert.equal(pl.preScore(st, pod), undefined);
    const scores: NodeScore[] = [a, b, c].map((n) => ({ name: n.name, score: pl.score(st, pod, n) }));
    assert.deepEqual(scores.map((s) => s.score), [2, 1, 0]);
    pl.normalizeScore(st, pod, scores);
    assert.deepEqual(scores.map((s) => s.score), [0, 50, 100]);
  });
  test('pods selected by a Service spread too', () => {
    const svc = { metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'api' } } };
    const pl = new SelectorSpread({ cache: cacheWith(), listServices: () => [svc] });
    const st = new CycleState();
    const pod = makePod('n').labels({ app: 'api' }).obj();
    assert.equal(pl.preScore(st, pod), undefined);
    const a = nodeInfo(makeNode('a').obj(), makePod('x').labels({ app: 'api' }).node('a').obj());
    assert.equal(pl.score(st, pod, a), 1);
  });
  test('a pod with no controller and no service is skipped', () => {
    assert.equal(new SelectorSpread({ cache: cacheWith() }).preScore(new CycleState(), makePod('x').obj())?.code, 'Skip');
  });
});

describe('ImageLocality', () => {
  test('nodes with the image score by size times spread', () => {
    const MB = 1024 * 1024;
    const a = makeNode('a').image(['nginx:latest'], 500 * MB).obj();
    const b = makeNode('b').obj();
    const cache = cacheWith(a, b);
    const pl = new ImageLocality({ cache });
    const pod = makePod('p').req({}, 'nginx').obj();
    // 500 MB × 1/2 nodes = 250 MB → (250-23)/(1000-23)·100 = 23
    assert.equal(pl.score(new CycleState(), pod, cache.getNodeInfo('a')!), 23);
    assert.equal(pl.score(new CycleState(), pod, cache.getNodeInfo('b')!), 0);
  });
  test('a pod whose images no node has skips scoring (every score would be 0)', () => {
    const cache = cacheWith(makeNode('a').image(['nginx:latest'], 500).obj(), makeNode('b').obj());
    const pl = new ImageLocality({ cache });
    assert.equal(pl.preScore(new CycleState(), makePod('p').req({}, 'redis').obj())?.code, 'Skip');
    assert.equal(pl.preScore(new CycleState(), makePod('p').req({}, 'nginx').obj()), undefined);
  });
});
