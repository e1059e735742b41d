// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@berth/api';
import { FakeApi } from '@berth/client/testing';
import { Scheduler } from './scheduler';
import { makeNode, makePod } from './testing/builders';
import { NODES, PODS, type Node, type Pod } from './types';

class Recorder {
  lines: string[] = [];
  event(obj: KubeObject, type: string, reason: string, message: string): void {
    this.lines.push(`${obj.metadata?.name} ${type} ${reason} ${message}`);
  }
}

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function start(api: FakeApi) {
  const recorder = new Recorder();
  const results: string[] = [];
  const s = new Scheduler({ client: api, recorder, observer: { attempt: (r) => results.push(r) } });
  const ac = new AbortController();
  const done = s.run(ac.signal);
  const nodeOf = async (name: string) => (await api.get<Pod>(PODS, 'default', name)).spec?.nodeName;
  return {
    s,
    recorder,
    results,
    nodeOf,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

describe('Scheduler (FakeApi)', () => {
  test('binds a pod via pods/binding and records Scheduled', async () => {
    const api = new FakeApi();
    api.seed(NODES, makeNode('node-1').obj());
    api.seed(PODS, makePod('db').req({ memory: '1Gi' }).obj());
    const t = await start(api);
    try {
      await until('bound', async () => (await t.nodeOf('db')) === 'node-1');
      const bind = api.writeActions().find((a) => a.subresource === 'binding');
      assert.equal(bind?.verb, 'create');
      assert.ok(t.recorder.lines.includes('db Normal Scheduled Successfully assigned default/db to node-1'));
      await until('confirmed', () => t.s.cache.stats().assumed === 0 && t.s.cache.stats().pods === 1);
    } finally {
      await t.stop();
    }
  });

  test('a pod too big stays pending with FailedScheduling and PodScheduled=False; a new node makes it fit', async () => {
    const api = new FakeApi();
    api.seed(NODES, makeNode('node-1').capacity({ cpu: '2', memory: '2Gi', pods: '110' }).obj(), makeNode('node-2').capacity({ cpu: '2', memory: '2Gi', pods: '110' }).obj());
    api.seed(PODS, makePod('go-demo-2-db').req({ memory: '8Gi' }).obj());
    const t = await start(api);
    try {
      const msg = '0/2 nodes are available: 2 Insufficient memory.';
      await until('condition', async () => {
        const p = await api.get<Pod>(PODS, 'default', 'go-demo-2-db');
        const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.status === 'False' && c.reason === 'Unschedulable' && c.message === msg;
      });
      assert.ok(t.recorder.lines.includes(`go-demo-2-db Warning FailedScheduling ${msg}`));
      assert.deepEqual(t.s.queue.lengths(), { active: 0, backoff: 0, unschedulable: 1 });
      const statusWrites = () => api.writeActions().filter((a) => a.subresource === 'status').length;
      assert.equal(statusWrites(), 1);

      await api.create<Node>(NODES, '', makeNode('big').capacity({ cpu: '8', memory: '16Gi', pods: '110' }).obj());
      await until('bound to the new node', async () => (await t.nodeOf('go-demo-2-db')) === 'big', 4000);
      assert.equal(statusWrites(), 1, 'the condition is written only when it changes');
    } finally {
      await t.stop();
    }
  });

  test('cordoned nodes get nothing; other schedulers\' pods and bound pods are left alone', async () => {
    const api = new FakeApi();
    api.seed(NODES, makeNode('cordoned').unschedulable().obj(), makeNode('open').obj());
    api.seed(PODS, ...['a', 'b', 'c', 'd'].map((n) => makePod(n).obj()), makePod('mine').schedulerName('other').obj());
    const t = await start(api);
    try {
      await until('all four bound', async () => (await Promise.all(['a', 'b', 'c', 'd'].map(t.nodeOf))).every((n) => n === 'open'));
      assert.equal(await t.nodeOf('mine'), undefined);
    } finally {
      await t.stop();
    }
  });

  test('a failed binding forgets the pod and retries it', async () => {
    const api = new FakeApi();
    api.seed(NODES, makeNode('n').obj());
    api.seed(PODS, makePod('p').obj());
    let fail = true;
    api.prependReactor('create', 'pods', (a) => {
      if (a.subresource === 'binding' && fail) {
        fail = false;
        throw new Error('etcd went away');
      }
      return undefined;
    });
    const t = await start(api);
    try {
      await until('bound after retry', async () => (await t.nodeOf('p')) === 'n', 4000);
      assert.ok(t.results.includes('error'));
      assert.ok(t.recorder.lines.some((l) => l.startsWith('p Warning FailedScheduling binding rejected: etcd went away')));
    } finally {
      await t.stop();
    }
  });

  test('deleting a bound pod frees room for a pending one', async () => {
    const api = new FakeApi();
    api.seed(NODES, makeNode('n').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj());
    api.seed(PODS, makePod('old').req({ memory: '800Mi' }).node('n').obj(), makePod('new').req({ memory: '800Mi' }).obj());
    const t = await start(api);
    try {
      await until('unschedulable', () => t.s.queue.lengths().unschedulable === 1);
      await api.delete(PODS, 'default', 'old');
      await until('bound', async () => (await t.nodeOf('new')) === 'n', 4000);
    } finally {
      await t.stop();
    }
  });
});

describe('Scheduler event handling', () => {
  test('a finished (Succeeded) pod frees its node for a pending one', async () => {
    const api = new FakeApi();
    api.seed(NODES, makeNode('n').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj());
    const done = makePod('job').req({ memory: '800Mi' }).node('n').obj();
    api.seed(PODS, done, makePod('next').req({ memory: '800Mi' }).obj());
    const t = await start(api);
    try {
      await until('next unschedulable', () => t.s.queue.lengths().unschedulable === 1);
      const cur = await api.get<Pod>(PODS, 'default', 'job');
      await api.update(PODS, 'default', { ...cur, status: { phase: 'Succeeded' } }, { subresource: 'status' });
      await until('next bound', async () => (await t.nodeOf('next')) === 'n', 4000);
    } finally {
      await t.stop();
    }
  });
});

describe('nodeChangeEvents', () => {
  test('names what changed', async () => {
    const { nodeChangeEvents } = await import('./scheduler');
    const a = makeNode('n').obj();
    assert.deepEqual(nodeChangeEvents(a, makeNode('n').obj()), []);
    assert.deepEqual(nodeChangeEvents(a, makeNode('n').unschedulable().obj()), ['NodeUnschedulableChange']);
    assert.deepEqual(nodeChangeEvents(a, makeNode('n').capacity({ cpu: '8', memory: '8Gi', pods: '110' }).obj()), ['NodeAllocatableChange']);
    assert.deepEqual(nodeChangeEvents(a, makeNode('n').labels({ zone: 'a' }).taint('k', 'v', 'NoSchedule').obj()), ['NodeLabelChange', 'NodeTaintChange']);
  });
});
