// SPDX-License-Identifier: Apache-2.0
// Integration tests against a real dockerd (started by scripts/start-dockerd.sh when not running).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImagePullError, type PodRef } from '@berth/runtime';
import { DockerRuntime } from './docker-runtime';

const root = resolve(import.meta.dirname, '../../..');

function ensureDockerAndImages(): void {
  try {
    execFileSync('bash', [`${root}/scripts/start-dockerd.sh`], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`dockerd could not be started by scripts/start-dockerd.sh: ${(err as { stderr?: Buffer }).stderr?.toString() ?? err}`);
  }
  execFileSync('bash', [`${root}/deploy/images/build.sh`], { stdio: 'pipe', env: { ...process.env, BERTH_IMAGES: 'pause busybox node mongo go-demo-2' } });
}

describe('DockerRuntime', () => {
  const node = `rt${process.pid % 10000}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'runtime-docker-'));
  const rt = new DockerRuntime({ nodeName: node, podCidr: '10.251.7.0/24', networkName: `berth-test-${node}`, stateDir });
  const pod: PodRef = { uid: randomUUID(), name: 'db', namespace: 'default' };

  before(async () => {
    ensureDockerAndImages();
    await rt.init();
  });

  after(async () => {
    for (const c of await rt.listContainers()) await rt.removeContainer(c.id);
    for (const s of await rt.listSandboxes()) await rt.removeSandbox(s.id);
    rt.close();
    await rt.removeNetwork();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('a pod: sandbox with a static IP, a container sharing its network, logs, exec, names and labels', async () => {
    const sb = await rt.runSandbox({
      pod, attempt: 0, hostname: 'db', dnsServers: ['10.96.0.10'],
      dnsSearches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], dnsOptions: ['ndots:5'],
    });
    assert.match(sb.ip, /^10\.251\.7\.\d+$/);
    const id = await rt.createContainer(sb.id, { name: 'db', attempt: 0, image: 'mongo:3.3', command: ['mongod'], args: ['--rest', '--httpinterface'], env: [{ name: 'A', value: '1' }], mounts: [] });
    await rt.startContainer(id);
    const info = await rt.inspectContainer(id);
    assert.equal(info.state, 'running');
    assert.equal(info.name, 'db');
    assert.equal(info.pod.uid, pod.uid);
    assert.match(info.imageRef, /^docker:\/\/sha256:/);
    const names = execFileSync('/usr/bin/docker', ['ps', '--filter', `label=io.kubernetes.pod.uid=${pod.uid}`, '--format', '{{.Names}}']).toString();
    assert.match(names, new RegExp(`k8s_db_db_default_${pod.uid}_0`));
    assert.match(names, new RegExp(`k8s_POD_db_default_${pod.uid}_0`));

    // the pod answers on its IP from the host, and the container sees the sandbox's hostname and DNS
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await fetch(`http://${sb.ip}:28017/`).then((r) => r.text()).catch(() => '');
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(body, /mongod/);
    const hn = await rt.execSync(id, ['sh', '-c', 'hostname; cat /etc/resolv.conf; echo $A'], 5000);
    assert.equal(hn.exitCode, 0);
    assert.match(hn.output, /^db\n/);
    assert.match(hn.output, /nameserver 10\.96\.0\.10/);
    assert.match(hn.output, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    assert.match(hn.output, /options ndots:5/);
    assert.match(hn.output, /\n1\n$/);
    const fail = await rt.execSync(id, ['sh', '-c', 'exit 3'], 5000);
    assert.equal(fail.exitCode, 3);

    let logs = '';
    for await (const chunk of rt.logs(id, { tail: 10 })) logs += Buffer.from(chunk.data).toString();
    assert.match(logs, /waiting for connections on port 27017/);

    const stats = await rt.stats(id);
    assert.ok(stats.memoryWorkingSetBytes > 1 << 20, `working set ${stats.memoryWorkingSetBytes}`);
    assert.ok(stats.cpuUsageNanos > 0);

    await rt.stopContainer(id, 5);
    const stopped = await rt.inspectContainer(id);
    assert.equal(stopped.state, 'exited');
    assert.ok(stopped.finishedAt);
  });

  test('a single-container pod: no pause container, the container holds the pod IP across restarts and a kubelet restart', async () => {
    const p1: PodRef = { uid: randomUUID(), name: 'solo', namespace: 'default' };
    const sb = await rt.runSandbox({ pod: p1, attempt: 0, hostname: 'solo', dnsServers: ['10.96.0.10'], dnsSearches: ['default.svc.cluster.local'], dnsOptions: [], singleContainer: true });
    assert.match(sb.ip, /^10\.251\.7\.\d+$/);
    assert.equal(sb.state, 'ready');
    const run = async (attempt: number): Promise<string> => {
      const id = await rt.createContainer(sb.id, { name: 'c', attempt, image: 'busybox', command: ['sh', '-c', 'hostname; ip -4 addr show eth0; cat /etc/resolv.conf; sleep 30'], env: [], mounts: [] });
      await rt.startContainer(id);
      return id;
    };
    const first = await run(0);
    const names = execFileSync('/usr/bin/docker', ['ps', '-a', '--filter', `label=io.kubernetes.pod.uid=${p1.uid}`, '--format', '{{.Names}}']).toString().trim();
    assert.equal(names, `k8s_c_solo_default_${p1.uid}_0`);
    const seen = async (id: string): Promise<string> => {
      let out = '';
      for (let i = 0; i < 50 && !/nameserver/.test(out); i++) {
        out = '';
        for await (const chunk of rt.logs(id, {})) out += Buffer.from(chunk.data).toString();
        if (!/nameserver/.test(out)) await new Promise((r) => setTimeout(r, 100));
      }
      return out;
    };
    const out = await seen(first);
    assert.match(out, /^solo\n/);
    assert.match(out, new RegExp(`inet ${sb.ip.replace(/\./g, '\\.')}/24`));
    assert.match(out, /nameserver 10\.96\.0\.10/);

    // the container dies and a new one (a restart) gets the same IP
    await rt.stopContainer(first, 0);
    assert.match(await seen(await run(1)), new RegExp(`inet ${sb.ip.replace(/\./g, '\\.')}/24`));

    // a restarted kubelet finds the sandbox, and does not hand its IP to another pod
    const again = new DockerRuntime({ nodeName: node, podCidr: '10.251.7.0/24', networkName: `berth-test-${node}`, stateDir });
    await again.init();
    try {
      const found = (await again.listSandboxes({ podUid: p1.uid }))[0];
      assert.deepEqual([found?.id, found?.state, found?.ip], [sb.id, 'ready', sb.ip]);
      const ips = new Set<string>();
      const others: string[] = [];
      for (let i = 0; i < 3; i++) {
        const o = await again.runSandbox({ pod: { uid: randomUUID(), name: `o${i}`, namespace: 'default' }, attempt: 0, hostname: 'o', dnsServers: [], dnsSearches: [], dnsOptions: [], singleContainer: true });
        ips.add(o.ip);
        others.push(o.id);
      }
      assert.ok(!ips.has(sb.ip), `${sb.ip} handed out again: ${[...ips].join(', ')}`);
      for (const id of others) await again.removeSandbox(id);

      // stopping releases the IP once; removing forgets the sandbox
      for (const c of await again.listContainers({ podUid: p1.uid })) await again.stopContainer(c.id, 0);
      await again.stopSandbox(sb.id);
      await again.stopSandbox(sb.id);
      const stopped = (await again.listSandboxes({ podUid: p1.uid }))[0];
      assert.deepEqual([stopped?.state, stopped?.ip], ['notready', '']);
      for (const c of await again.listContainers({ podUid: p1.uid })) await again.removeContainer(c.id);
      await again.removeSandbox(sb.id);
      assert.deepEqual(await again.listSandboxes({ podUid: p1.uid }), []);
    } finally {
      again.close();
    }
    await rt.removeSandbox(sb.id);
  });

  test('memory limit exceeded: OOMKilled with exit code 137', async () => {
    const p2: PodRef = { uid: randomUUID(), name: 'oom', namespace: 'default' };
    const sb = await rt.runSandbox({ pod: p2, attempt: 0, hostname: 'oom', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    const id = await rt.createContainer(sb.id, { name: 'db', attempt: 0, image: 'mongo:3.3', env: [], mounts: [], memoryLimitBytes: 10 * 1024 * 1024 });
    await rt.startContainer(id);
    let info = await rt.inspectContainer(id);
    for (let i = 0; i < 50 && info.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await rt.inspectContainer(id);
    }
    assert.equal(info.state, 'exited');
    assert.equal(info.exitCode, 137);
    assert.equal(info.oomKilled, true);
  });

  test('ping answers while dockerd does, and fails without it', async () => {
    await rt.ping();
    const nowhere = new DockerRuntime({ nodeName: 'x', podCidr: '10.251.8.0/24', socketPath: join(stateDir, 'no-such.sock'), stateDir });
    await assert.rejects(nowhere.ping());
  });

  test('a missing image fails the pull at once with ErrImagePull', async () => {
    const t0 = Date.now();
    await assert.rejects(rt.pullImage('vfarcic/go-demo-2:does-not-exist'), (err: unknown) => err instanceof ImagePullError && /pull access denied/.test(err.message));
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(await rt.imageStatus('mongo:3.3'));
  });
});
