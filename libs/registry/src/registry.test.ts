// SPDX-License-Identifier: Apache-2.0
// The registry without any transport, over MemoryStorage: strategies, subresources and
// deletion rules as a gRPC or REST front end would see them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusError, serviceUnavailable, type KubeObject, type ResourceRef } from '@berth/api';
import { MemoryStorage } from '@berth/storage';
import { Registry } from './registry';

const ref = (resource: string, namespace = 'default', name = '', group = '', subresource = ''): ResourceRef => ({
  group,
  version: group === 'apps' ? 'v1' : 'v1',
  resource,
  namespace,
  name,
  subresource,
});
const ctx = {};
let registry: Registry;

async function rejects(p: Promise<unknown>, reason: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StatusError, String(e));
    assert.equal(e.reason, reason, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

before(async () => {
  registry = new Registry({ storage: new MemoryStorage() });
  await registry.start();
});
after(() => registry.stop());

describe('Registry', () => {
  test('pods start Pending with their QoS class and defaults applied; status is server-owned', async () => {
    const { object } = await registry.create(ctx, ref('pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db' },
      spec: { containers: [{ name: 'db', image: 'mongo:3.3', resources: { limits: { cpu: '500m', memory: '100Mi' } } }] },
      status: { phase: 'Running' },
    }, {});
    const spec = object['spec'] as { restartPolicy: string; containers: { imagePullPolicy: string; resources: { requests: unknown } }[] };
    assert.deepEqual(object['status'], { phase: 'Pending', qosClass: 'Guaranteed' });
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(spec.containers[0]?.resources.requests, { cpu: '500m', memory: '100Mi' }, 'requests default to limits');
  });

  test('an unscheduled pod is deleted at once; changing a running pod\'s image is allowed, its containers are not', async () => {
    const base = { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await registry.create(ctx, ref('pods'), { ...base, metadata: { name: 'pending' } }, {});
    await registry.delete(ctx, ref('pods', 'default', 'pending'), {});
    await rejects(registry.get(ctx, ref('pods', 'default', 'pending'), {}), 'NotFound');

    const { object } = await registry.create(ctx, ref('pods'), { ...base, metadata: { name: 'upd' } }, {});
    type Spec = { containers: { name: string; image: string }[] };
    const retagged = structuredClone(object);
    (retagged['spec'] as Spec).containers[0]!.image = 'busybox:1.36';
    const { object: updated } = await registry.update(ctx, ref('pods', 'default', 'upd'), retagged, {});
    assert.equal((updated['spec'] as Spec).containers[0]?.image, 'busybox:1.36');
    const renamed = structuredClone(updated);
    (renamed['spec'] as Spec).containers.push({ name: 'extra', image: 'busybox' });
    await rejects(registry.update(ctx, ref('pods', 'default', 'upd'), renamed, {}), 'Invalid', /spec.containers: Forbidden: pod updates may not add or remove containers/);
  });

  test('a status write keeps the stored spec and metadata, types the status, and still rejects unknown fields', async () => {
    const { object: pod } = await registry.create(ctx, ref('pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'st', labels: { app: 'st' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    }, {});
    const statusRef = { ...ref('pods', 'default', 'st'), subresource: 'status' };
    const patch = { metadata: { labels: { app: 'changed' } }, spec: { nodeName: 'n1' }, status: { phase: 'Running', startTime: '2026-12-07T10:00:00.000Z' } };
    const { object } = await registry.patch(ctx, statusRef, 'application/merge-patch+json', patch, {});
    assert.deepEqual(object['spec'], pod['spec']);
    assert.deepEqual(object.metadata?.labels, { app: 'st' });
    assert.equal((object['status'] as { phase: string; startTime: string }).startTime, '2026-12-07T10:00:00Z');
    assert.equal((object['status'] as { phase: string }).phase, 'Running');
    await rejects(
      registry.patch(ctx, statusRef, 'application/merge-patch+json', { spec: { bogus: 1 }, status: { phase: 'Running' } }, { fieldValidation: 'Strict' }),
      'BadRequest',
      /unknown field "spec.bogus"/,
    );
    await rejects(registry.update(ctx, statusRef, { ...object, status: { phase: 7 } }, {}), 'BadRequest', /phase/);
  });

  test('strategic merge patch changes one container by name', async () => {
    await registry.create(ctx, ref('deployments', 'default', '', 'apps'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2:1.0' }, { name: 'side', image: 'busybox' }] } },
      },
    }, {});
    const { object } = await registry.patch(
      ctx,
      ref('deployments', 'default', 'api', 'apps'),
      'application/strategic-merge-patch+json',
      { spec: { template: { spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2:2.0' }] } } } },
      {},
    );
    const containers = ((object['spec'] as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers);
    assert.deepEqual(containers.map((c) => `${c.name}=${c.image}`), ['api=vfarcic/go-demo-2:2.0', 'side=busybox']);
    assert.equal(object.metadata?.generation, 2);
    await rejects(
      registry.patch(ctx, ref('deployments', 'default', 'api', 'apps'), 'application/json-patch+json', [{ op: 'test', path: '/spec/replicas', value: 5 }], {}),
      'Invalid',
      /jsonpatch test operation does not apply/,
    );
    await rejects(registry.patch(ctx, ref('deployments', 'default', 'api', 'apps'), 'text/plain', {}, {}), 'UnsupportedMediaType');
  });

  test('dry run validates and defaults without storing', async () => {
    const { object } = await registry.create(ctx, ref('configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } }, { dryRun: true });
    assert.equal(object.metadata?.name, 'dry');
    await rejects(registry.get(ctx, ref('configmaps', 'default', 'dry'), {}), 'NotFound');
  });

  test('a body of another kind than the resource is refused', async () => {
    await rejects(
      registry.create(ctx, ref('configmaps'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, {}),
      'BadRequest',
      /does not match the expected API version/,
    );
  });

  test('events are unavailable without an event stream, with a clear error', async () => {
    await rejects(registry.list(ctx, ref('events'), {}), 'ServiceUnavailable', /no event stream configured/);
  });

  test('watch delivers changes filtered by label selector', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const listed = await registry.list(ctx, ref('configmaps'), {});
    const done = (async () => {
      for await (const ev of registry.watch({ signal: ac.signal }, ref('configmaps'), { labelSelector: 'app=web', resourceVersion: listed.metadata.resourceVersion })) {
        seen.push(`${ev.type} ${ev.object.metadata?.name}`);
        if (seen.length === 2) ac.abort();
      }
    })();
    const mk = (name: string, app: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app } } });
    await registry.create(ctx, ref('configmaps'), mk('other', 'db'), {});
    await registry.create(ctx, ref('configmaps'), mk('web-1', 'web'), {});
    await registry.delete(ctx, ref('configmaps', 'default', 'web-1'), {});
    await done;
    assert.deepEqual(seen, ['ADDED web-1', 'DELETED web-1']);
  });
});

describe('Registry: generated names', () => {
  test('a pod created with generateName is stored under its generated name', async () => {
    const r = new Registry({ storage: new MemoryStorage() });
    await r.start();
    try {
      const { object } = await r.create({}, ref('pods'), { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'pi-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, {});
      const name = object.metadata?.name ?? '';
      assert.match(name, /^pi-[a-z0-9]{5}$/);
      assert.equal((await r.get({}, ref('pods', 'default', name), {})).metadata?.name, name);
    } finally {
      r.stop();
    }
  });
});

describe('the kubernetes Service endpoints', () => {
  test('each apiserver adds its advertise address; the EndpointSlice mirrors them; a delete is repaired', async () => {
    const storage = new MemoryStorage();
    const a = new Registry({ storage, advertise: { ip: '172.31.0.1', port: 6443 } });
    const b = new Registry({ storage, advertise: { ip: '172.31.0.2', port: 6443 } });
    await a.start();
    await b.start();
    try {
      const eps = await b.get(ctx, ref('endpoints', 'default', 'kubernetes'), {});
      assert.deepEqual(eps['subsets'], [{ addresses: [{ ip: '172.31.0.1' }, { ip: '172.31.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
      const slice = await b.get(ctx, { ...ref('endpointslices', 'default', 'kubernetes'), group: 'discovery.k8s.io' }, {});
      assert.equal(slice.metadata?.labels?.['kubernetes.io/service-name'], 'kubernetes');
      assert.deepEqual((slice['endpoints'] as { addresses: string[] }[]).map((e) => e.addresses[0]), ['172.31.0.1', '172.31.0.2']);

      await a.delete(ctx, ref('endpoints', 'default', 'kubernetes'), {});
      await a.reconcileKubernetesEndpoints();
      const back = await a.get(ctx, ref('endpoints', 'default', 'kubernetes'), {});
      assert.deepEqual((back['subsets'] as { addresses: unknown[] }[])[0]?.addresses, [{ ip: '172.31.0.1' }]);
    } finally {
      a.stop();
      b.stop();
    }
  });
});

describe('Registry: exec', () => {
  type Call = { node: string; req: unknown; input: unknown[] };
  const calls: Call[] = [];
  const r = new Registry({
    storage: new MemoryStorage(),
    // The node side, stood in for: records what it was asked and what input reached it.
    nodeExec: {
      async *exec(node, req, input) {
        const call: Call = { node, req, input: [] };
        calls.push(call);
        for await (const m of input) call.input.push(m.type === 'stdin' ? Buffer.from(m.data).toString() : m);
        yield { type: 'stdout', data: Buffer.from('out') };
        yield { type: 'exit', exitCode: 3 };
      },
    },
  });
  const podRef = (name: string): ResourceRef => ref('pods', 'default', name);
  const run = async (opts: Partial<Parameters<Registry['exec']>[1]>, input: unknown[] = []): Promise<unknown[]> => {
    const out: unknown[] = [];
    const source = (async function* () {
      yield* input as never[];
    })();
    for await (const ev of r.exec(ctx, { namespace: 'default', name: 'db', command: ['ls'], ...opts }, source)) {
      out.push(ev.type === 'exit' ? ev : { type: ev.type, data: Buffer.from(ev.data).toString() });
    }
    return out;
  };
  const pod = (name: string, containers: string[], nodeName?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
  });
  const setRunning = async (name: string, states: Record<string, object>): Promise<void> => {
    const p = await r.get(ctx, podRef(name), {});
    p['status'] = { phase: 'Running', containerStatuses: Object.entries(states).map(([n, state]) => ({ name: n, state, ready: true, restartCount: 0, image: 'busybox', imageID: '' })) };
    await r.update(ctx, { ...podRef(name), subresource: 'status' }, p, {});
  };

  before(async () => {
    await r.start();
    await r.create(ctx, ref('pods'), pod('db', ['db'], 'node1'), {});
    await setRunning('db', { db: { running: { startedAt: '2024-01-01T00:00:00Z' } } });
    await r.create(ctx, ref('pods'), pod('two', ['a', 'b'], 'node1'), {});
    await setRunning('two', { a: { running: {} }, b: { waiting: { reason: 'ContainerCreating' } } });
    await r.create(ctx, ref('pods'), pod('pending', ['c']), {});
  });
  after(() => r.stop());

  test('runs on the pod\'s node with the only container; output and the exit code come back', async () => {
    calls.length = 0;
    const out = await run({ stdin: true, tty: true }, [{ type: 'stdin', data: Buffer.from('hi') }, { type: 'resize', cols: 80, rows: 24 }, { type: 'closeStdin' }]);
    assert.deepEqual(out, [{ type: 'stdout', data: 'out' }, { type: 'exit', exitCode: 3 }]);
    assert.deepEqual(calls, [{
      node: 'node1',
      req: { namespace: 'default', pod: 'db', container: 'db', command: ['ls'], stdin: true, tty: true },
      input: ['hi', { type: 'resize', cols: 80, rows: 24 }, { type: 'closeStdin' }],
    }]);
  });

  test('stdin is dropped without -i, resizes without -t; the end of the input ends stdin', async () => {
    calls.length = 0;
    await run({}, [{ type: 'stdin', data: Buffer.from('hi') }, { type: 'resize', cols: 80, rows: 24 }, { type: 'closeStdin' }]);
    assert.deepEqual(calls[0]?.input, []);
    assert.deepEqual(calls[0]?.req, { namespace: 'default', pod: 'db', container: 'db', command: ['ls'] });
    calls.length = 0;
    await run({ stdin: true }, [{ type: 'stdin', data: Buffer.from('hi') }, { type: 'resize', cols: 80, rows: 24 }, { type: 'closeStdin' }]);
    assert.deepEqual(calls[0]?.input, ['hi', { type: 'closeStdin' }]);
    // The end of the input ends stdin; nothing goes after the end of stdin.
    calls.length = 0;
    await run({ stdin: true }, [{ type: 'stdin', data: Buffer.from('a') }]);
    await run({ stdin: true }, [{ type: 'closeStdin' }, { type: 'stdin', data: Buffer.from('late') }]);
    assert.deepEqual(calls.map((c) => c.input), [['a', { type: 'closeStdin' }], [{ type: 'closeStdin' }]]);
  });

  test('Kubernetes\' errors: missing pod, ambiguous or unknown container, no host, not running, no command', async () => {
    calls.length = 0;
    await rejects(run({ name: 'nope' }), 'NotFound', /^pods "nope" not found$/);
    await rejects(run({ name: 'two' }), 'BadRequest', /^a container name must be specified for pod two, choose one of: \[a b\]$/);
    await rejects(run({ container: 'x' }), 'BadRequest', /^container x is not valid for pod db$/);
    await rejects(run({ name: 'pending' }), 'BadRequest', /^pod pending does not have a host assigned$/);
    await rejects(run({ name: 'two', container: 'b' }), 'BadRequest', /^unable to upgrade connection: container not found \("b"\)$/);
    await rejects(run({ command: [] }), 'BadRequest', /^you must specify at least one command for the container$/);
    assert.deepEqual(calls, [], 'nothing reached a node');
    assert.deepEqual(await run({ name: 'two', container: 'a' }), [{ type: 'stdout', data: 'out' }, { type: 'exit', exitCode: 3 }]);
  });

  test('without a node tunnel exec is unavailable, with a clear error', async () => {
    await rejects(
      (async () => {
        for await (const _ of registry.exec(ctx, { namespace: 'default', name: 'db', command: ['ls'] }, (async function* () {})())) void _;
      })(),
      'ServiceUnavailable',
      /^exec is not available: this apiserver has no node tunnel/,
    );
  });
});

describe('Registry: stats', () => {
  const asked: string[] = [];
  const r = new Registry({
    storage: new MemoryStorage(),
    // The node side, stood in for: node1 answers, node2's kubelet is down.
    nodeStats: {
      async stats(node) {
        asked.push(node);
        if (node === 'node2') throw serviceUnavailable(`node ${node} did not answer: no kubelet of node ${node} is connected`);
        return { node: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: node }, timestamp: '2024-01-01T12:00:00Z', window: '10s', usage: { cpu: '1', memory: '1Gi' } }, pods: [] };
      },
    },
  });
  before(async () => {
    await r.start();
    for (const name of ['node1', 'node2']) await r.create(ctx, ref('nodes', ''), { apiVersion: 'v1', kind: 'Node', metadata: { name } }, {});
  });
  after(() => r.stop());

  test('asks an existing node; an unknown node is NotFound without asking; a node down is ServiceUnavailable', async () => {
    const s = await r.stats(ctx, 'node1');
    assert.equal(s.node?.usage['cpu'], '1');
    await rejects(r.stats(ctx, 'nope'), 'NotFound', /^nodes "nope" not found$/);
    await rejects(r.stats(ctx, 'node2'), 'ServiceUnavailable', /^node node2 did not answer/);
    await rejects(r.stats(ctx, ''), 'BadRequest', /^a node name is required$/);
    assert.deepEqual(asked, ['node1', 'node2']);
  });

  test('without a node tunnel stats are unavailable, with a clear error', async () => {
    await rejects(registry.stats(ctx, 'node1'), 'ServiceUnavailable', /^metrics are not available: this apiserver has no node tunnel/);
  });
});
