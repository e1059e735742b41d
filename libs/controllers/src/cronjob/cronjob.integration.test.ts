// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { batchV1 } from '@berth/api-types';
import { InformerFactory, silentLogger } from '@berth/client';
import type { GrpcApiClient } from '@berth/grpc';
import { startControlPlane, type TestControlPlane, waitFor } from '@berth/testing';
import { cronJobController } from './index';
import { CRONJOBS, JOBS } from './cronjob-controller';

describe('CronJob controller against a real apiserver', () => {
  let cp: TestControlPlane;
  let client: GrpcApiClient;
  const ac = new AbortController();
  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
  });
  after(async () => {
    ac.abort();
    client?.close();
    await cp?.stop();
  });

  test('at the schedule time a Job <name>-<minutes> is created and listed as active', async () => {
    const cj = await client.create<batchV1.CronJobJson>(CRONJOBS, 'default', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'hello', namespace: 'default' },
      spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox' }] } } } } },
    });
    // The controller's clock runs 61 s ahead, so the first minute after creation has come.
    const skew = 61_000;
    const informers = new InformerFactory(client);
    const events: string[] = [];
    await cronJobController.start({
      client,
      informers,
      recorder: () => ({ event: (_o, _t, reason) => void events.push(reason), eventf: () => {} }),
      logger: silentLogger,
      signal: ac.signal,
      options: {},
      now: () => new Date(Date.now() + skew),
    });
    informers.start(ac.signal);
    const created = Date.parse(cj.metadata?.creationTimestamp ?? '');
    const firstAfterCreation = Math.floor(created / 60_000) * 60_000 + 60_000;
    const job = await waitFor('the job', async () => (await client.list<batchV1.JobJson>(JOBS, { namespace: 'default' })).items.find((j) => /^hello-\d+$/.test(j.metadata?.name ?? '')));
    assert.equal(job.metadata?.ownerReferences?.[0]?.kind, 'CronJob');
    // The first schedule after creation, or (a slow first sync past the next minute, as
    // Kubernetes does) the latest one missed by then; never one before creation or to come.
    const want = job.metadata?.name ?? '';
    const scheduled = Number(want.slice('hello-'.length)) * 60_000;
    assert.ok(scheduled >= firstAfterCreation && scheduled <= Date.now() + skew, `${want}: created ${new Date(created).toISOString()}`);
    const status = await waitFor('status.active', async () => {
      const s = (await client.get<batchV1.CronJobJson>(CRONJOBS, 'default', 'hello')).status;
      return s?.active?.length ? s : undefined;
    });
    assert.equal(status.active?.[0]?.name, want);
    assert.equal(Date.parse(status.lastScheduleTime ?? ''), scheduled);
    assert.ok(events.includes('SuccessfulCreate'));
  });
});
