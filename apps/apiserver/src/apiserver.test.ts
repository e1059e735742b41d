// SPDX-License-Identifier: Apache-2.0
// Integration tests of the apiserver over gRPC, against a real etcd and a real NATS
// started on free loopback ports by the harness.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { isConflict, isExpired, isNotFound, parseManifests, StatusError, type ExecInput, type KubeObject, type NodeStats, type PodExecOptions } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { connectNats, type NatsConnection } from '@berth/events';
import { GrpcApiClient } from '@berth/grpc';
import { serveNodeTunnel, TunnelError } from '@berth/node-tunnel';
import { silentLogger } from '@berth/observability';
import { MemoryRuntime, toyExec } from '@berth/runtime';
import { freePort, startEtcd, startNats, type EtcdServer, type NatsServer } from '@berth/testing';
import { startApiserver, type RunningApiserver } from './server';

const configmaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };
const pods: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };
const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const deployments: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments' };
const ingresses: ResourceType = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };
const events: ResourceType = { group: '', version: 'v1', resource: 'events' };

let etcd: EtcdServer;
let nats: NatsServer;
let apiserver: RunningApiserver;
let client: GrpcApiClient;

async function expectStatus(p: Promise<unknown>, reason: string, message?: RegExp | string): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${reason}, but the call succeeded`);
}

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

const deployment = (name: string, replicas = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
  },
});

before(async () => {
  [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const port = await freePort();
  apiserver = await startApiserver(
    { bindAddress: `127.0.0.1:${port}`, healthPort: 0, etcdServers: [etcd.endpoint], natsUrl: nats.url, logLevel: 'silent', watchCacheSize: 10_000 },
    silentLogger(),
  );
  client = new GrpcApiClient({ addresses: [apiserver.address] });
});

after(async () => {
  client?.close();
  await apiserver?.stop();
  await Promise.all([etcd?.stop(), nats?.stop()]);
});

describe('apiserver: objects', () => {
  test('create sets server metadata; get, update and delete round-trip', async () => {
    const created = await client.create(configmaps, 'default', cm('app-config'));
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(created.metadata?.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    assert.equal(created.metadata?.namespace, 'default');

    const got = await client.get(configmaps, 'default', 'app-config');
    assert.deepEqual(got['data'], { a: '1' });

    const updated = await client.update(configmaps, 'default', { ...got, data: { a: '2' } });
    assert.deepEqual(updated['data'], { a: '2' });
    assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);

    await client.delete(configmaps, 'default', 'app-config');
    await expectStatus(client.get(configmaps, 'default', 'app-config'), 'NotFound', 'configmaps "app-config" not found');
  });

  test('a second create of the same name is AlreadyExists; generateName makes unique names', async () => {
    await client.create(configmaps, 'default', cm('dup'));
    await expectStatus(client.create(configmaps, 'default', cm('dup')), 'AlreadyExists', 'configmaps "dup" already exists');
    const a: KubeObject = await client.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    const b: KubeObject = await client.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    assert.match(a.metadata?.name ?? '', /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  test('an update with a stale resourceVersion is a Conflict and changes nothing', async () => {
    const v1 = await client.create(configmaps, 'default', cm('cas'));
    await client.update(configmaps, 'default', { ...v1, data: { a: 'winner' } });
    const err = await expectStatus(client.update(configmaps, 'default', { ...v1, data: { a: 'loser' } }), 'Conflict');
    assert.ok(isConflict(err));
    assert.match(err.message, /Operation cannot be fulfilled on configmaps "cas": the object has been modified/);
    assert.deepEqual((await client.get(configmaps, 'default', 'cas'))['data'], { a: 'winner' });
  });

  test('generation counts spec changes only', async () => {
    const d = await client.create(deployments, 'default', deployment('gen'));
    assert.equal(d.metadata?.generation, 1);
    const relabeled: KubeObject = await client.update(deployments, 'default', { ...d, metadata: { ...d.metadata, labels: { x: 'y' } } });
    assert.equal(relabeled.metadata?.generation, 1);
    const scaled = await client.update(deployments, 'default', { ...relabeled, spec: { ...(relabeled['spec'] as object), replicas: 5 } });
    assert.equal(scaled.metadata?.generation, 2);
  });

  test('objects in a missing namespace are refused', async () => {
    await expectStatus(client.create(configmaps, 'nowhere', { ...cm('x'), metadata: { name: 'x', namespace: 'nowhere' } }), 'NotFound', 'namespaces "nowhere" not found');
  });

  test('the system namespaces exist from the start', async () => {
    const names = (await client.list(namespaces)).items.map((n) => n.metadata?.name);
    for (const ns of ['default', 'kube-system', 'kube-public']) assert.ok(names.includes(ns), `${ns} missing`);
    const def = await client.get(namespaces, '', 'default');
    assert.equal((def['status'] as { phase?: string }).phase, 'Active');
  });
});

describe('apiserver: lists', () => {
  test('label and field selectors filter lists', async () => {
    await client.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sel' } });
    await client.create(configmaps, 'sel', cm('db', {}, { type: 'db', vendor: 'MongoLabs' }));
    await client.create(configmaps, 'sel', cm('api', {}, { type: 'backend' }));
    await client.create(configmaps, 'sel', cm('legacy', {}, { type: 'db', legacy: 'true' }));
    const names = async (o: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> =>
      (await client.list(configmaps, { namespace: 'sel', ...o })).items.map((i) => i.metadata?.name ?? '').sort();
    assert.deepEqual(await names({ labelSelector: 'type=db' }), ['db', 'legacy']);
    assert.deepEqual(await names({ labelSelector: 'type=db,vendor=MongoLabs' }), ['db']);
    assert.deepEqual(await names({ labelSelector: 'type in (db,backend),!legacy' }), ['api', 'db']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name!=api' }), ['db', 'legacy']);
    await expectStatus(client.list(configmaps, { namespace: 'sel', fieldSelector: 'spec.bogus=1' }), 'BadRequest', /"spec.bogus" is not a known field selector: only "metadata.name", "metadata.namespace"/);
    await expectStatus(client.list(configmaps, { namespace: 'sel', labelSelector: 'type in (db' }), 'BadRequest');
  });

  test('limit and continue page through a consistent list', async () => {
    await client.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
    for (let i = 0; i < 7; i++) await client.create(configmaps, 'paging', cm(`p${i}`));
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await client.list(configmaps, { namespace: 'paging', limit: 3, ...(cont ? { continue: cont } : {}) });
      seen.push(...page.items.map((i) => i.metadata?.name ?? ''));
      cont = page.metadata.continue || undefined;
      pages++;
      if (pages === 1) await client.create(configmaps, 'paging', cm('p7-late')); // not in the snapshot being paged
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    await expectStatus(client.list(configmaps, { namespace: 'paging', limit: 3, continue: 'garbage' }), 'BadRequest', /continue key is not valid/);
    // A well-formed token whose revision is not a number is refused the same way.
    const forged = Buffer.from(JSON.stringify({ v: 'berth/1', rv: 'abc', start: '/registry/core/configmaps/paging/p0' })).toString('base64url');
    await expectStatus(client.list(configmaps, { namespace: 'paging', limit: 3, continue: forged }), 'BadRequest', /continue key is not valid/);
  });
});

describe('apiserver: subresources', () => {
  test('status updates change only status; normal updates keep status', async () => {
    const d = await client.create(deployments, 'default', deployment('st'));
    const withStatus = await client.update(deployments, 'default', { ...d, spec: { ...(d['spec'] as object), replicas: 9 }, status: { replicas: 2, readyReplicas: 1 } }, { subresource: 'status' });
    assert.equal((withStatus['spec'] as { replicas: number }).replicas, 2, 'spec must not change through status');
    assert.deepEqual(withStatus['status'], { replicas: 2, readyReplicas: 1 });
    const specUpdate = await client.update(deployments, 'default', { ...withStatus, status: { replicas: 100 } });
    assert.deepEqual(specUpdate['status'], { replicas: 2, readyReplicas: 1 }, 'status must not change through the main resource');
  });

  test('scale reads and writes spec.replicas', async () => {
    await client.create(deployments, 'default', deployment('sc', 3));
    const scale = await client.get(deployments, 'default', 'sc', { subresource: 'scale' });
    assert.equal(scale.kind, 'Scale');
    assert.deepEqual(scale['spec'], { replicas: 3 });
    assert.equal((scale['status'] as { selector?: string }).selector, 'app=sc');
    await client.update(deployments, 'default', { ...scale, spec: { replicas: 7 } }, { subresource: 'scale' });
    assert.equal(((await client.get(deployments, 'default', 'sc'))['spec'] as { replicas: number }).replicas, 7);
    await expectStatus(
      client.update(deployments, 'default', { ...scale, metadata: { name: 'sc' }, spec: { replicas: -1 } }, { subresource: 'scale' }),
      'Invalid',
      /spec.replicas: Invalid value: -1: must be greater than or equal to 0/,
    );
  });

  test('binding assigns a pod to a node once, with the PodScheduled condition', async () => {
    await client.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bindme' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } };
    await client.create(pods, 'default', binding, { subresource: 'binding' });
    const pod = await client.get(pods, 'default', 'bindme');
    assert.equal((pod['spec'] as { nodeName?: string }).nodeName, 'node-1');
    const cond = ((pod['status'] as { conditions?: { type: string; status: string }[] }).conditions ?? []).find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
    await expectStatus(client.create(pods, 'default', { ...binding, target: { kind: 'Node', name: 'node-2' } }, { subresource: 'binding' }), 'Conflict', /already assigned to node "node-1"/);
  });
});

describe('apiserver: deletion', () => {
  test('a pod on a node terminates gracefully; grace 0 removes it', async () => {
    await client.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'graceful' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] } });
    const terminating = await client.delete(pods, 'default', 'graceful');
    assert.ok(terminating.metadata?.deletionTimestamp, 'deletionTimestamp set');
    assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 30);
    assert.ok((await client.get(pods, 'default', 'graceful')).metadata?.deletionTimestamp);
    await client.delete(pods, 'default', 'graceful', { gracePeriodSeconds: 0 });
    await expectStatus(client.get(pods, 'default', 'graceful'), 'NotFound');
  });

  test('finalizers hold an object until removed; orphan propagation adds its finalizer', async () => {
    const obj = await client.create(configmaps, 'default', { ...cm('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    assert.deepEqual(obj.metadata?.finalizers, ['example.com/hold']);
    await client.delete(configmaps, 'default', 'held');
    const pending = await client.get(configmaps, 'default', 'held');
    assert.ok(pending.metadata?.deletionTimestamp);
    await client.update(configmaps, 'default', { ...pending, metadata: { ...pending.metadata, finalizers: [] } });
    await expectStatus(client.get(configmaps, 'default', 'held'), 'NotFound');

    await client.create(deployments, 'default', deployment('orphaner'));
    const orphaning = await client.delete(deployments, 'default', 'orphaner', { propagationPolicy: 'Orphan' });
    assert.deepEqual(orphaning.metadata?.finalizers, ['orphan']);
  });

  test('a terminating namespace refuses new objects', async () => {
    await client.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    const ns = await client.delete(namespaces, '', 'doomed');
    assert.equal((ns['status'] as { phase: string }).phase, 'Terminating');
    await expectStatus(
      client.create(configmaps, 'doomed', { ...cm('late'), metadata: { name: 'late', namespace: 'doomed' } }),
      'Forbidden',
      'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );
    await expectStatus(client.delete(namespaces, '', 'default'), 'Forbidden');
  });
});

describe('apiserver: watch', () => {
  test('watch from a resourceVersion replays later changes in order, then streams', async () => {
    const start = await client.create(configmaps, 'default', cm('w1'));
    await client.update(configmaps, 'default', { ...start, data: { a: 'x' } });
    await client.delete(configmaps, 'default', 'w1');
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of client.watch(configmaps, { namespace: 'default', resourceVersion: start.metadata?.resourceVersion, signal: ac.signal })) {
        if (ev.object.metadata?.name?.startsWith('w')) seen.push(`${ev.type} ${ev.object.metadata?.name}`);
        if (seen.length === 3) ac.abort();
      }
    })();
    await client.create(configmaps, 'default', cm('w2'));
    await done;
    assert.deepEqual(seen, ['MODIFIED w1', 'DELETED w1', 'ADDED w2']);
  });

  test('a watch without a version starts with the current objects as ADDED', async () => {
    await client.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wnow' } });
    await client.create(configmaps, 'wnow', cm('existing'));
    const ac = new AbortController();
    const first: string[] = [];
    for await (const ev of client.watch(configmaps, { namespace: 'wnow', signal: ac.signal })) {
      first.push(`${ev.type} ${ev.object.metadata?.name}`);
      ac.abort();
    }
    assert.deepEqual(first, ['ADDED existing']);
  });

  test('a watch from a revision older than the server keeps fails with Expired', async () => {
    // A second apiserver on the same etcd whose watch caches keep only 5 events.
    const small = await startApiserver(
      { bindAddress: `127.0.0.1:${await freePort()}`, healthPort: 0, etcdServers: [etcd.endpoint], natsUrl: '', logLevel: 'silent', watchCacheSize: 5 },
      silentLogger(),
    );
    const smallClient = new GrpcApiClient({ addresses: [small.address] });
    try {
      const old = await smallClient.create(configmaps, 'default', cm('expire-me'));
      for (let i = 0; i < 10; i++) await smallClient.create(configmaps, 'default', cm(`filler-${i}`));
      const err = await expectStatus(
        (async () => {
          for await (const _ of smallClient.watch(configmaps, { namespace: 'default', resourceVersion: old.metadata?.resourceVersion })) break;
        })(),
        'Expired',
        /too old resource version/,
      );
      assert.ok(isExpired(err));
      // A client recovers by listing again and watching from the list's version.
      const list = await smallClient.list(configmaps, { namespace: 'default' });
      const ac = new AbortController();
      const next = (async () => {
        for await (const ev of smallClient.watch(configmaps, { namespace: 'default', resourceVersion: list.metadata.resourceVersion, signal: ac.signal })) {
          ac.abort();
          return `${ev.type} ${ev.object.metadata?.name}`;
        }
      })();
      await smallClient.create(configmaps, 'default', cm('after-relist'));
      assert.equal(await next, 'ADDED after-relist');
    } finally {
      smallClient.close();
      await small.stop();
    }
  });

  test('the apiserver compacts etcd every --etcd-compaction-interval, up to what it saw one interval before', async () => {
    const etcdClient = new Etcd3({ hosts: etcd.endpoint });
    const compacting = await startApiserver(
      { bindAddress: `127.0.0.1:${await freePort()}`, healthPort: 0, etcdServers: [etcd.endpoint], natsUrl: '', logLevel: 'silent', watchCacheSize: 100, etcdCompactionIntervalMs: 150 },
      silentLogger(),
    );
    try {
      const old = await client.create(configmaps, 'default', cm('compacted-away'));
      await client.update(configmaps, 'default', { ...old, data: { a: '2' } });
      // Its version, read from etcd's history: possible until a compaction passes it.
      const readOld = () => etcdClient.get('/registry/core/configmaps/default/compacted-away').revision(old.metadata!.resourceVersion!).string();
      assert.ok(await readOld());
      const deadline = Date.now() + 10_000;
      let error: unknown;
      while (!error && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        error = await readOld().then(() => undefined, (e: unknown) => e);
      }
      assert.match(String(error), /compacted/);
      // The agreed rounds are counted in kube-apiserver's key.
      assert.ok(Number((await etcdClient.get('compact_rev_key').exec()).kvs[0]?.version ?? 0) >= 2);
    } finally {
      etcdClient.close();
      await compacting.stop();
    }
  });

  test('etcd compaction does not break the apiserver: watches resume through the cache', async () => {
    const etcdClient = new Etcd3({ hosts: etcd.endpoint });
    try {
      const rev = (await etcdClient.get('any').exec()).header.revision;
      await etcdClient.kv.compact({ revision: rev, physical: true });
    } finally {
      etcdClient.close();
    }
    const created = await client.create(configmaps, 'default', cm('post-compaction'));
    assert.equal((await client.get(configmaps, 'default', 'post-compaction')).metadata?.uid, created.metadata?.uid);
  });
});

describe('apiserver: manifests, validation and bad input', () => {
  test('the book\'s legacy apiVersions are accepted and served as current versions', async () => {
    const [dep] = parseManifests(`
apiVersion: apps/v1beta2
kind: Deployment
metadata:
  name: go-demo-2-db
spec:
  selector:
    matchLabels:
      type: db
      service: go-demo-2
  template:
    metadata:
      labels:
        type: db
        service: go-demo-2
        vendor: MongoLabs
    spec:
      containers:
      - name: db
        image: mongo:3.3
        ports:
        - containerPort: 28017
`);
    const { object } = await client.createFromManifest(deployments, 'default', dep);
    assert.equal(object.apiVersion, 'apps/v1');
    assert.equal((object['spec'] as { replicas: number }).replicas, 1, 'defaulted');
    const [ing] = parseManifests(`
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: go-demo-2
  annotations:
    kubernetes.io/ingress.class: "nginx"
spec:
  rules:
  - http:
      paths:
      - path: /demo
        backend:
          serviceName: go-demo-2-api
          servicePort: 8080
`);
    const created = await client.createFromManifest(ingresses, 'default', ing);
    const path = ((created.object['spec'] as { rules: { http: { paths: unknown[] } }[] }).rules[0]?.http.paths[0]) as { path: string; backend: unknown };
    assert.equal(path.path, '/demo');
    assert.deepEqual(path.backend, { service: { name: 'go-demo-2-api', port: { number: 8080 } } });
  });

  test('validation errors name the field with Kubernetes\' messages', async () => {
    await expectStatus(
      client.create(deployments, 'default', deployment('neg', -1)),
      'Invalid',
      'Deployment.apps "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    const err = await expectStatus(client.create(configmaps, 'default', cm('Bad_Name')), 'Invalid', /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.equal(err.status.details?.causes?.[0]?.field, 'metadata.name');
    await expectStatus(client.get(configmaps, 'default', 'Bad_Name'), 'NotFound');
  });

  test('unknown fields: rejected under Strict and nothing stored; dropped with a warning otherwise', async () => {
    const body = { ...cm('strict'), spec: { nope: true } };
    await expectStatus(client.createFromManifest(configmaps, 'default', body, { fieldValidation: 'Strict' }), 'BadRequest', /strict decoding error: unknown field "spec"/);
    await expectStatus(client.get(configmaps, 'default', 'strict'), 'NotFound');
    const warned = await client.createFromManifest(configmaps, 'default', body, { fieldValidation: 'Warn' });
    assert.deepEqual(warned.warnings, ['unknown field "spec"']);
    assert.equal(warned.object['spec'], undefined);
  });

  test('objects over 1.5 MiB are refused and the server keeps serving', async () => {
    const huge = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'BIG', value: 'x'.repeat(1_600_000) }] }] } };
    await expectStatus(client.create(pods, 'default', huge), 'RequestEntityTooLarge', /Pod "huge" is \d+ bytes; the limit is 1572864 bytes/);
    await expectStatus(client.create(pods, 'default', huge, { dryRun: true }), 'RequestEntityTooLarge', /Pod "huge" is \d+ bytes; the limit is 1572864 bytes/);
    await expectStatus(client.get(pods, 'default', 'huge'), 'NotFound');
    // ConfigMaps have their own 1 MiB limit, checked by validation.
    await expectStatus(client.create(configmaps, 'default', cm('big-cm', { big: 'x'.repeat(1_100_000) })), 'Invalid', /Too long/);
    assert.ok((await client.list(configmaps, { namespace: 'default' })).items.length > 0);
  });

  test('malformed manifests and alias bombs get clear errors', () => {
    assert.throws(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata: [unclosed'), /error parsing STDIN: error converting YAML to JSON: yaml:/);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    assert.throws(() => parseManifests(bomb), /alias/i);
  });

  test('unknown kinds and resources are clear errors', async () => {
    await expectStatus(client.createFromManifest(configmaps, 'default', { apiVersion: 'v1', kind: 'Bogus', metadata: { name: 'x' } }), 'BadRequest', 'no matches for kind "Bogus" in version "v1"');
    const err = await expectStatus(client.list({ group: '', version: 'v1', resource: 'foos' }), 'NotFound');
    assert.ok(isNotFound(err));
  });
});

describe('apiserver: health and metrics', () => {
  test('/healthz, /readyz and /metrics with request counts by verb and resource', async () => {
    await client.get(namespaces, '', 'default');
    const base = `http://127.0.0.1:${apiserver.healthPort}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /apiserver_request_total\{verb="get",resource="namespaces",code="0",component="apiserver"\} \d+/);
    assert.match(text, /apiserver_request_duration_seconds_bucket\{le="0.005",component="apiserver",verb="create",resource="configmaps"\} \d+/);
  });
});

describe('apiserver: events through NATS', () => {
  test('events written through the API are listed and watched from the stream, not etcd', async () => {
    const involved = await client.create(configmaps, 'default', cm('evented'));
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'evented.1234567890abcdef', namespace: 'default' },
      involvedObject: { kind: 'ConfigMap', namespace: 'default', name: 'evented', uid: involved.metadata?.uid, apiVersion: 'v1' },
      reason: 'Tested',
      message: 'it works',
      type: 'Normal',
      source: { component: 'test' },
      count: 1,
    };
    await client.create(events, 'default', ev);
    let found: KubeObject | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      found = (await client.list(events, { namespace: 'default', fieldSelector: 'involvedObject.name=evented' })).items[0];
      if (!found) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(found?.['reason'], 'Tested');
    assert.equal(found?.['message'], 'it works');
    const etcdClient = new Etcd3({ hosts: etcd.endpoint });
    try {
      const keys = await etcdClient.getAll().prefix('/registry/core/events/').keys();
      assert.deepEqual(keys, [], 'no event may be stored in etcd');
    } finally {
      etcdClient.close();
    }
  });
});

describe('apiserver: exec through the NATS node tunnel', () => {
  // A node stood in for by the kubelet's tunnel server over MemoryRuntime: its containers
  // run the toy shell (cat, echo, stty size, sleep, exit).
  const NODE = 'exec-node';
  let live = 0;
  const runtime = new MemoryRuntime({
    images: ['busybox'],
    interactiveExec: (c, cmd, io) => {
      live++;
      return toyExec(c, cmd, io).finally(() => live--);
    },
  });
  let nodeNc: NatsConnection;
  let stopTunnel: () => void;
  const ids = new Map<string, string>();

  const queue = (): { input: AsyncIterable<ExecInput>; push(m: ExecInput): void; end(): void } => {
    const items: ExecInput[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      wake?.();
      wake = undefined;
    };
    return {
      push: (m) => void (items.push(m), notify()),
      end: () => void ((ended = true), notify()),
      input: (async function* () {
        for (;;) {
          if (items.length) yield items.shift() as ExecInput;
          else if (ended) return;
          else await new Promise<void>((r) => (wake = r));
        }
      })(),
    };
  };
  const run = async (opts: Partial<PodExecOptions>, input: AsyncIterable<ExecInput> = queue().input, signal?: AbortSignal): Promise<string[]> => {
    const seen: string[] = [];
    for await (const ev of client.exec({ namespace: 'default', name: 'shell', command: ['true'], ...opts }, input, signal)) {
      seen.push(ev.type === 'exit' ? `exit ${ev.exitCode}` : `${ev.type} ${Buffer.from(ev.data).toString()}`);
    }
    return seen;
  };
  const runningPod = async (name: string, nodeName: string, state: object = { running: { startedAt: '2024-01-01T00:00:00Z' } }): Promise<void> => {
    const p = await client.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'sh', image: 'busybox' }] } });
    await client.update(pods, 'default', { ...p, status: { phase: 'Running', containerStatuses: [{ name: 'sh', state, ready: true, restartCount: 0, image: 'busybox', imageID: '' }] } }, { subresource: 'status' });
  };

  before(async () => {
    nodeNc = await connectNats(nats.url, NODE);
    for (const name of ['shell', 'stale']) {
      const sb = await runtime.runSandbox({ pod: { uid: name, name, namespace: 'default' }, attempt: 0, hostname: name, dnsServers: [], dnsSearches: [], dnsOptions: [] });
      const id = await runtime.createContainer(sb.id, { name: 'sh', attempt: 0, image: 'busybox', env: [], mounts: [] });
      await runtime.startContainer(id);
      ids.set(name, id);
    }
    // The status says running, the node knows better: its container has exited.
    runtime.exit(ids.get('stale') as string, 0);
    stopTunnel = serveNodeTunnel({
      nc: nodeNc,
      nodeName: NODE,
      runtime,
      resolve: async (_ns, pod) => {
        const id = ids.get(pod);
        if (!id) throw new TunnelError('NotFound', `pods "${pod}" not found`);
        return id;
      },
    });
    await nodeNc.flush();
    await runningPod('shell', NODE);
    await runningPod('stale', NODE);
    await runningPod('waiting', NODE, { waiting: { reason: 'ContainerCreating' } });
    await runningPod('lost', 'gone-node');
  });

  after(async () => {
    stopTunnel?.();
    await nodeNc?.close();
  });

  test('stdout, stderr and a non-zero exit code reach the client', async () => {
    assert.deepEqual(await run({ command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }), ['stdout out\n', 'stderr err\n', 'exit 3']);
    assert.deepEqual(await run({ command: ['echo', 'hi'] }), ['stdout hi\n', 'exit 0']);
  });

  test('stdin round trip through cat; the end of the input is the end of stdin', async () => {
    const q = queue();
    q.push({ type: 'stdin', data: Buffer.from('hello ') });
    q.push({ type: 'stdin', data: Buffer.from('world\n') });
    q.end();
    assert.deepEqual(await run({ command: ['cat'], stdin: true }, q.input), ['stdout hello ', 'stdout world\n', 'exit 0']);
    // Without -i the input is not the command's: cat sees end-of-file at once.
    const ignored = queue();
    ignored.push({ type: 'stdin', data: Buffer.from('dropped') });
    assert.deepEqual(await run({ command: ['cat'] }, ignored.input), ['exit 0']);
  });

  test('with a terminal, resizes reach it and stderr joins stdout', async () => {
    const q = queue();
    q.push({ type: 'resize', cols: 132, rows: 43 });
    q.push({ type: 'closeStdin' });
    assert.deepEqual(await run({ command: ['sh', '-c', 'cat; stty size; echo e >&2'], stdin: true, tty: true }, q.input), ['stdout 43 132\n', 'stdout e\n', 'exit 0']);
  });

  test('Kubernetes\' errors: missing pod, unknown container, not running, a node that does not answer', async () => {
    await expectStatus(run({ name: 'nope' }), 'NotFound', 'pods "nope" not found');
    await expectStatus(run({ container: 'nope' }), 'BadRequest', 'container nope is not valid for pod shell');
    await expectStatus(run({ name: 'waiting' }), 'BadRequest', 'unable to upgrade connection: container not found ("sh")');
    await expectStatus(run({ name: 'stale' }), 'BadRequest', 'unable to upgrade connection: container not found ("sh")');
    await expectStatus(run({ name: 'lost' }), 'ServiceUnavailable', /^node gone-node did not answer: /);
  });

  test('a client that goes away ends the command on the node', async () => {
    const ac = new AbortController();
    const done = run({ command: ['sleep', '3600'] }, queue().input, ac.signal);
    for (let i = 0; i < 100 && live === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(live, 1);
    ac.abort();
    assert.deepEqual(await done, []);
    for (let i = 0; i < 100 && live > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(live, 0);
  });
});

describe('apiserver: node stats through the NATS node tunnel', () => {
  // A node stood in for by the kubelet's tunnel server answering with its last window.
  const NODE = 'stats-node';
  const usage: NodeStats = {
    node: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: NODE }, timestamp: '2024-01-01T12:00:00Z', window: '10.004s', usage: { cpu: '1255m', memory: '1049600Ki' } },
    pods: [{ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: 'web', namespace: 'default' }, timestamp: '2024-01-01T12:00:00Z', window: '10s', containers: [{ name: 'web', usage: { cpu: '250m', memory: '64Mi' } }] }],
  };
  let nodeNc: NatsConnection;
  let stopTunnel: () => void;

  before(async () => {
    nodeNc = await connectNats(nats.url, NODE);
    stopTunnel = serveNodeTunnel({
      nc: nodeNc,
      nodeName: NODE,
      runtime: new MemoryRuntime(),
      resolve: async (_ns, pod) => {
        throw new TunnelError('NotFound', `pods "${pod}" not found`);
      },
      stats: () => usage,
    });
    await nodeNc.flush();
    for (const name of [NODE, 'stats-gone']) await client.create(nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  });

  after(async () => {
    stopTunnel?.();
    await nodeNc?.close();
  });

  test('the node\'s kubelet answers with its usage and its pods\'', async () => {
    assert.deepEqual(await client.stats(NODE), usage);
  });

  test('an unknown node is NotFound; a node without a connected kubelet is ServiceUnavailable at once', async () => {
    await expectStatus(client.stats('nope'), 'NotFound', 'nodes "nope" not found');
    const t0 = Date.now();
    await expectStatus(client.stats('stats-gone'), 'ServiceUnavailable', 'node stats-gone did not answer: no kubelet of node stats-gone is connected');
    assert.ok(Date.now() - t0 < 2000, 'no waiting for a timeout');
  });
});
