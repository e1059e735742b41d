// SPDX-License-Identifier: Apache-2.0
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { harness, until, type Harness } from './testing.test-helper';
import { CONFIGMAPS, PODS, type Pod } from './types';

const db: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db', labels: { type: 'db', vendor: 'MongoLabs' } },
  spec: { containers: [{ name: 'db', image: 'mongo:3.3', command: ['mongod'], args: ['--rest', '--httpinterface'] }] },
};

const goDemo: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'go-demo-2', labels: { type: 'stack' } },
  spec: {
    containers: [
      { name: 'db', image: 'mongo:3.3' },
      { name: 'api', image: 'vfarcic/go-demo-2', env: [{ name: 'DB', value: 'localhost' }] },
    ],
  },
};

let h: Harness;
afterEach(() => h?.cleanup());

describe('pod workers', () => {
  test('a pod gets a sandbox with an IP and its containers; status Running, Ready, with the book events', async () => {
    h = harness();
    await h.add(db);
    const pod = await h.sync('db');
    assert.equal(pod.status?.phase, 'Running');
    assert.match(pod.status?.podIP ?? '', /^10\.244\.0\.\d+$/);
    assert.equal(pod.status?.hostIP, '192.168.0.10');
    assert.ok(pod.status?.startTime);
    const cs = pod.status?.containerStatuses?.[0];
    assert.equal(cs?.name, 'db');
    assert.ok(cs?.state?.running?.startedAt);
    assert.equal(cs?.ready, true);
    assert.equal(cs?.restartCount, 0);
    assert.equal(cs?.image, 'mongo:3.3');
    assert.match(cs?.imageID ?? '', /^sha256:/);
    assert.match(cs?.containerID ?? '', /^memory:\/\//);
    const conds = Object.fromEntries((pod.status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(conds, { Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    assert.deepEqual(
      h.events.map((e) => `${e.reason} ${e.message}`),
      ['Pulling Pulling image "mongo:3.3"', `Pulled ${h.events[1]?.message}`, 'Created Created container db', 'Started Started container db'],
    );
    assert.match(h.events[1]?.message ?? '', /^Successfully pulled image "mongo:3.3" in \d+ms$/);
    // level-triggered: another sync changes nothing and writes nothing
    h.api.clearActions();
    const calls = h.runtime.calls.length;
    await h.sync('db');
    assert.equal(h.runtime.calls.length, calls);
    assert.equal(h.api.writeActions().length, 0);
  });

  test('containers of a pod share the sandbox; env, command and args reach the runtime', async () => {
    h = harness();
    const uid = await h.add(goDemo);
    const pod = await h.sync('go-demo-2');
    assert.equal(pod.status?.containerStatuses?.length, 2);
    const list = await h.runtime.listContainers({ podUid: uid });
    assert.equal(new Set(list.map((c) => c.sandboxId)).size, 1);
    assert.equal((await h.runtime.listSandboxes({ podUid: uid })).length, 1);
  });

  test('a container that dies is restarted with restartCount and lastState; then CrashLoopBackOff', async () => {
    h = harness({ backoffMs: 200 });
    const uid = await h.add(db);
    await h.sync('db');
    const first = h.runtime.running(uid, 'db');
    assert.ok(first);
    h.runtime.exit(first.id, 1);
    let pod = await h.sync('db'); // first restart is immediate
    let cs = pod.status?.containerStatuses?.[0];
    assert.equal(cs?.restartCount, 1);
    assert.ok(cs?.state?.running);
    assert.equal(cs?.lastState?.terminated?.exitCode, 1);
    assert.equal(cs?.lastState?.terminated?.reason, 'Error');
    const second = h.runtime.running(uid, 'db');
    assert.ok(second);
    h.runtime.exit(second.id, 1);
    pod = await h.sync('db'); // within back-off: waiting CrashLoopBackOff
    cs = pod.status?.containerStatuses?.[0];
    assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.match(cs?.state?.waiting?.message ?? '', /^back-off 0s restarting failed container=db pod=db_default\(/);
    assert.equal(cs?.restartCount, 1);
    assert.equal(pod.status?.phase, 'Running');
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'BackOff' && e.message === 'Back-off restarting failed container'));
    assert.ok(h.requeues.some((r) => r.uid === uid && r.delayMs > 0 && r.delayMs <= 260));
    await new Promise((r) => setTimeout(r, 250));
    pod = await h.sync('db');
    cs = pod.status?.containerStatuses?.[0];
    assert.ok(cs?.state?.running);
    assert.equal(cs?.restartCount, 2);
  });

  test('OOMKilled is reported with exit code 137 in lastState', async () => {
    h = harness();
    const uid = await h.add(db);
    await h.sync('db');
    h.runtime.exit(h.runtime.running(uid, 'db')?.id ?? '', 137, { oomKilled: true });
    const pod = await h.sync('db');
    const t = pod.status?.containerStatuses?.[0]?.lastState?.terminated;
    assert.equal(t?.reason, 'OOMKilled');
    assert.equal(t?.exitCode, 137);
  });

  test('restartPolicy Never: a failed container is not restarted and the pod Fails; OnFailure restarts only failures', async () => {
    h = harness();
    const uid = await h.add({ ...db, spec: { ...db.spec, restartPolicy: 'Never' } });
    await h.sync('db');
    h.runtime.exit(h.runtime.running(uid, 'db')?.id ?? '', 2);
    let pod = await h.sync('db');
    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 2);
    assert.equal(h.runtime.running(uid, 'db'), undefined);

    const uid2 = await h.add({ ...db, metadata: { name: 'job' }, spec: { ...db.spec, restartPolicy: 'OnFailure' } });
    await h.sync('job');
    h.runtime.exit(h.runtime.running(uid2, 'db')?.id ?? '', 0);
    pod = await h.sync('job');
    assert.equal(pod.status?.phase, 'Succeeded');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  });

  test('a missing image: ErrImagePull, then ImagePullBackOff, with Failed and BackOff events; other pods unaffected', async () => {
    h = harness();
    await h.add({ ...db, metadata: { name: 'bad' }, spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2:does-not-exist' }] } });
    let pod = await h.sync('bad');
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ErrImagePull');
    assert.ok(h.events.some((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "vfarcic/go-demo-2:does-not-exist"')));
    pod = await h.sync('bad');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ImagePullBackOff');
    assert.ok(h.events.some((e) => e.reason === 'BackOff' && e.message === 'Back-off pulling image "vfarcic/go-demo-2:does-not-exist"'));
    await h.add(db);
    assert.equal((await h.sync('db')).status?.phase, 'Running');
  });

  test('init containers run in order before the app containers', async () => {
    h = harness();
    const uid = await h.add({
      ...db,
      metadata: { name: 'init' },
      spec: { initContainers: [{ name: 'i1', image: 'busybox:latest' }, { name: 'i2', image: 'busybox:latest' }], containers: [{ name: 'app', image: 'busybox:latest' }] },
    });
    let pod = await h.sync('init');
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'False');
    assert.ok(h.runtime.running(uid, 'i1'));
    assert.equal(h.runtime.running(uid, 'i2'), undefined);
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
    h.runtime.exit(h.runtime.running(uid, 'i1')?.id ?? '', 0);
    await h.sync('init');
    assert.ok(h.runtime.running(uid, 'i2'));
    assert.equal(h.runtime.running(uid, 'app'), undefined);
    h.runtime.exit(h.runtime.running(uid, 'i2')?.id ?? '', 0);
    pod = await h.sync('init');
    assert.ok(h.runtime.running(uid, 'app'));
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(pod.status?.initContainerStatuses?.[1]?.state?.terminated?.reason, 'Completed');
  });

  test('a failing liveness probe: Unhealthy events, Killing, the container restarts', async () => {
    h = harness();
    h.probeResults.set('api', { ok: false, message: 'HTTP probe failed with statuscode: 404' });
    const uid = await h.add({
      ...goDemo,
      spec: {
        containers: [
          { name: 'db', image: 'mongo:3.3' },
          { name: 'api', image: 'vfarcic/go-demo-2', livenessProbe: { httpGet: { path: '/this/path/does/not/exist', port: 8080 }, periodSeconds: 1, failureThreshold: 1 } },
        ],
      },
    });
    await h.sync('go-demo-2');
    const first = h.runtime.running(uid, 'api');
    await until(() => h.requeues.some((r) => r.delayMs === 0));
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'Unhealthy' && e.message === 'Liveness probe failed: HTTP probe failed with statuscode: 404'));
    await h.sync('go-demo-2'); // kills it
    assert.ok(h.events.some((e) => e.reason === 'Killing' && e.message === 'Container api failed liveness probe, will be restarted'));
    const pod = await h.sync('go-demo-2'); // restarts it
    const api = pod.status?.containerStatuses?.find((c) => c.name === 'api');
    assert.equal(api?.restartCount, 1);
    assert.notEqual(h.runtime.running(uid, 'api')?.id, first?.id);
    assert.equal(pod.status?.containerStatuses?.find((c) => c.name === 'db')?.restartCount, 0);
  });

  test('readiness: not Ready until the readiness probe succeeds', async () => {
    h = harness();
    h.probeResults.set('db', { ok: false, message: 'dial tcp 10.244.0.2:27017: connect: connection refused' });
    await h.add({ ...db, spec: { containers: [{ name: 'db', image: 'mongo:3.3', readinessProbe: { tcpSocket: { port: 27017 }, periodSeconds: 1 } }] } });
    let pod = await h.sync('db');
    assert.equal(pod.status?.containerStatuses?.[0]?.ready, false);
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    h.probeResults.set('db', { ok: true, message: '' });
    await until(async () => {
      pod = await h.sync('db');
      return pod.status?.containerStatuses?.[0]?.ready === true;
    });
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  test('graceful deletion: containers stopped with the grace period, then the final delete', async () => {
    h = harness();
    const uid = await h.add({ ...db, spec: { ...db.spec, terminationGracePeriodSeconds: 7 } });
    await h.sync('db');
    const pod = await h.get('db');
    const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 7 } };
    await h.workers.sync(uid, deleting);
    assert.ok(h.runtime.calls.includes('stopContainer db#0 grace=7'));
    assert.ok(h.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container db'));
    assert.equal(h.api.stored(PODS, 'default', 'db'), undefined);
    const del = h.api.writeActions().find((a) => a.verb === 'delete');
    assert.ok(del);
    // gone from the API: the containers and sandbox are removed
    await h.workers.sync(uid, undefined);
    assert.equal((await h.runtime.listContainers({ podUid: uid })).length, 0);
    assert.equal((await h.runtime.listSandboxes({ podUid: uid })).length, 0);
  });

  test('a dead sandbox is recreated with all containers', async () => {
    h = harness();
    const uid = await h.add(goDemo);
    await h.sync('go-demo-2');
    const before = (await h.runtime.listSandboxes({ podUid: uid }))[0];
    h.runtime.killSandbox(uid);
    const pod = await h.sync('go-demo-2');
    const after = (await h.runtime.listSandboxes({ podUid: uid })).filter((s) => s.state === 'ready');
    assert.equal(after.length, 1);
    assert.notEqual(after[0]?.id, before?.id);
    assert.equal(pod.status?.phase, 'Running');
    for (const cs of pod.status?.containerStatuses ?? []) {
      assert.ok(cs.state?.running);
      assert.equal(cs.restartCount, 1);
    }
    assert.ok(h.events.some((e) => e.reason === 'SandboxChanged'));
  });

  test('a restarted kubelet (new workers, same runtime) restarts nothing that runs', async () => {
    h = harness();
    const uid = await h.add(goDemo);
    await h.sync('go-demo-2');
    const ids = (await h.runtime.listContainers({ podUid: uid })).map((c) => c.id).sort();
    const h2 = harness();
    // a second set of workers over the first runtime and API
    const { PodWorkers } = await import('./pod-worker');
    const { VolumeManager } = await import('./volumes');
    const objects = { configMap: () => undefined, secret: () => undefined, services: () => [] };
    const w2 = new PodWorkers({
      nodeName: 'node1', client: h.api, runtime: h.runtime, recorder: { event: () => {} }, objects,
      volumes: new VolumeManager(h.rootDir, objects), prober: { probe: async () => ({ ok: true, message: '' }) },
      hostIP: '192.168.0.10', allocatable: { cpu: 2, memoryBytes: 1 << 30 }, clusterDNS: ['10.96.0.10'], requeue: () => {},
    });
    const calls = h.runtime.calls.length;
    const pod = await h.get('go-demo-2');
    await w2.sync(uid, pod);
    assert.deepEqual((await h.runtime.listContainers({ podUid: uid })).map((c) => c.id).sort(), ids);
    assert.deepEqual(h.runtime.calls.slice(calls), []);
    w2.probes.stopAll();
    h2.cleanup();
  });

  test('configMap volume: FailedMount while missing, files with mode once it exists, updated on change', async () => {
    h = harness();
    const uid = await h.add({
      ...db,
      metadata: { name: 'prom' },
      spec: {
        containers: [{ name: 'p', image: 'busybox:latest', volumeMounts: [{ name: 'cfg', mountPath: '/etc/prometheus' }] }],
        volumes: [{ name: 'cfg', configMap: { name: 'prom-conf', defaultMode: 0o400, items: [{ key: 'prometheus.yml', path: 'prometheus.yml' }] } }],
      },
    });
    let pod = await h.sync('prom');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'FailedMount' && e.message === 'MountVolume.SetUp failed for volume "cfg" : configmap "prom-conf" not found'));
    assert.equal(h.runtime.running(uid, 'p'), undefined);
    h.api.seed(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prom-conf', namespace: 'default' }, data: { 'prometheus.yml': 'scrape_configs: []\n' } });
    pod = await h.sync('prom');
    assert.equal(pod.status?.phase, 'Running');
    const file = join(h.rootDir, 'pods', uid, 'volumes', 'kubernetes.io~configmap', 'cfg', 'prometheus.yml');
    assert.equal(readFileSync(file, 'utf8'), 'scrape_configs: []\n');
    assert.equal(statSync(file).mode & 0o777, 0o400);
    h.api.seed(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prom-conf', namespace: 'default' }, data: { 'prometheus.yml': 'global: {}\n' } });
    await h.sync('prom');
    assert.equal(readFileSync(file, 'utf8'), 'global: {}\n');
  });

  test('resolv.conf search path and cluster DNS reach the sandbox; hostname is the pod name', async () => {
    h = harness();
    h.runtime.calls.length = 0;
    await h.add({ ...db, metadata: { name: 'web', namespace: 'dev' } });
    await h.sync('web', 'dev');
    const calls = h.runtime.calls.filter((c) => c.startsWith('runSandbox'));
    assert.deepEqual(calls, ['runSandbox dev/web (single container)']);
  });

  test('only a pod of one container and no init containers may run without a pause container', async () => {
    h = harness();
    await h.add(goDemo);
    await h.add({ ...db, metadata: { name: 'init' }, spec: { ...db.spec, initContainers: [{ name: 'wait', image: 'busybox', command: ['true'] }] } });
    await h.add(db);
    for (const name of ['go-demo-2', 'init', 'db']) await h.sync(name);
    assert.deepEqual(h.runtime.calls.filter((c) => c.startsWith('runSandbox')), ['runSandbox default/go-demo-2', 'runSandbox default/init', 'runSandbox default/db (single container)']);
  });
});
