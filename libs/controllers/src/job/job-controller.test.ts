// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { batchV1, coreV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { backoffDelay, CONTROLLER_UID_LABEL, JobController, JOBS, PODS, type Job } from './job-controller';

type Pod = coreV1.PodJson;
const T0 = Date.parse('2024-01-01T00:00:00Z');

function job(name: string, spec: batchV1.JobSpecJson = {}, status?: batchV1.JobStatusJson): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      selector: { matchLabels: { [CONTROLLER_UID_LABEL]: `uid-${name}` } },
      template: { metadata: { labels: { [CONTROLLER_UID_LABEL]: `uid-${name}` } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function pod(jobName: string, name: string, phase: string, extra: Partial<coreV1.PodStatusJson> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { [CONTROLLER_UID_LABEL]: `uid-${jobName}` },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: `uid-${jobName}`, controller: true }],
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase, ...extra },
  };
}

async function setup(jobs: Job[], pods: Pod[] = []) {
  const api = new FakeApi();
  let now = T0;
  api.seed(JOBS, ...jobs);
  api.seed(PODS, ...pods);
  const events: Array<{ obj: KubeObject; type: string; reason: string; message: string }> = [];
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
    eventf: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
  };
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new JobController({ client: api, jobs: f.informerFor(JOBS), pods: f.informerFor(PODS), recorder, now: () => new Date(now) });
  f.start(ac.signal);
  await f.waitForSync();
  return {
    api,
    ctrl,
    events,
    advance: (s: number) => (now += s * 1000),
    settle: async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
    stop: () => {
      ac.abort();
      ctrl.queue.shutDown();
    },
    status: (name: string) => api.stored<Job>(JOBS, 'default', name)?.status ?? {},
    verbs: () => api.writeActions().map((a) => `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''}`),
  };
}

describe('JobController.sync', () => {
  const cases: Array<{
    name: string;
    job: Job;
    pods?: Pod[];
    advance?: number;
    wantVerbs: string[];
    want: Partial<batchV1.JobStatusJson>;
    wantCondition?: { type: string; reason?: string };
    wantEvent?: string;
  }> = [
    { name: 'creates parallelism pods', job: job('pi', { completions: 5, parallelism: 2 }), wantVerbs: ['create pods', 'create pods', 'update jobs/status'], want: { active: 2, succeeded: 0, failed: 0 }, wantEvent: 'SuccessfulCreate' },
    { name: 'never more than the completions left', job: job('pi', { completions: 3, parallelism: 5 }), pods: [pod('pi', 'pi-a', 'Succeeded'), pod('pi', 'pi-b', 'Succeeded')], wantVerbs: ['create pods', 'update jobs/status'], want: { active: 1, succeeded: 2 } },
    { name: 'complete when succeeded reaches completions', job: job('pi', { completions: 2, parallelism: 1 }), pods: [pod('pi', 'pi-a', 'Succeeded'), pod('pi', 'pi-b', 'Succeeded')], wantVerbs: ['update jobs/status'], want: { active: 0, succeeded: 2 }, wantCondition: { type: 'Complete' }, wantEvent: 'Completed' },
    { name: 'work queue job: done when one succeeded and none active; running ones deleted', job: job('q', { completions: undefined, parallelism: 2 }), pods: [pod('q', 'q-a', 'Succeeded')], wantVerbs: ['update jobs/status'], want: { succeeded: 1 }, wantCondition: { type: 'Complete' } },
    { name: 'backoff limit exceeded: Failed, active pods deleted', job: job('pi', { backoffLimit: 1, parallelism: 1, completions: 3 }), pods: [pod('pi', 'pi-a', 'Failed'), pod('pi', 'pi-b', 'Failed'), pod('pi', 'pi-c', 'Running')], wantVerbs: ['delete pods', 'update jobs/status'], want: { active: 0, failed: 2 }, wantCondition: { type: 'Failed', reason: 'BackoffLimitExceeded' }, wantEvent: 'BackoffLimitExceeded' },
    { name: 'a failure waits 10 s before the replacement', job: job('pi'), pods: [pod('pi', 'pi-a', 'Failed')], wantVerbs: ['update jobs/status'], want: { active: 0, failed: 1 } },
    { name: 'after the back-off the pod is replaced', job: job('pi'), pods: [pod('pi', 'pi-a', 'Failed', { containerStatuses: [{ name: 'c', state: { terminated: { finishedAt: '2024-01-01T00:00:00Z' } } }] })], advance: 11, wantVerbs: ['create pods', 'update jobs/status'], want: { active: 1, failed: 1 } },
    { name: 'OnFailure: container restarts count against the limit', job: job('pi', { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'b' }] } } }), pods: [pod('pi', 'pi-a', 'Running', { containerStatuses: [{ name: 'c', restartCount: 2 }] })], wantVerbs: ['delete pods', 'update jobs/status'], want: { active: 0 }, wantCondition: { type: 'Failed', reason: 'BackoffLimitExceeded' } },
    { name: 'active deadline exceeded', job: job('pi', { activeDeadlineSeconds: 10 }, { startTime: '2024-01-01T00:00:00Z', active: 1 }), pods: [pod('pi', 'pi-a', 'Running')], advance: 11, wantVerbs: ['delete pods', 'update jobs/status'], want: { active: 0 }, wantCondition: { type: 'Failed', reason: 'DeadlineExceeded' }, wantEvent: 'DeadlineExceeded' },
    { name: 'parallelism lowered: extra pods deleted', job: job('pi', { completions: 5, parallelism: 1 }, { startTime: '2024-01-01T00:00:00Z', active: 2 }), pods: [pod('pi', 'pi-a', 'Running'), pod('pi', 'pi-b', 'Pending')], wantVerbs: ['delete pods', 'update jobs/status'], want: { active: 1 } },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const t = await setup([c.job], c.pods);
      try {
        if (c.advance) t.advance(c.advance);
        await t.ctrl.sync('default/' + (c.job.metadata?.name ?? ''));
        assert.deepEqual(t.verbs(), c.wantVerbs);
        const st = t.status(c.job.metadata?.name ?? '');
        for (const [k, v] of Object.entries(c.want)) assert.deepEqual(st[k as keyof typeof st], v, k);
        if (c.wantCondition) {
          const cond = st.conditions?.find((x) => x.type === c.wantCondition?.type);
          assert.equal(cond?.status, 'True');
          if (c.wantCondition.reason) assert.equal(cond?.reason, c.wantCondition.reason);
          if (c.wantCondition.type === 'Complete') assert.ok(st.completionTime);
        }
        if (c.wantEvent) assert.ok(t.events.some((e) => e.reason === c.wantEvent), `event ${c.wantEvent}`);
      } finally {
        t.stop();
      }
    });
  }

  test('created pods are labelled and owned by the job', async () => {
    const t = await setup([job('pi')]);
    try {
      await t.ctrl.sync('default/pi');
      const created = t.api.writeActions().find((a) => a.verb === 'create')?.object as Pod;
      assert.equal(created.metadata?.generateName, 'pi-');
      assert.equal(created.metadata?.labels?.['batch.kubernetes.io/job-name'], 'pi');
      assert.equal(created.metadata?.labels?.['job-name'], 'pi');
      assert.equal(created.metadata?.labels?.[CONTROLLER_UID_LABEL], 'uid-pi');
      assert.equal(created.metadata?.ownerReferences?.[0]?.kind, 'Job');
      assert.equal(created.metadata?.ownerReferences?.[0]?.controller, true);
    } finally {
      t.stop();
    }
  });

  test('expectations: a second sync before the cache sees the pods creates nothing', async () => {
    const t = await setup([job('pi', { completions: 2, parallelism: 2 })]);
    try {
      await t.ctrl.sync('default/pi');
      // The stale cache also makes the status write conflict: that sync is retried later.
      await t.ctrl.sync('default/pi').catch(() => undefined);
      assert.equal(t.api.writeActions().filter((a) => a.verb === 'create').length, 2);
    } finally {
      t.stop();
    }
  });

  test('a finished job is left alone', async () => {
    const t = await setup([job('pi', {}, { conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 })]);
    try {
      await t.ctrl.sync('default/pi');
      assert.deepEqual(t.verbs(), []);
    } finally {
      t.stop();
    }
  });

  test('backoffDelay doubles from 10 s and stops at 6 min', () => {
    assert.deepEqual([1, 2, 3, 6, 7, 30].map(backoffDelay), [10_000, 20_000, 40_000, 320_000, 360_000, 360_000]);
  });
});
