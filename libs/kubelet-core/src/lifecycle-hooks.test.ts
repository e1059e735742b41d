// SPDX-License-Identifier: Apache-2.0
// postStart and preStop hooks as a user sees them: events, container states and restart
// counts in the pod status, and what reached the (in-memory) runtime, in which order.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toyExec, type MemoryExecIo } from '@berth/runtime';
import type { ContainerInfo } from '@berth/runtime';
import { harness, until, type Harness } from './testing.test-helper';
import { PODS, type Container, type Pod } from './types';

let h: Harness;
afterEach(() => h?.cleanup());

function web(container: Partial<Container>, spec: Pod['spec'] = {}, name = 'web'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...spec, containers: [{ name: 'web', image: 'busybox:latest', ...container }] } };
}

/** Marks the stored pod deleted with a grace period and syncs it (the pod worker then terminates it). */
async function deleteWithGrace(name: string, grace: number): Promise<void> {
  const pod = await h.get(name);
  await h.workers.sync(pod.metadata?.uid ?? '', { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: grace } });
}

/** When the runtime got a call (the first one starting with `prefix`). */
function callAt(prefix: string): number {
  const e = h.runtime.timeline.find((c) => c.call.startsWith(prefix));
  assert.ok(e, `no runtime call ${prefix}; calls: ${h.runtime.calls.join(', ')}`);
  return e.at;
}

/** The toy shell, with every line a hook writes recorded with its time. */
function recordingShell(seen: Array<{ at: number; text: string }>) {
  return (c: ContainerInfo, cmd: string[], io: MemoryExecIo) =>
    toyExec(c, cmd, {
      ...io,
      stdout: (d) => {
        seen.push({ at: Date.now(), text: Buffer.from(d).toString() });
        io.stdout(d);
      },
    });
}

describe('postStart', () => {
  test('the container is Waiting (ContainerCreating) and not ready while its postStart hook runs, Running once it returns', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((r) => (release = r));
    h = harness({ interactiveExec: (c, cmd, io) => (cmd[0] === 'register' ? gate.then(() => 0) : toyExec(c, cmd, io)) });
    const uid = await h.add(web({ lifecycle: { postStart: { exec: { command: ['register', '--with', 'db'] } } } }));
    const syncing = h.sync('web');
    await until(() => h.runtime.calls.includes('exec web#0 register --with db'));

    const during = await h.get('web');
    assert.ok(h.runtime.running(uid, 'web'), 'the process runs while the hook does');
    assert.equal(during.status?.phase, 'Pending');
    assert.deepEqual(during.status?.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(during.status?.containerStatuses?.[0]?.ready, false);
    assert.equal(during.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    assert.deepEqual(h.events.map((e) => e.reason).slice(-2), ['Created', 'Started']);

    release();
    const pod = await syncing;
    assert.equal(pod.status?.phase, 'Running');
    assert.ok(pod.status?.containerStatuses?.[0]?.state?.running);
    assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);
    assert.ok(!h.events.some((e) => e.reason === 'FailedPostStartHook'));
  });

  test('a failing postStart: FailedPostStartHook, the container is killed and waits with PostStartHookError, then restarts with back-off', async () => {
    h = harness({ backoffMs: 200, interactiveExec: toyExec });
    const command = ['sh', '-c', 'echo cannot reach db >&2; exit 1'];
    const uid = await h.add(web({ lifecycle: { postStart: { exec: { command } } } }, { terminationGracePeriodSeconds: 5 }));

    let pod = await h.sync('web');
    assert.deepEqual(
      h.events.filter((e) => e.reason !== 'Pulling' && e.reason !== 'Pulled').map((e) => `${e.type} ${e.reason} ${e.message}`),
      ['Normal Created Created container web', 'Normal Started Started container web', 'Warning FailedPostStartHook PostStartHook failed', 'Normal Killing FailedPostStartHook'],
    );
    assert.ok(h.runtime.calls.includes('stopContainer web#0 grace=5'));
    let cs = pod.status?.containerStatuses?.[0];
    assert.deepEqual(cs?.state?.waiting, {
      reason: 'PostStartHookError',
      message: `Exec lifecycle hook ([sh -c echo cannot reach db >&2; exit 1]) for Container "web" in Pod "web_default(${uid})" failed - error: command 'sh -c echo cannot reach db >&2; exit 1' exited with 1: , message: "cannot reach db\\n"`,
    });
    assert.equal(cs?.lastState?.terminated?.exitCode, 143);
    assert.equal(cs?.restartCount, 0);
    assert.equal(cs?.ready, false);
    assert.equal(pod.status?.phase, 'Running');

    pod = await h.sync('web'); // the first restart is immediate, and fails the same way
    cs = pod.status?.containerStatuses?.[0];
    assert.equal(cs?.state?.waiting?.reason, 'PostStartHookError');
    assert.equal(cs?.restartCount, 1);
    assert.equal(h.events.filter((e) => e.reason === 'FailedPostStartHook').length, 2);

    pod = await h.sync('web'); // within the back-off
    cs = pod.status?.containerStatuses?.[0];
    assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs?.restartCount, 1);
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'BackOff' && e.message === 'Back-off restarting failed container'));
    assert.ok(!h.runtime.calls.includes('createContainer web#2'));

    await new Promise((r) => setTimeout(r, 250));
    pod = await h.sync('web');
    assert.ok(h.runtime.calls.includes('createContainer web#2'));
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 2);
  });

  test('restartPolicy Never: a failed postStart leaves the container terminated and the pod Failed', async () => {
    h = harness({ interactiveExec: toyExec });
    await h.add(web({ lifecycle: { postStart: { exec: { command: ['exit', '2'] } } } }, { restartPolicy: 'Never' }));
    const pod = await h.sync('web');
    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
    assert.ok(h.events.some((e) => e.reason === 'FailedPostStartHook'));
  });

  test('a tcpSocket postStart (deprecated; the kubelet cannot run it) always fails, as in Kubernetes', async () => {
    h = harness();
    await h.add(web({ lifecycle: { postStart: { tcpSocket: { port: 8080 } } } }));
    const pod = await h.sync('web');
    assert.ok(h.events.some((e) => e.reason === 'FailedPostStartHook'));
    assert.deepEqual(pod.status?.containerStatuses?.[0]?.state?.waiting, {
      reason: 'PostStartHookError',
      message: 'Cannot run handler: invalid handler: &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:8080,Host:,},Sleep:nil,}',
    });
  });

  test('a pod deleted while its postStart hook hangs is not held up by it', async () => {
    h = harness({ interactiveExec: toyExec });
    const uid = await h.add(web({ lifecycle: { postStart: { exec: { command: ['sleep'] } } } }, { terminationGracePeriodSeconds: 3 }));
    const syncing = h.sync('web');
    await until(() => h.runtime.calls.includes('exec web#0 sleep'));
    h.workers.cancelStart(uid); // what the kubelet does when it sees the deletion
    await syncing;
    await deleteWithGrace('web', 3);
    assert.ok(h.runtime.calls.includes('stopContainer web#0 grace=3'));
    assert.equal(h.api.stored(PODS, 'default', 'web'), undefined);
    assert.ok(!h.events.some((e) => e.reason === 'FailedPostStartHook'));
  });
});

describe('preStop', () => {
  test('on deletion the preStop hook runs before SIGTERM, and its time is deducted from the grace period', async () => {
    const seen: Array<{ at: number; text: string }> = [];
    h = harness({ interactiveExec: recordingShell(seen) });
    await h.add(web({ lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo draining; sleep 1; echo drained'] } } } }, { terminationGracePeriodSeconds: 4 }));
    await h.sync('web');
    await deleteWithGrace('web', 4);

    assert.deepEqual(seen.map((s) => s.text), ['draining\n', 'drained\n']);
    const stopAt = callAt('stopContainer web#0');
    assert.ok(callAt('exec web#0 sh -c echo draining') <= (seen[0]?.at ?? 0));
    assert.ok((seen[1]?.at ?? Infinity) <= stopAt, 'the hook finished before SIGTERM');
    assert.ok(h.runtime.calls.includes('stopContainer web#0 grace=3'), h.runtime.calls.join(', '));
    assert.deepEqual(h.events.slice(-1).map((e) => `${e.reason} ${e.message}`), ['Killing Stopping container web']);
    assert.equal(h.api.stored(PODS, 'default', 'web'), undefined);
  });

  test('a pod gone from the API at once (force-deleted) still gets its preStop hook, within the 1 s Kubernetes always gives, then SIGTERM', async () => {
    const seen: Array<{ at: number; text: string }> = [];
    h = harness({ interactiveExec: recordingShell(seen) });
    await h.add(web({ lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo draining; sleep 3; echo drained'] } } } }, { terminationGracePeriodSeconds: 30 }));
    await h.sync('web');
    const uid = (await h.get('web')).metadata?.uid ?? '';
    const t0 = Date.now();
    await h.workers.sync(uid, undefined);
    const took = Date.now() - t0;
    assert.deepEqual(seen.map((s) => s.text), ['draining\n'], 'the hook ran, and was cut at 1 s');
    assert.ok(h.runtime.calls.includes('stopContainer web#0 grace=2'), h.runtime.calls.join(', '));
    assert.ok(took >= 950 && took < 2500, `took ${took} ms`);
    assert.ok(h.runtime.calls.some((c) => c.startsWith('removeContainer web#0')), h.runtime.calls.join(', '));
    assert.ok(h.events.some((e) => `${e.reason} ${e.message}` === 'Killing Stopping container web'), h.events.map((e) => e.reason).join(', '));
  });

  test('a sleep action is deducted from the grace period (1 s of 4 leaves 3); cut short when the grace period ends (2 s minimum after)', async () => {
    h = harness();
    await h.add(web({ lifecycle: { preStop: { sleep: { seconds: 1 } } } }, { terminationGracePeriodSeconds: 4 }, 'short'));
    await h.add(web({ lifecycle: { preStop: { sleep: { seconds: 30 } } } }, { terminationGracePeriodSeconds: 30 }, 'long'));
    await h.add(web({ lifecycle: { postStart: { sleep: { seconds: 1 } } } }, {}, 'slow-start'));
    let t0 = Date.now();
    await Promise.all([h.sync('short'), h.sync('long'), h.sync('slow-start')]);
    assert.ok(Date.now() - t0 >= 1000, 'a postStart sleep holds the start');
    assert.ok((await h.get('slow-start')).status?.containerStatuses?.[0]?.state?.running);

    const stops = (): string[] => h.runtime.calls.filter((c) => c.startsWith('stopContainer'));
    t0 = Date.now();
    await Promise.all([deleteWithGrace('short', 4), deleteWithGrace('long', 1)]);
    const took = Date.now() - t0;
    assert.deepEqual(stops().sort(), ['stopContainer web#0 grace=2', 'stopContainer web#0 grace=3']);
    assert.ok(took >= 950 && took < 2500, `termination took ${took} ms`);
    const stopTimes = h.runtime.timeline.filter((c) => c.call.startsWith('stopContainer')).map((c) => c.at - t0);
    for (const at of stopTimes) assert.ok(at >= 950, `SIGTERM ${at} ms after the deletion`);
    assert.ok(!h.events.some((e) => e.reason === 'FailedPreStopHook'), 'a sleep cut short by the grace period is no failure');
  });

  test('a failing preStop (exec exit 1, or the unsupported tcpSocket) is a FailedPreStopHook event; termination goes on', async () => {
    h = harness({ interactiveExec: toyExec });
    await h.add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        terminationGracePeriodSeconds: 5,
        containers: [
          { name: 'app', image: 'busybox:latest', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo no such service >&2; exit 1'] } } } },
          { name: 'proxy', image: 'busybox:latest', lifecycle: { preStop: { tcpSocket: { port: 15000 } } } },
        ],
      },
    });
    await h.sync('web');
    await deleteWithGrace('web', 5);
    const failed = h.events.filter((e) => e.reason === 'FailedPreStopHook');
    assert.deepEqual(failed.map((e) => `${e.type} ${e.message}`), ['Warning PreStopHook failed', 'Warning PreStopHook failed']);
    const killing = h.events.findIndex((e) => e.reason === 'Killing');
    assert.ok(killing >= 0 && killing < h.events.indexOf(failed[0] as (typeof failed)[number]), 'Killing comes first');
    assert.ok(h.runtime.calls.includes('stopContainer app#0 grace=5'));
    assert.ok(h.runtime.calls.includes('stopContainer proxy#0 grace=5'));
    assert.equal(h.api.stored(PODS, 'default', 'web'), undefined);
  });

  test('a liveness failure kills the container through its preStop hook, with the probe grace', async () => {
    h = harness({ interactiveExec: toyExec });
    h.probeResults.set('web', { ok: false, message: 'HTTP probe failed with statuscode: 500' });
    await h.add(web({ livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 10 }, lifecycle: { preStop: { exec: { command: ['echo', 'bye'] } } } }));
    await h.sync('web');
    await until(() => h.requeues.some((r) => r.delayMs === 0));
    await h.sync('web');
    assert.ok(callAt('exec web#0 echo bye') <= callAt('stopContainer web#0'));
    assert.ok(h.runtime.calls.includes('stopContainer web#0 grace=10'));
    assert.ok(h.events.some((e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted'));
    const pod = await h.sync('web');
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 1);
  });
});

describe('httpGet hooks', () => {
  test('GET the pod IP by default, on a named port, with path and headers; any answer counts; an HTTPS hook answered in HTTP falls back', async () => {
    const requests: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
    const server = http.createServer((req, res) => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(req.url === '/drain' ? 500 : 200).end();
    });
    // The first pod of a 127.0.0.0/24 node gets 127.0.0.2: a loopback address this test can serve.
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    const port = (server.address() as AddressInfo).port;
    try {
      h = harness({ podCidr: '127.0.0.0/24' });
      await h.add(
        web({
          ports: [{ name: 'http', containerPort: port }],
          lifecycle: {
            postStart: { httpGet: { path: '/started?by=kubelet', port: 'http', scheme: 'HTTPS', httpHeaders: [{ name: 'X-Hook', value: 'postStart' }] } },
            preStop: { httpGet: { path: '/drain', port } },
          },
        }),
      );
      const pod = await h.sync('web');
      assert.equal(pod.status?.podIP, '127.0.0.2');
      assert.ok(pod.status?.containerStatuses?.[0]?.state?.running);
      assert.equal(requests[0]?.url, '/started?by=kubelet');
      assert.equal(requests[0]?.headers['x-hook'], 'postStart');
      assert.equal(requests[0]?.headers['user-agent'], 'kube-lifecycle/1.29');
      assert.equal(requests[0]?.headers.host, `127.0.0.2:${port}`);
      assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'LifecycleHTTPFallback' && e.message === `request to HTTPS lifecycle hook 127.0.0.2:${port} got HTTP response, retry with HTTP succeeded`));

      await deleteWithGrace('web', 5);
      assert.equal(requests.at(-1)?.url, '/drain');
      assert.ok(callAt('stopContainer web#0') >= 0);
      assert.ok(!h.events.some((e) => e.reason.startsWith('Failed')), 'Kubernetes does not look at the status code of a hook');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('a postStart GET that cannot connect fails the hook, with Go-worded error in the waiting message', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    h = harness();
    const uid = await h.add(web({ lifecycle: { postStart: { httpGet: { host: '127.0.0.1', path: '/ready', port } } } }));
    const pod = await h.sync('web');
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'FailedPostStartHook' && e.message === 'PostStartHook failed'));
    assert.deepEqual(pod.status?.containerStatuses?.[0]?.state?.waiting, {
      reason: 'PostStartHookError',
      message: `HTTP lifecycle hook (/ready) for Container "web" in Pod "web_default(${uid})" failed - error: Get "http://127.0.0.1:${port}/ready": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });
});
