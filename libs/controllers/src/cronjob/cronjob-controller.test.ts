// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { batchV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';
import { InformerFactory } from '@berth/client';
import { FakeApi } from '@berth/client/testing';
import { CronJobController, CRONJOBS, JOBS, SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob } from './cronjob-controller';

type Job = batchV1.JobJson;
const CREATED = '2024-01-01T00:00:00Z';
const T = (s: string): number => Date.parse(s);

function cronJob(spec: Partial<batchV1.CronJobSpecJson> = {}, status?: batchV1.CronJobStatusJson): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: CREATED },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { app: 'hello' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function job(name: string, finished?: 'Complete' | 'Failed', startTime = CREATED): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true }] },
    spec: {},
    status: { startTime, ...(finished ? { conditions: [{ type: finished, status: 'True' }], ...(finished === 'Complete' ? { completionTime: startTime } : {}) } : { active: 1 }) },
  };
}
const ref = (name: string) => ({ kind: 'Job', namespace: 'default', name, uid: `uid-${name}`, apiVersion: 'batch/v1' });

async function setup(cj: CronJob, jobs: Job[], now: string) {
  const api = new FakeApi();
  api.seed(CRONJOBS, cj);
  api.seed(JOBS, ...jobs);
  const events: Array<{ obj: KubeObject; type: string; reason: string; message: string }> = [];
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
    eventf: (obj: KubeObject, type: string, reason: string, message: string) => events.push({ obj, type, reason, message }),
  };
  const ac = new AbortController();
  const f = new InformerFactory(api);
  const ctrl = new CronJobController({ client: api, cronJobs: f.informerFor(CRONJOBS), jobs: f.informerFor(JOBS), recorder, now: () => new Date(now) });
  f.start(ac.signal);
  await f.waitForSync();
  return {
    api,
    ctrl,
    events,
    stop: () => {
      ac.abort();
      ctrl.queue.shutDown();
    },
    writes: () => api.writeActions().map((a) => `${a.verb} ${a.resource}${a.subresource ? '/' + a.subresource : ''}${a.name ? ' ' + a.name : ''}`),
    status: () => api.stored<CronJob>(CRONJOBS, 'default', 'hello')?.status ?? {},
  };
}

describe('CronJobController.sync', () => {
  const minute = (iso: string): number => Math.floor(T(iso) / 60_000);
  const cases: Array<{ name: string; cj: CronJob; jobs?: Job[]; now: string; want: string[]; events?: string[]; activeNames?: string[] }> = [
    { name: 'before the first schedule time: nothing', cj: cronJob(), now: '2024-01-01T00:00:30Z', want: [] },
    {
      name: 'at the schedule time: creates <name>-<minutes>',
      cj: cronJob(),
      now: '2024-01-01T00:01:05Z',
      want: [`create jobs hello-${minute('2024-01-01T00:01:00Z')}`, 'update cronjobs/status hello'],
      events: ['SuccessfulCreate'],
      activeNames: [`hello-${minute('2024-01-01T00:01:00Z')}`],
    },
    { name: 'suspended: nothing', cj: cronJob({ suspend: true }), now: '2024-01-01T00:05:00Z', want: [] },
    { name: 'already scheduled this time: nothing', cj: cronJob({}, { lastScheduleTime: '2024-01-01T00:01:00Z' }), now: '2024-01-01T00:01:30Z', want: [] },
    { name: 'too late for startingDeadlineSeconds: the time is skipped', cj: cronJob({ startingDeadlineSeconds: 10, schedule: '0 * * * *' }, { lastScheduleTime: '2024-01-01T00:00:00Z' }), now: '2024-01-01T01:00:30Z', want: [] },
    { name: 'within startingDeadlineSeconds: started late', cj: cronJob({ startingDeadlineSeconds: 60, schedule: '0 * * * *' }, { lastScheduleTime: '2024-01-01T00:00:00Z' }), now: '2024-01-01T01:00:30Z', want: [`create jobs hello-${minute('2024-01-01T01:00:00Z')}`, 'update cronjobs/status hello'] },
    {
      name: 'Forbid with a running job: skipped',
      cj: cronJob({ concurrencyPolicy: 'Forbid' }, { active: [ref('hello-1')], lastScheduleTime: '2024-01-01T00:01:00Z' }),
      jobs: [job('hello-1')],
      now: '2024-01-01T00:02:05Z',
      want: [],
      events: ['JobAlreadyActive'],
    },
    {
      name: 'Replace deletes the running job first',
      cj: cronJob({ concurrencyPolicy: 'Replace' }, { active: [ref('hello-1')], lastScheduleTime: '2024-01-01T00:01:00Z' }),
      jobs: [job('hello-1')],
      now: '2024-01-01T00:02:05Z',
      want: ['delete jobs hello-1', `create jobs hello-${minute('2024-01-01T00:02:00Z')}`, 'update cronjobs/status hello'],
      events: ['SuccessfulDelete', 'SuccessfulCreate'],
      activeNames: [`hello-${minute('2024-01-01T00:02:00Z')}`],
    },
    {
      name: 'Allow runs concurrently',
      cj: cronJob({}, { active: [ref('hello-1')], lastScheduleTime: '2024-01-01T00:01:00Z' }),
      jobs: [job('hello-1')],
      now: '2024-01-01T00:02:05Z',
      want: [`create jobs hello-${minute('2024-01-01T00:02:00Z')}`, 'update cronjobs/status hello'],
      activeNames: ['hello-1', `hello-${minute('2024-01-01T00:02:00Z')}`],
    },
    {
      name: 'a completed job leaves active; lastSuccessfulTime set',
      cj: cronJob({}, { active: [ref('hello-1')], lastScheduleTime: '2024-01-01T00:01:00Z' }),
      jobs: [job('hello-1', 'Complete', '2024-01-01T00:01:30Z')],
      now: '2024-01-01T00:01:40Z',
      want: ['update cronjobs/status hello'],
      events: ['SawCompletedJob'],
      activeNames: [],
    },
    {
      name: 'history limits: oldest finished jobs deleted',
      cj: cronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 }, { lastScheduleTime: '2024-01-01T00:03:00Z' }),
      jobs: [job('hello-1', 'Complete', '2024-01-01T00:01:00Z'), job('hello-2', 'Complete', '2024-01-01T00:02:00Z'), job('hello-3', 'Failed', '2024-01-01T00:03:00Z')],
      now: '2024-01-01T00:03:10Z',
      want: ['delete jobs hello-1', 'delete jobs hello-3', 'update cronjobs/status hello'],
      events: ['SuccessfulDelete'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const t = await setup(c.cj, c.jobs ?? [], c.now);
      try {
        await t.ctrl.sync('default/hello');
        assert.deepEqual(t.writes(), c.want);
        for (const e of c.events ?? []) assert.ok(t.events.some((x) => x.reason === e), `event ${e}: ${JSON.stringify(t.events.map((x) => x.reason))}`);
        if (c.activeNames) assert.deepEqual((t.status().active ?? []).map((r) => r.name), c.activeNames);
      } finally {
        t.stop();
      }
    });
  }

  test('the created job carries the template, the scheduled-time annotation and the owner', async () => {
    const t = await setup(cronJob(), [], '2024-01-01T00:01:05Z');
    try {
      await t.ctrl.sync('default/hello');
      const j = t.api.writeActions().find((a) => a.verb === 'create')?.object as Job;
      assert.equal(j.metadata?.labels?.['app'], 'hello');
      assert.equal(j.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION], '2024-01-01T00:01:00Z');
      assert.equal(j.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
      assert.equal(j.spec?.template?.spec?.restartPolicy, 'OnFailure');
      assert.equal(t.status().lastScheduleTime, '2024-01-01T00:01:00Z');
    } finally {
      t.stop();
    }
  });
});
