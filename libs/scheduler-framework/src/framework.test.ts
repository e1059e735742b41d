// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cache } from './cache';
import { compileSchedulerConfig } from './config';
import { Framework } from './framework';
import { inTreeRegistry } from './registry';
import { FitError, Status } from './status';
import { makeNode, makePod } from './testing/builders';

function framework(cache: Cache, pct = 0): Framework {
  const reg = inTreeRegistry();
  return new Framework(compileSchedulerConfig({ percentageOfNodesToScore: pct }, Object.keys(reg)), reg, { cache }, () => 0.99);
}

describe('Framework', () => {
  test('the book\'s Insufficient memory plus a control-plane taint', () => {
    const cache = new Cache();
    cache.addNode(makeNode('worker').capacity({ cpu: '2', memory: '2Gi', pods: '110' }).obj());
    cache.addNode(makeNode('cp').taint('node-role.kubernetes.io/control-plane', '', 'NoSchedule').obj());
    const fw = framework(cache);
    const pod = makePod('go-demo-2-db').req({ memory: '8Gi', cpu: '500m' }).obj();
    assert.throws(
      () => fw.schedulePod(pod),
      (e: unknown) =>
        e instanceof FitError &&
        e.message === '0/2 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.' &&
        e.diagnosis.unschedulablePlugins.has('NodeResourcesFit') &&
        e.diagnosis.unschedulablePlugins.has('TaintToleration'),
    );
  });

  test('picks the least allocated node', () => {
    const cache = new Cache();
    cache.addNode(makeNode('a').obj());
    cache.addNode(makeNode('b').obj());
    cache.addPod(makePod('busy').req({ cpu: '3', memory: '6Gi' }).node('a').obj());
    assert.equal(framework(cache).schedulePod(makePod('p').req({ cpu: '500m', memory: '512Mi' }).obj()).nodeName, 'b');
  });

  test('assumed pods count: three replicas spread over two nodes', () => {
    const cache = new Cache();
    cache.addNode(makeNode('a').obj());
    cache.addNode(makeNode('b').obj());
    const fw = framework(cache);
    const placed: string[] = [];
    for (const n of ['r1', 'r2', 'r3']) {
      const pod = makePod(n).owner('ReplicaSet', 'web').req({ cpu: '100m', memory: '100Mi' }).obj();
      const { nodeName } = fw.schedulePod(pod);
      cache.assumePod(pod, nodeName);
      placed.push(nodeName);
    }
    assert.deepEqual([placed.filter((x) => x === 'a').length, placed.filter((x) => x === 'b').length].sort(), [1, 2]);
  });

  test('numFeasibleNodesToFind follows kube-scheduler (adaptive percentage, at least 100)', () => {
    const fw = framework(new Cache());
    assert.equal(fw.numFeasibleNodesToFind(50), 50);
    assert.equal(fw.numFeasibleNodesToFind(500), 230);
    assert.equal(fw.numFeasibleNodesToFind(5000), 500);
    assert.equal(fw.numFeasibleNodesToFind(200), 100);
    assert.equal(framework(new Cache(), 100).numFeasibleNodesToFind(5000), 5000);
  });

  test('equal totals are a tie, broken by the random draw (reservoir sampling)', () => {
    const cache = new Cache();
    for (const n of ['a', 'b', 'c']) cache.addNode(makeNode(n).obj());
    const pod = makePod('p').req({ cpu: '100m', memory: '100Mi' }).obj();
    const withRandom = (r: number): Framework => {
      const reg = inTreeRegistry();
      return new Framework(compileSchedulerConfig({}, Object.keys(reg)), reg, { cache }, () => r);
    };
    // Each later tie replaces the pick when random() × ties < 1.
    assert.equal(withRandom(0).schedulePod(pod).nodeName, 'c');
    assert.equal(withRandom(0.99).schedulePod(pod).nodeName, 'a');
    assert.equal(withRandom(0.4).schedulePod(pod).nodeName, 'b', '0.4 × 2 < 1 takes b, then 0.4 × 3 ≥ 1 keeps it');
  });

  test('a score outside 0..100 is an error naming the plugin and the node, with or without normalizing', () => {
    const cache = new Cache();
    for (const n of ['a', 'b']) cache.addNode(makeNode(n).obj());
    for (const normalize of [false, true]) {
      const plugin = {
        name: 'Broken',
        score: (_s: unknown, _p: unknown, info: { name: string }) => (info.name === 'b' ? 101 : 5),
        ...(normalize ? { normalizeScore: () => {} } : {}),
      };
      const reg = { ...inTreeRegistry(), Broken: () => plugin };
      const fw = new Framework(compileSchedulerConfig({ plugins: { enabled: [{ name: 'Broken' }] } }, Object.keys(reg)), reg, { cache }, () => 0.99);
      assert.throws(() => fw.schedulePod(makePod('p').obj()), /plugin "Broken" returns an invalid score 101 for node "b"/);
    }
  });

  test("a PreFilter's Skip keeps its Filter from running in that cycle, and only then", () => {
    const cache = new Cache();
    cache.addNode(makeNode('a').obj());
    let filtered = 0;
    const picky = {
      name: 'Picky',
      preFilter: (_s: unknown, pod: { metadata?: { name?: string } }) => (pod.metadata?.name === 'skip-me' ? new Status('Skip') : undefined),
      filter: () => {
        filtered++;
        return new Status('Unschedulable', 'picky says no');
      },
    };
    const reg = { ...inTreeRegistry(), Picky: () => picky };
    const fw = new Framework(compileSchedulerConfig({ plugins: { enabled: [{ name: 'Picky' }] } }, Object.keys(reg)), reg, { cache }, () => 0.99);
    assert.equal(fw.schedulePod(makePod('skip-me').obj()).nodeName, 'a');
    assert.equal(filtered, 0);
    assert.throws(() => fw.schedulePod(makePod('other').obj()), /0\/1 nodes are available: 1 picky says no\./);
    assert.equal(filtered, 1);
  });

  test('no nodes at all', () => {
    assert.throws(() => framework(new Cache()).schedulePod(makePod('p').obj()), /0\/0 nodes are available/);
  });
});
