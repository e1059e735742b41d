// SPDX-License-Identifier: Apache-2.0
// End to end: the real `berth` binary against a real apiserver process (with real etcd
// and NATS from the harness), replaying the book's chapter 3-5 sessions, and exec through
// the NATS node tunnel to a node stood in for in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectNats, type NatsConnection } from '@berth/events';
import { GrpcApiClient } from '@berth/grpc';
import { serveNodeTunnel, TunnelError } from '@berth/node-tunnel';
import { MemoryRuntime, toyExec } from '@berth/runtime';
import { freePort, startEtcd, startNats, type EtcdServer, type NatsServer } from '@berth/testing';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/berth.mjs');
const SPECS = join(import.meta.dirname, '../../../../../shared/k8s-specs');

let etcd: EtcdServer;
let nats: NatsServer;
let apiserver: ChildProcess;
let home: string;
let port: number;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function berth(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: SPECS,
      env: { PATH: process.env['PATH'] ?? '', HOME: home, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

async function waitForApiserver(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await berth(['get', 'ns']);
    if (r.code === 0) return;
    if (Date.now() > deadline) throw new Error(`apiserver did not come up: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

before(async () => {
  [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  port = await freePort();
  apiserver = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'apps/apiserver/src/main.ts'), '--insecure', '--bind-address', `127.0.0.1:${port}`, '--etcd-servers', etcd.endpoint, '--nats-url', nats.url, '--log-level', 'error'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  home = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(home, '.berth'));
  writeFileSync(
    join(home, '.berth', 'config'),
    `apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: http://127.0.0.1:${port}\ncontexts:\n- name: local\n  context:\n    cluster: local\n    user: local\nusers:\n- name: local\n  user: {}\ncurrent-context: local\n`,
  );
  await waitForApiserver();
});

after(async () => {
  apiserver?.kill('SIGTERM');
  await new Promise((r) => (apiserver?.exitCode !== null ? r(undefined) : apiserver.once('exit', r)));
  await Promise.all([etcd?.stop(), nats?.stop()]);
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('berth against a real apiserver', () => {
  test('chapter 3: pods', async () => {
    assert.deepEqual(await berth(['create', '-f', 'pod/db.yml']), { code: 0, stdout: 'pod/db created\n', stderr: '' });
    const get = await berth(['get', 'pods']);
    assert.equal(get.code, 0);
    assert.match(get.stdout, /^NAME +READY +STATUS +RESTARTS +AGE\ndb +0\/1 +\S+ +0 +\d+s\n$/);
    assert.match((await berth(['get', 'pods', '-o', 'wide'])).stdout, /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE/);
    const json = JSON.parse((await berth(['get', 'pods', 'db', '-o', 'json'])).stdout) as { kind: string; metadata: { labels: Record<string, string> } };
    assert.equal(json.kind, 'Pod');
    assert.equal(json.metadata.labels['vendor'], 'MongoLabs');
    assert.equal((await berth(['get', '-f', 'pod/db.yml', '-o', 'jsonpath={.spec.containers[*].name}'])).stdout, 'db');
    const described = await berth(['describe', 'pod', 'db']);
    assert.equal(described.code, 0);
    assert.match(described.stdout, /^Name: +db\nNamespace: +default\n/);
    const again = await berth(['create', '-f', 'pod/db.yml']);
    assert.deepEqual(again, { code: 1, stdout: '', stderr: 'Error from server (AlreadyExists): error when creating "pod/db.yml": pods "db" already exists\n' });
    assert.deepEqual(await berth(['delete', '-f', 'pod/db.yml']), { code: 0, stdout: 'pod "db" deleted\n', stderr: '' });
    assert.deepEqual(await berth(['get', 'pods']), { code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
  });

  test('chapters 4 and 5: replica sets and services, apply and expose', async () => {
    assert.equal((await berth(['create', '-f', 'rs/go-demo-2.yml', '--save-config'])).stdout, 'replicaset.apps/go-demo-2 created\n');
    assert.match((await berth(['get', 'rs'])).stdout, /^NAME +DESIRED +CURRENT +READY +AGE\ngo-demo-2 +2 +/);
    assert.equal((await berth(['apply', '-f', 'rs/go-demo-2.yml'])).stdout, 'replicaset.apps/go-demo-2 unchanged\n');
    assert.equal((await berth(['apply', '-f', 'rs/go-demo-2-scaled.yml'])).stdout, 'replicaset.apps/go-demo-2 configured\n');
    assert.match((await berth(['get', 'rs', 'go-demo-2'])).stdout, /\ngo-demo-2 +4 +/);
    // --cascade=false leaves an orphan finalizer that only the garbage collector removes.
    assert.equal((await berth(['delete', '-f', 'rs/go-demo-2.yml'])).stdout, 'replicaset.apps "go-demo-2" deleted\n');
    const created = await berth(['create', '-f', 'svc/go-demo-2-rs.yml']);
    assert.equal(created.code, 0, created.stderr);
    const exposed = await berth(['expose', 'rs', 'go-demo-2', '--name=go-demo-2-svc', '--target-port=28017', '--type=NodePort']);
    assert.deepEqual(exposed, { code: 0, stdout: 'service/go-demo-2-svc exposed\n', stderr: '' });
    // (The node port is allocated by the apiserver's service registry; the CLI only sends the type.)
    assert.equal((await berth(['get', 'svc', 'go-demo-2-svc', '-o', 'jsonpath={.spec.ports[0].targetPort}'])).stdout, '28017');
    assert.match((await berth(['get', 'svc', 'go-demo-2-svc'])).stdout, /^go-demo-2-svc +NodePort +\S+ +<none> +28017(:\d+)?\/TCP +/m);
    const all = await berth(['get', 'all']);
    assert.match(all.stdout, /^service\/go-demo-2-svc /m);
    assert.match(all.stdout, /^replicaset\.apps\/go-demo-2 /m);
    assert.equal((await berth(['delete', 'svc', 'go-demo-2-svc'])).stdout, 'service "go-demo-2-svc" deleted\n');
  });

  test('imperative commands: namespaces, config maps, label, scale, rollout history', async () => {
    assert.equal((await berth(['create', 'ns', 'testing'])).stdout, 'namespace/testing created\n');
    assert.equal((await berth(['--namespace', 'testing', 'create', 'cm', 'my-config', '--from-literal=something=else'])).stdout, 'configmap/my-config created\n');
    assert.match((await berth(['get', 'cm', '-n', 'testing', '-o', 'yaml', 'my-config'])).stdout, /something: else/);
    assert.equal((await berth(['create', '-f', 'deploy/go-demo-2-api.yml', '--record'])).stdout, 'deployment.apps/go-demo-2-api created\n');
    assert.equal((await berth(['scale', 'deployment', 'go-demo-2-api', '--replicas', '8', '--record'])).stdout, 'deployment.apps/go-demo-2-api scaled\n');
    assert.equal((await berth(['label', 'deploy/go-demo-2-api', 'tier=web'])).stdout, 'deployment.apps/go-demo-2-api labeled\n');
    assert.match((await berth(['get', 'deploy', '--show-labels'])).stdout, /tier=web/);
    assert.match((await berth(['version'])).stdout, /^Client Version: v\S+\nServer Version: v\S+\n$/);
    assert.match((await berth(['cluster-info'])).stdout, new RegExp(`^Berth control plane is running at http://127.0.0.1:${port}\n`));
  });

  test('auth can-i: the apiserver answers the review', async () => {
    assert.deepEqual(await berth(['auth', 'can-i', 'get', 'pods']), { code: 0, stdout: 'yes\n', stderr: '' });
    assert.deepEqual(await berth(['auth', 'can-i', '*', '*', '-A']), { code: 0, stdout: 'yes\n', stderr: '' });
    const list = await berth(['auth', 'can-i', '--list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^Resources +Non-Resource URLs +Resource Names +Verbs\n/);
    assert.match(list.stdout, /^\*\.\* +\[\] +\[\] +\[\*\]$/m);
  });

  test('bad input: one clear line, exit 1, no stack trace', async () => {
    assert.deepEqual(await berth(['get', 'pods', '--foo']), { code: 1, stdout: '', stderr: "error: unknown flag: --foo\nSee 'berth get --help' for usage.\n" });
    assert.deepEqual(await berth(['get', 'foo']), { code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "foo"\n' });
    assert.deepEqual(await berth(['create', '-f', 'nope.yml']), { code: 1, stdout: '', stderr: 'error: the path "nope.yml" does not exist\n' });
    const bad = await berth(['create', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: error parsing STDIN: /);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
    const invalid = await berth(['create', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Pod\nmetadata: {name: Bad_Name}\nspec: {containers: [{name: a, image: b}]}\n' });
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^The Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"/);
    const deadPort = await freePort();
    const refused = await berth(['get', 'pods', '--server', `http://127.0.0.1:${deadPort}`]);
    assert.deepEqual(refused, {
      code: 1,
      stdout: '',
      stderr: `The connection to the server 127.0.0.1:${deadPort} was refused - did you specify the right host or port?\n`,
    });
  });
});

describe('berth exec through a real apiserver and the NATS node tunnel', () => {
  // The node: the kubelet's tunnel server over MemoryRuntime, whose containers run the toy
  // shell (cat, echo, stty size, exit), in this process; everything else is real.
  const NODE = 'e2e-node';
  const runtime = new MemoryRuntime({ images: ['busybox'], interactiveExec: toyExec });
  let nodeNc: NatsConnection;
  let stopTunnel: () => void;
  let containerId = '';

  before(async () => {
    nodeNc = await connectNats(nats.url, NODE);
    const sb = await runtime.runSandbox({ pod: { uid: 'u1', name: 'shell', namespace: 'default' }, attempt: 0, hostname: 'shell', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    containerId = await runtime.createContainer(sb.id, { name: 'sh', attempt: 0, image: 'busybox', env: [], mounts: [] });
    await runtime.startContainer(containerId);
    stopTunnel = serveNodeTunnel({
      nc: nodeNc,
      nodeName: NODE,
      runtime,
      resolve: async (_ns, pod) => {
        if (pod !== 'shell') throw new TunnelError('NotFound', `pods "${pod}" not found`);
        return containerId;
      },
    });
    await nodeNc.flush();
    // The pod, bound to the node and reported running, as the scheduler and kubelet would.
    const client = new GrpcApiClient({ addresses: [`127.0.0.1:${port}`] });
    try {
      const pods = { group: '', version: 'v1', resource: 'pods' };
      const p = await client.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shell' }, spec: { nodeName: NODE, containers: [{ name: 'sh', image: 'busybox' }] } });
      await client.update(pods, 'default', { ...p, status: { phase: 'Running', containerStatuses: [{ name: 'sh', state: { running: { startedAt: '2024-01-01T00:00:00Z' } }, ready: true, restartCount: 0, image: 'busybox', imageID: '' }] } }, { subresource: 'status' });
    } finally {
      client.close();
    }
  });

  after(async () => {
    stopTunnel?.();
    await nodeNc?.close();
  });

  test('stdout, stderr and the exit code of the command', async () => {
    assert.deepEqual(await berth(['exec', 'shell', '--', 'echo', 'hello']), { code: 0, stdout: 'hello\n', stderr: '' });
    assert.deepEqual(await berth(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']), {
      code: 3,
      stdout: 'out\n',
      stderr: 'err\ncommand terminated with exit code 3\n',
    });
  });

  test('-i: stdin round trip through cat, bytes intact', async () => {
    assert.deepEqual(await berth(['exec', '-i', 'shell', '--', 'cat'], { stdin: 'hello from stdin\n' }), { code: 0, stdout: 'hello from stdin\n', stderr: '' });
    // Not a terminal: -t is dropped with kubectl's line, the session goes on.
    assert.deepEqual(await berth(['exec', '-it', 'shell', '--', 'cat'], { stdin: 'x\n' }), {
      code: 0,
      stdout: 'x\n',
      stderr: 'Unable to use a TTY - input is not a terminal or the right kind of file\n',
    });
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0xc3, 10]);
    const out = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'exec', '-i', 'shell', '--', 'cat'], { cwd: SPECS, env: { PATH: process.env['PATH'] ?? '', HOME: home } });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`exit ${code}`))));
      child.stdin.end(bytes);
    });
    assert.deepEqual(out, bytes);
  });

  test('Kubernetes\' errors for a wrong container and a missing pod', async () => {
    assert.deepEqual(await berth(['exec', 'shell', '-c', 'nope', '--', 'ls']), { code: 1, stdout: '', stderr: 'Error from server (BadRequest): container nope is not valid for pod shell\n' });
    assert.deepEqual(await berth(['exec', 'nope', '--', 'ls']), { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
  });
});
