// SPDX-License-Identifier: Apache-2.0
// Integration: the kubelet process (child) against a real apiserver, etcd and NATS, running the
// book's chapter 3 pods as real Docker containers (dockerd started by scripts/start-dockerd.sh).
import type { GrpcApiClient } from '@berth/grpc';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Quantity, type KubeObject } from '@berth/api';
import { freePort, startControlPlane, type TestControlPlane } from '@berth/testing';
import { parse } from 'yaml';
import { connect } from 'nats';
import { NodeTunnelClient } from '@berth/node-tunnel';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPECS = join(import.meta.dirname, '../../../../shared/k8s-specs');
const DOCKER = '/usr/bin/docker';
const PODS = { group: '', version: 'v1', resource: 'pods' };
const NODES = { group: '', version: 'v1', resource: 'nodes' };
const EVENTS = { group: '', version: 'v1', resource: 'events' };
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
 
type Obj = KubeObject & { spec?: any; status?: any };

const NODE = `kt${process.pid % 100000}`;
const POD_CIDR = `10.253.${process.pid % 200}.0/24`;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function docker(...args: string[]): string {
  return execFileSync(DOCKER, args, { encoding: 'utf8' });
}

function spec(file: string): Obj {
  return parse(readFileSync(join(SPECS, file), 'utf8'), { version: '1.1' }) as Obj;
}

interface KubeletProc {
  child: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

function startKubelet(cp: TestControlPlane, rootDir: string, healthPort: number): KubeletProc {
  const child = spawn(
    process.execPath,
    [
      '--import', 'tsx', join(REPO, 'apps/kubelet/src/main.ts'),
      '--insecure', '--apiserver', cp.apiserverAddress, '--nats-url', cp.nats.url, '--node-name', NODE,
      '--pod-cidr', POD_CIDR, '--root-dir', rootDir, '--health-port', String(healthPort), '--node-role', 'worker',
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BERTH_LOG_LEVEL: process.env['KUBELET_IT_TRACE'] ? 'debug' : 'info' } },
  );
  const logs: string[] = [];
  const keep = (d: Buffer): void => {
    logs.push(d.toString());
    if (logs.length > 400) logs.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('kubelet with Docker', { timeout: 600_000 }, () => {
  let cp: TestControlPlane;
  let client: GrpcApiClient;
  let kubelet: KubeletProc;
  let rootDir: string;
  let healthPort: number;

  const create = async (pod: Obj, name?: string): Promise<Obj> => {
    const p = structuredClone(pod);
    if (name) p.metadata = { ...p.metadata, name };
    p.spec = { ...p.spec, nodeName: NODE };
    return client.create(PODS, 'default', p);
  };
  const get = (name: string): Promise<Obj> => client.get<Obj>(PODS, 'default', name);
  const events = async (name: string): Promise<string[]> =>
    (await client.list<Obj & { reason?: string; message?: string }>(EVENTS, { namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items.map((e) => `${e.reason} ${e.message}`);
  const running = (name: string, containers = 1) =>
    until(`${name} Running`, async () => {
      const p = await get(name);
      const ready = (p.status?.containerStatuses ?? []).filter((c: { ready?: boolean }) => c.ready).length;
      return p.status?.phase === 'Running' && ready === containers ? p : undefined;
    });
  const remove = async (name: string): Promise<void> => {
    await client.delete(PODS, 'default', name).catch(() => undefined);
    await until(`${name} deleted`, async () => get(name).then(() => false, () => true), 60_000);
  };

  before(async () => {
    try {
      execFileSync('bash', [join(REPO, 'scripts/start-dockerd.sh')], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`dockerd could not be started by scripts/start-dockerd.sh: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
    }
    execFileSync('bash', [join(REPO, 'deploy/images/build.sh')], { stdio: 'pipe', env: { ...process.env, BERTH_IMAGES: 'pause busybox node mongo go-demo-2' } });
    cp = await startControlPlane();
    client = cp.client();
    rootDir = mkdtempSync(join(tmpdir(), 'kubelet-it-'));
    healthPort = await freePort();
    kubelet = startKubelet(cp, rootDir, healthPort);
    await until('node Ready', async () => {
      const n = await client.get<Obj>(NODES, '', NODE);
      return n.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status === 'True';
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${kubelet.logs.join('')}`);
    });
  });

  after(async () => {
    if (process.env['KUBELET_IT_TRACE']) console.log(kubelet?.logs.join(''));
    await kubelet?.stop();
    // every container and the network this node created
    const ids = docker('ps', '-aq', '--filter', `label=berth.io/node=${NODE}`).split('\n').filter(Boolean);
    if (ids.length) docker('rm', '-f', ...ids);
    try {
      docker('network', 'rm', `berth-${NODE}`);
    } catch {
      // already gone
    }
    client?.close();
    await cp?.stop();
    if (rootDir) rmSync(rootDir, { recursive: true, force: true });
  });

  test('the node registers with labels, capacity, addresses, nodeInfo and a Lease; /healthz answers', async () => {
    const n = await client.get<Obj>(NODES, '', NODE);
    assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], NODE);
    assert.equal(n.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.equal(n.metadata?.labels?.['node-role.kubernetes.io/worker'], '');
    assert.ok(n.status?.capacity?.cpu);
    assert.equal(n.status?.capacity?.pods, '110');
    assert.deepEqual(n.status?.addresses.map((a: { type: string }) => a.type), ['InternalIP', 'Hostname']);
    assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^docker:\/\/\d+/);
    assert.deepEqual(n.status?.conditions.map((c: { type: string }) => c.type).sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
    // The Lease is written right after the Node: wait for it rather than race it.
    const lease = await until('the node lease', () => client.get<Obj>(LEASES, 'kube-node-lease', NODE).catch(() => undefined), 15_000);
    assert.equal(lease.spec?.holderIdentity, NODE);
    const r = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    assert.equal(r.status, 200);
  });

  test('pod/db.yml runs mongo in a k8s_db_db_default_<uid>_0 container (a pod of one container, no pause) with a pod IP from the node CIDR', async () => {
    const t0 = Date.now();
    const lap = (what: string): void => void (process.env['KUBELET_IT_TRACE'] && console.log(`${what}: ${Date.now() - t0} ms`));
    const created = await create(spec('pod/db.yml'));
    const p = await running('db');
    lap('running');
    assert.equal(p.status.podIP.split('.').slice(0, 3).join('.'), POD_CIDR.split('.').slice(0, 3).join('.'));
    const names = docker('ps', '--filter', `label=io.kubernetes.pod.uid=${created.metadata?.uid}`, '--format', '{{.Names}}');
    assert.equal(names.trim(), `k8s_db_db_default_${created.metadata?.uid}_0`);
    const ev = await until('events', async () => {
      const e = await events('db');
      return e.some((x) => x.startsWith('Started')) ? e : undefined;
    });
    assert.ok(ev.includes('Pulling Pulling image "mongo:3.3"'), ev.join('\n'));
    assert.ok(ev.some((x) => /^Pulled Successfully pulled image "mongo:3.3"/.test(x)));
    assert.ok(ev.includes('Created Created container db'));
    // the process is mongod with the pod's args, HTTP on 28017 from the host
    const page = await until('mongo http', async () => (await fetch(`http://${p.status.podIP}:28017/`)).text());
    assert.match(page, /mongod/);
    // kill the process: the container restarts in place, RESTARTS 1
    docker('exec', `k8s_db_db_default_${created.metadata?.uid}_0`, 'pkill', 'mongod');
    lap('killed');
    await until('restart', async () => (await get('db')).status?.containerStatuses?.[0]?.restartCount === 1);
    lap('restarted');
    if (process.env['KUBELET_IT_TRACE']) {
      for (const a of ['0', '1']) console.log(a, docker('inspect', '-f', '{{.Created}} {{.State.StartedAt}} {{.State.FinishedAt}}', `k8s_db_db_default_${created.metadata?.uid}_${a}`));
      console.log('now', new Date().toISOString());
    }
    const again = await running('db');
    lap('running again');
    // the new container has the pod's IP back
    assert.equal(again.status.podIP, p.status.podIP);
    assert.match(await until('mongo http again', async () => (await fetch(`http://${p.status.podIP}:28017/`)).text()), /mongod/);
    await remove('db');
    lap('removed');
    await until('containers removed', async () => docker('ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${created.metadata?.uid}`).trim() === '');
  });

  test('logs, exec and usage of a pod through the node NATS subjects', async () => {
    await create(spec('pod/db.yml'), 'tunnel');
    await running('tunnel');
    const nc = await connect({ servers: cp.nats.url });
    try {
      const tunnel = new NodeTunnelClient(nc);
      const log = await until('log line', async () => {
        let out = '';
        for await (const c of tunnel.logs(NODE, { namespace: 'default', pod: 'tunnel' })) out += Buffer.from(c.data).toString();
        return /waiting for connections on port 27017/.test(out) ? out : undefined;
      });
      assert.match(log, /MongoDB starting/);
      // The same log through the apiserver's NodeProxy, as `berth logs` reads it.
      let viaApi = '';
      for await (const c of client.logs({ namespace: 'default', name: 'tunnel', tailLines: 50 })) viaApi += Buffer.from(c.data).toString();
      assert.match(viaApi, /waiting for connections on port 27017/);
      await assert.rejects(
        (async () => {
          for await (const _ of client.logs({ namespace: 'default', name: 'tunnel', container: 'nope' })) break;
        })(),
        /container nope is not valid for pod tunnel/,
      );
      const ps = await tunnel.exec(NODE, { namespace: 'default', pod: 'tunnel', command: ['ps', 'aux'] });
      let out = '';
      for await (const c of ps.output) out += Buffer.from(c.data).toString();
      assert.match(out, /1 root\s+mongod/);
      assert.equal(await ps.exitCode, 0);
      const sh = await tunnel.exec(NODE, { namespace: 'default', pod: 'tunnel', command: ['sh'], stdin: true });
      sh.write(Buffer.from('echo hi-from-stdin; exit 4\n'));
      out = '';
      for await (const c of sh.output) out += Buffer.from(c.data).toString();
      assert.equal(out, 'hi-from-stdin\n');
      assert.equal(await sh.exitCode, 4);
      // Its usage through the apiserver's NodeProxy, as `berth top pod` reads it: the kubelet's
      // samples of the real container (a rate needs two, 10 s apart).
      const usage = await until(
        'pod usage',
        async () => {
          const s = await client.stats(NODE);
          return s.node ? s.pods.find((p) => p.metadata.name === 'tunnel') : undefined;
        },
        45_000,
      );
      assert.deepEqual(usage.containers.map((c) => c.name), ['db']);
      assert.ok(Quantity.parse(usage.containers[0]?.usage['memory'] ?? '0').value() > 1 << 20, 'the container\'s working set is over 1 MiB');
    } finally {
      await nc.close();
    }
    await remove('tunnel');
  });

  test('pod/go-demo-2.yml: two containers share localhost in a pause container\'s namespaces; the API answers on the pod IP', async () => {
    const created = await create(spec('pod/go-demo-2.yml'));
    const p = await running('go-demo-2', 2);
    const names = docker('ps', '--filter', `label=io.kubernetes.pod.uid=${created.metadata?.uid}`, '--format', '{{.Names}}').trim().split('\n').sort();
    assert.deepEqual(names, ['POD', 'api', 'db'].map((c) => `k8s_${c}_go-demo-2_default_${created.metadata?.uid}_0`));
    const body = await until('hello', async () => (await fetch(`http://${p.status.podIP}:8080/demo/hello`)).text());
    assert.equal(body, 'hello, world!\n');
    await remove('go-demo-2');
  });

  test('pod/go-demo-2-health.yml: the failing liveness probe restarts the api container', async () => {
    await create(spec('pod/go-demo-2-health.yml'));
    await until('api restarted', async () => {
      const p = await get('go-demo-2');
      return (p.status?.containerStatuses ?? []).find((c: { name: string }) => c.name === 'api')?.restartCount >= 1;
    }, 60_000);
    const ev = await events('go-demo-2');
    assert.ok(ev.includes('Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 404'), ev.join('\n'));
    assert.ok(ev.includes('Killing Container api failed liveness probe, will be restarted'), ev.join('\n'));
    const p = await get('go-demo-2');
    assert.equal(p.status.containerStatuses.find((c: { name: string }) => c.name === 'db').restartCount, 0);
    await remove('go-demo-2');
  });

  test('a memory limit exceeded: OOMKilled, exit code 137', async () => {
    await create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'oom' }, spec: { containers: [{ name: 'db', image: 'mongo:3.3', resources: { limits: { memory: '10Mi' } } }] } });
    const t = await until('OOMKilled', async () => {
      const cs = (await get('oom')).status?.containerStatuses?.[0];
      const term = cs?.lastState?.terminated ?? cs?.state?.terminated;
      return term?.reason === 'OOMKilled' ? term : undefined;
    });
    assert.equal(t.exitCode, 137);
    await remove('oom');
  });

  test('a crashing command: restarts, then CrashLoopBackOff with BackOff events', async () => {
    await create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash' }, spec: { containers: [{ name: 'c', image: 'busybox:latest', command: ['sh', '-c', 'echo dying; exit 3'] }] } });
    const cs = await until('CrashLoopBackOff', async () => {
      const c = (await get('crash')).status?.containerStatuses?.[0];
      return c?.state?.waiting?.reason === 'CrashLoopBackOff' ? c : undefined;
    });
    assert.ok(cs.restartCount >= 1);
    assert.equal(cs.lastState.terminated.exitCode, 3);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    assert.ok((await events('crash')).includes('BackOff Back-off restarting failed container'));
    await remove('crash');
  });

  test('a missing image: ErrImagePull then ImagePullBackOff, quickly', async () => {
    await create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noimage' }, spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2:does-not-exist' }] } });
    // ErrImagePull is reported first; the next sync within the pull back-off turns it into ImagePullBackOff
    await until('ErrImagePull', async () => (await events('noimage')).includes('Failed Error: ErrImagePull'), 10_000);
    await until('ImagePullBackOff', async () => (await get('noimage')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', 30_000);
    const ev = await events('noimage');
    assert.ok(ev.some((e) => e.startsWith('Failed Failed to pull image "vfarcic/go-demo-2:does-not-exist"')), ev.join('\n'));
    assert.ok(ev.includes('BackOff Back-off pulling image "vfarcic/go-demo-2:does-not-exist"'), ev.join('\n'));
    await remove('noimage');
  });

  test('a configMap volume: FailedMount while missing, served once created, updated on change', async () => {
    await create({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
      spec: {
        terminationGracePeriodSeconds: 2, // httpd as PID 1 ignores SIGTERM
        containers: [{ name: 'web', image: 'busybox:latest', command: ['httpd', '-f', '-p', '80', '-h', '/www'], volumeMounts: [{ name: 'site', mountPath: '/www' }] }],
        volumes: [{ name: 'site', configMap: { name: 'site' } }],
      },
    });
    await until('FailedMount', async () => (await events('web')).includes('FailedMount MountVolume.SetUp failed for volume "site" : configmap "site" not found'));
    await client.create(CONFIGMAPS, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'site' }, data: { 'index.html': 'v1\n' } });
    const p = await running('web');
    assert.equal(await until('v1', async () => (await fetch(`http://${p.status.podIP}/index.html`)).text()), 'v1\n');
    await client.patch(CONFIGMAPS, 'default', 'site', 'application/merge-patch+json', { data: { 'index.html': 'v2\n' } });
    await until('v2', async () => (await (await fetch(`http://${p.status.podIP}/index.html`)).text()) === 'v2\n');
    await remove('web');
  });

  test('a kubelet restart restarts nothing that runs', async () => {
    const created = await create(spec('pod/go-demo-2.yml'), 'survivor');
    await running('survivor', 2);
    const before = docker('ps', '-q', '--no-trunc', '--filter', `label=io.kubernetes.pod.uid=${created.metadata?.uid}`).split('\n').filter(Boolean).sort();
    assert.equal(before.length, 3);
    await kubelet.stop();
    kubelet = startKubelet(cp, rootDir, healthPort);
    await until('kubelet ready again', async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200);
    await new Promise((r) => setTimeout(r, 3000));
    const after = docker('ps', '-q', '--no-trunc', '--filter', `label=io.kubernetes.pod.uid=${created.metadata?.uid}`).split('\n').filter(Boolean).sort();
    assert.deepEqual(after, before);
    const p = await get('survivor');
    assert.equal(p.status.phase, 'Running');
    for (const cs of p.status.containerStatuses) assert.equal(cs.restartCount, 0);
    await remove('survivor');
  });
});
