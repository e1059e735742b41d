// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { batchV1, coreV1 } from '@berth/api-types';
import { InformerFactory, silentLogger } from '@berth/client';
import type { GrpcApiClient } from '@berth/grpc';
import { startControlPlane, type TestControlPlane, waitFor } from '@berth/testing';
import { jobController } from './index';
import { JOBS, PODS } from './job-controller';

describe('Job controller against a real apiserver', () => {
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

  test('a Job with completions 2 finishes when its pods succeed', async () => {
    const informers = new InformerFactory(client);
    const events: string[] = [];
    await jobController.start({ client, informers, recorder: () => ({ event: (_o, _t, reason) => void events.push(reason), eventf: () => {} }), logger: silentLogger, signal: ac.signal, options: {} });
    informers.start(ac.signal);
    await client.create(JOBS, 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default' },
      spec: { completions: 2, parallelism: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
    });
    for (let i = 0; i < 2; i++) {
      const pod = await waitFor(`pod ${i + 1}`, async () => {
        const pods = (await client.list<coreV1.PodJson>(PODS, { namespace: 'default', labelSelector: 'job-name=pi' })).items;
        return pods.find((p) => p.status?.phase !== 'Succeeded' && !p.metadata?.deletionTimestamp);
      });
      assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/job-name'], 'pi');
      await client.update(PODS, 'default', { ...pod, status: { ...pod.status, phase: 'Succeeded' } }, { subresource: 'status' });
    }
    const job = await waitFor('job Complete', async () => {
      const j = await client.get<batchV1.JobJson>(JOBS, 'default', 'pi');
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    assert.equal(job.status?.succeeded, 2);
    assert.equal(job.status?.active ?? 0, 0, "active is omitted when 0, as in Kubernetes");
    assert.ok(job.status?.completionTime);
    assert.ok(events.includes('SuccessfulCreate') && events.includes('Completed'));
  });
});
