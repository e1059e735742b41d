// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue, type QueuedPodInfo } from './scheduling-queue';
import { makePod } from './testing/builders';
import type { ClusterEvent } from './interface';

function setup() {
  let now = 1_000_000;
  const interest: Partial<Record<ClusterEvent, Set<string>>> = { NodeAdd: new Set(['NodeResourcesFit', 'TaintToleration']), AssignedPodDelete: new Set(['NodeResourcesFit']) };
  const q = new SchedulingQueue({ now: () => now, pluginsForEvent: (ev) => interest[ev] ?? new Set() });
  return { q, tick: (ms: number) => (now += ms) };
}
const names = (pods: Array<{ metadata?: { name?: string } }>) => pods.map((p) => p.metadata?.name).sort();
async function popName(q: SchedulingQueue): Promise<string | undefined> {
  return (await q.pop())?.pod.metadata?.name;
}
function reject(q: SchedulingQueue, info: QueuedPodInfo, ...plugins: string[]): void {
  info.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(info, q.currentCycle());
}

describe('SchedulingQueue', () => {
  test('activeQ: higher priority first, then older', async () => {
    const { q, tick } = setup();
    q.add(makePod('low').obj());
    tick(1);
    q.add(makePod('high').priority(100).obj());
    tick(1);
    q.add(makePod('low2').obj());
    assert.deepEqual([await popName(q), await popName(q), await popName(q)], ['high', 'low', 'low2']);
  });

  test('pop waits for a pod', async () => {
    const { q } = setup();
    const p = q.pop();
    setTimeout(() => q.add(makePod('later').obj()), 5);
    assert.equal((await p)?.pod.metadata?.name, 'later');
  });

  test('unschedulable pods move only on events their plugins registered for', async () => {
    const { q, tick } = setup();
    q.add(makePod('mem').obj());
    q.add(makePod('sel').obj());
    const mem = (await q.pop())!;
    const sel = (await q.pop())!;
    reject(q, mem, 'NodeResourcesFit');
    reject(q, sel, 'NodeAffinity');
    assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 2 });
    tick(5000);
    assert.equal(q.moveAllToActiveOrBackoff('AssignedPodDelete'), 1);
    assert.deepEqual(names(q.pendingPods().active), ['mem']);
    assert.deepEqual(names(q.pendingPods().unschedulable), ['sel']);
  });

  test('a pod moved while still backing off waits in backoffQ, then the flush activates it', async () => {
    const { q, tick } = setup();
    q.add(makePod('p').obj());
    const info = (await q.pop())!;
    reject(q, info, 'NodeResourcesFit');
    tick(100);
    q.moveAllToActiveOrBackoff('NodeAdd');
    assert.deepEqual(q.lengths(), { active: 0, backoff: 1, unschedulable: 0 });
    q.flushBackoffCompleted();
    assert.equal(q.lengths().backoff, 1);
    tick(1000);
    q.flushBackoffCompleted();
    assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
  });

  test('backoff doubles per attempt from 1 s and stops at 10 s', () => {
    const { q } = setup();
    const info = { attempts: 0 } as QueuedPodInfo;
    const got = [1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration({ ...info, attempts: a }));
    assert.deepEqual(got, [1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  test('an event during the pod\'s cycle sends it to backoffQ instead of unschedulable', async () => {
    const { q } = setup();
    q.add(makePod('p').obj());
    const info = (await q.pop())!;
    const cycle = q.currentCycle();
    q.moveAllToActiveOrBackoff('NodeAdd');
    info.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(info, cycle);
    assert.deepEqual(q.lengths(), { active: 0, backoff: 1, unschedulable: 0 });
  });

  test('pods unschedulable longer than 60 s are flushed back', async () => {
    const { q, tick } = setup();
    q.add(makePod('p').obj());
    reject(q, (await q.pop())!, 'NodeAffinity');
    tick(30_000);
    q.flushUnschedulableLeftover();
    assert.equal(q.lengths().unschedulable, 1);
    tick(31_000);
    q.flushUnschedulableLeftover();
    assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
  });

  test('a status-only update leaves an unschedulable pod alone; a spec change requeues it', async () => {
    const { q, tick } = setup();
    const pod = makePod('p').obj();
    q.add(pod);
    reject(q, (await q.pop())!, 'NodeAffinity');
    const statusOnly = { ...pod, metadata: { ...pod.metadata, resourceVersion: '9' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    q.update(pod, statusOnly);
    assert.equal(q.lengths().unschedulable, 1);
    tick(20_000);
    q.update(statusOnly, { ...statusOnly, spec: { ...statusOnly.spec, nodeSelector: { a: 'b' } } });
    assert.deepEqual(q.lengths(), { active: 1, backoff: 0, unschedulable: 0 });
  });

  test('delete removes from any sub-queue; close wakes pop', async () => {
    const { q } = setup();
    const pod = makePod('p').obj();
    q.add(pod);
    q.delete(pod);
    assert.deepEqual(q.lengths(), { active: 0, backoff: 0, unschedulable: 0 });
    const p = q.pop();
    q.close();
    assert.equal(await p, undefined);
  });
});
