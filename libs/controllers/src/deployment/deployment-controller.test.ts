// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { computePodTemplateHash } from '../shared/pod-template-hash';
import { DEPLOYMENTS, PODS, REPLICASETS } from '../shared/resources';
import { ControllerFixture } from '../shared/test-fixture';
import { DeploymentController } from './deployment-controller';
import type { Deployment, ReplicaSet } from './deployment-util';

function deployment(name: string, replicas: number, image: string, spec: Partial<NonNullable<Deployment['spec']>> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { type: 'api', service: name } },
      template: { metadata: { labels: { type: 'api', service: name } }, spec: { containers: [{ name: 'api', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

let f: ControllerFixture;
let c: DeploymentController;
// Shutting the queue down clears delayed adds (progress-deadline requeues), so the test process can exit.
afterEach(() => {
  c.queue.shutDown();
  f.stop();
});

async function setup(...ds: Deployment[]): Promise<void> {
  f = new ControllerFixture();
  for (const d of ds) f.api.seed(DEPLOYMENTS, d);
  c = new DeploymentController({
    client: f.api,
    deployments: f.informer(DEPLOYMENTS),
    replicaSets: f.informer(REPLICASETS),
    pods: f.informer(PODS),
    recorder: f.recorder,
    now: () => f.clock,
  });
  await f.start();
}

/** Plays the ReplicaSet controller and kubelet: every RS runs spec.replicas available pods. */
async function runReplicaSets(available = true): Promise<void> {
  for (const rs of f.api.storedAll<ReplicaSet>(REPLICASETS)) {
    const n = rs.spec?.replicas ?? 0;
    await f.api.update(REPLICASETS, 'default', { ...rs, status: { replicas: n, readyReplicas: available ? n : 0, availableReplicas: available ? n : 0, observedGeneration: rs.metadata?.generation ?? 1 } }, { subresource: 'status' });
  }
  await f.settle();
}

async function syncSettled(key: string): Promise<void> {
  await c.sync(key);
  await f.settle();
}

async function setImage(name: string, image: string, annotations?: Record<string, string>): Promise<void> {
  const d = f.api.stored<Deployment>(DEPLOYMENTS, 'default', name) as Deployment;
  d.spec = { ...d.spec, template: { ...d.spec?.template, spec: { containers: [{ name: 'api', image }] } } };
  if (annotations) d.metadata = { ...d.metadata, annotations: { ...d.metadata?.annotations, ...annotations } };
  await f.api.update(DEPLOYMENTS, 'default', d);
  await f.settle();
}

const scalingEvents = (): string[] => f.recorder.lines.filter((l) => l.includes('ScalingReplicaSet')).map((l) => l.replace('Normal ScalingReplicaSet ', ''));
const rsByName = (): Map<string, ReplicaSet> => new Map(f.api.storedAll<ReplicaSet>(REPLICASETS).map((rs) => [rs.metadata?.name ?? '', rs]));

/** Syncs and lets the RSs become available until the deployment stops changing. */
async function rollToCompletion(key: string, maxRounds = 20): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    const before = f.api.resourceVersion();
    await syncSettled(key);
    await runReplicaSets();
    await syncSettled(key);
    if (f.api.resourceVersion() === before) return;
  }
}

describe('DeploymentController', () => {
  test('creates a ReplicaSet named by the pod-template hash, with the hash label, revision 1 and the Progressing condition', async () => {
    const d = deployment('go-demo-2-api', 3, 'vfarcic/go-demo-2:1.0');
    await setup(d);
    await syncSettled('default/go-demo-2-api');
    const hash = computePodTemplateHash(d.spec?.template);
    const rs = f.api.stored<ReplicaSet>(REPLICASETS, 'default', `go-demo-2-api-${hash}`);
    assert.ok(rs, 'RS named <deployment>-<hash>');
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs.spec?.replicas, 3);
    assert.equal(rs.spec?.selector?.matchLabels?.['pod-template-hash'], hash);
    assert.equal(rs.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, 'uid-go-demo-2-api');
    assert.deepEqual(scalingEvents(), [`Scaled up replica set go-demo-2-api-${hash} to 3`]);
    const stored = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'go-demo-2-api');
    assert.equal(stored?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const progressing = stored?.status?.conditions?.find((x) => x.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetCreated');
    // Deterministic: the same template gives the same name.
    assert.equal(computePodTemplateHash(structuredClone(d.spec?.template)), hash);

    await runReplicaSets();
    await syncSettled('default/go-demo-2-api');
    const done = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'go-demo-2-api');
    assert.deepEqual(
      { replicas: done?.status?.replicas, updated: done?.status?.updatedReplicas, available: done?.status?.availableReplicas, unavailable: done?.status?.unavailableReplicas, og: done?.status?.observedGeneration },
      { replicas: 3, updated: 3, available: 3, unavailable: 0, og: 1 },
    );
    assert.equal(done?.status?.conditions?.find((x) => x.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.equal(done?.status?.conditions?.find((x) => x.type === 'Available')?.status, 'True');
  });

  test('a rolling update of 3 replicas with 25%/25% makes the scale steps Kubernetes makes', async () => {
    await setup(deployment('api', 3, 'api:1'));
    await syncSettled('default/api');
    await runReplicaSets();
    await syncSettled('default/api');
    const oldName = [...rsByName().keys()][0] as string;
    await setImage('api', 'api:2', { 'kubernetes.io/change-cause': 'kubectl set image api api=api:2 --record=true' });
    f.recorder.lines.length = 0;
    await rollToCompletion('default/api');
    const rss = rsByName();
    const newName = [...rss.keys()].find((n) => n !== oldName) as string;
    assert.deepEqual(scalingEvents(), [
      `Scaled up replica set ${newName} to 1`,
      `Scaled down replica set ${oldName} to 2`,
      `Scaled up replica set ${newName} to 2`,
      `Scaled down replica set ${oldName} to 1`,
      `Scaled up replica set ${newName} to 3`,
      `Scaled down replica set ${oldName} to 0`,
    ]);
    assert.equal(rss.get(newName)?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(rss.get(newName)?.metadata?.annotations?.['kubernetes.io/change-cause'], 'kubectl set image api api=api:2 --record=true');
    const d = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api');
    assert.equal(d?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(d?.status?.updatedReplicas, 3);
    assert.equal(d?.status?.conditions?.find((x) => x.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
  });

  test('Recreate scales the old ReplicaSet to 0 before the new one comes up', async () => {
    await setup(deployment('db', 2, 'mongo:3.3', { strategy: { type: 'Recreate' } }));
    await syncSettled('default/db');
    await runReplicaSets();
    const oldName = [...rsByName().keys()][0] as string;
    await setImage('db', 'mongo:3.4');
    f.recorder.lines.length = 0;
    await syncSettled('default/db');
    assert.deepEqual(scalingEvents(), [`Scaled down replica set ${oldName} to 0`]);
    assert.equal(rsByName().size, 1, 'no new RS while old pods run');
    await runReplicaSets();
    await rollToCompletion('default/db');
    const newName = [...rsByName().keys()].find((n) => n !== oldName) as string;
    assert.deepEqual(scalingEvents(), [`Scaled down replica set ${oldName} to 0`, `Scaled up replica set ${newName} to 2`]);
  });

  test('rollback (template set back) reuses the old ReplicaSet with a new revision and keeps the history', async () => {
    await setup(deployment('api', 2, 'api:1'));
    await rollToCompletion('default/api');
    const [first] = [...rsByName().keys()] as [string];
    await setImage('api', 'api:2');
    await rollToCompletion('default/api');
    await setImage('api', 'api:1'); // what `rollout undo` writes
    await rollToCompletion('default/api');
    const rss = rsByName();
    assert.equal(rss.size, 2, 'no third ReplicaSet');
    const back = rss.get(first);
    assert.equal(back?.spec?.replicas, 2);
    assert.equal(back?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back?.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api')?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  });

  test('a paused Deployment does not roll out a template change but still scales', async () => {
    await setup(deployment('api', 2, 'api:1'));
    await rollToCompletion('default/api');
    const d = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api') as Deployment;
    await f.api.update(DEPLOYMENTS, 'default', { ...d, spec: { ...d.spec, paused: true } });
    await f.settle();
    await setImage('api', 'api:2');
    await syncSettled('default/api');
    assert.equal(rsByName().size, 1, 'no new ReplicaSet while paused');
    const paused = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api') as Deployment;
    assert.equal(paused.status?.conditions?.find((x) => x.type === 'Progressing')?.reason, 'DeploymentPaused');
    await f.api.update(DEPLOYMENTS, 'default', { ...paused, spec: { ...paused.spec, replicas: 5 } });
    await f.settle();
    await syncSettled('default/api');
    assert.equal([...rsByName().values()][0]?.spec?.replicas, 5);
    // Resume: the rollout happens.
    const again = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api') as Deployment;
    await f.api.update(DEPLOYMENTS, 'default', { ...again, spec: { ...again.spec, paused: false } });
    await f.settle();
    await rollToCompletion('default/api');
    assert.equal(rsByName().size, 2);
  });

  test('revisionHistoryLimit deletes the oldest scaled-down ReplicaSets', async () => {
    await setup(deployment('api', 1, 'api:1', { revisionHistoryLimit: 1 }));
    for (const img of ['api:1', 'api:2', 'api:3', 'api:4']) {
      await setImage('api', img);
      await rollToCompletion('default/api');
    }
    const revisions = [...rsByName().values()].map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
  });

  test('no progress within progressDeadlineSeconds sets ProgressDeadlineExceeded', async () => {
    await setup(deployment('api', 2, 'api:1', { progressDeadlineSeconds: 60 }));
    await rollToCompletion('default/api');
    await setImage('api', 'api:does-not-exist');
    await syncSettled('default/api');
    await runReplicaSets(false); // new pods never become ready
    await syncSettled('default/api');
    f.clock = new Date(f.clock.getTime() + 61_000);
    await syncSettled('default/api');
    const d = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api');
    const cond = d?.status?.conditions?.find((x) => x.type === 'Progressing');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'ProgressDeadlineExceeded');
    assert.match(cond?.message ?? '', /^ReplicaSet "api-[a-z0-9]+" has timed out progressing\.$/);
  });

  test('scaling during a rollout is proportional', async () => {
    await setup(deployment('api', 10, 'api:1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rollToCompletion('default/api');
    const oldName = [...rsByName().keys()][0] as string;
    await setImage('api', 'api:2');
    // New RS at 3 (the surge: 13 in all), then old down to 8 (maxUnavailable 2 of 10, new pods not available yet).
    await syncSettled('default/api');
    const before = rsByName();
    const newName = [...before.keys()].find((n) => n !== oldName) as string;
    assert.deepEqual([before.get(oldName)?.spec?.replicas, before.get(newName)?.spec?.replicas], [8, 3]);
    const d = f.api.stored<Deployment>(DEPLOYMENTS, 'default', 'api') as Deployment;
    await f.api.update(DEPLOYMENTS, 'default', { ...d, spec: { ...d.spec, replicas: 15 } });
    await f.settle();
    await syncSettled('default/api');
    const after = rsByName();
    // 18 allowed (15 + 3 surge), 11 running: +7 spread by size over max-replicas 13:
    // old round(8·18/13)−8 = +3, new round(3·18/13)−3 = +1, the leftover 3 to the largest (old).
    assert.deepEqual([after.get(oldName)?.spec?.replicas, after.get(newName)?.spec?.replicas], [14, 4]);
  });
});
