// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { conflict, isAlreadyExists, isConflict, isExpired, isInvalid, isNotFound, type KubeObject, type WatchEvent } from '@berth/api';
import type { ResourceType } from '../api-client';
import { FakeApi } from './fake-api';

const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments' };
const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

interface Deployment extends KubeObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number };
}

const deployment = (name: string, replicas = 1): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: { replicas, selector: { matchLabels: { app: name } } },
});

const pod = (name: string, labels: Record<string, string> = {}, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});

/** Collects events from a watch until `n` have arrived. */
async function take<T extends KubeObject>(it: AsyncIterable<WatchEvent<T>>, n: number): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  if (n === 0) return out;
  for await (const ev of it) {
    out.push(ev);
    if (out.length >= n) break;
  }
  return out;
}

const summary = (evs: WatchEvent[]): string[] => evs.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);

describe('FakeApi writes', () => {
  test('create sets uid, creationTimestamp, resourceVersion and generation; generateName gets a 5-char suffix', async () => {
    const api = new FakeApi();
    const d = await api.create(DEPLOYMENTS, 'default', deployment('web'));
    assert.match(d.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(d.metadata?.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(d.metadata?.namespace, 'default');
    assert.equal(d.metadata?.generation, 1);
    assert.equal(d.metadata?.resourceVersion, api.resourceVersion());

    const p = await api.create<KubeObject>(PODS, 'default', { metadata: { generateName: 'web-' } });
    assert.match(p.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.ok(Number(p.metadata?.resourceVersion) > Number(d.metadata?.resourceVersion), 'one global counter');
  });

  test('AlreadyExists, NotFound and stale-resourceVersion Conflict are StatusErrors worded as Kubernetes words them', async () => {
    const api = new FakeApi();
    const d = await api.create(DEPLOYMENTS, 'default', deployment('web'));
    await assert.rejects(api.create(DEPLOYMENTS, 'default', deployment('web')), (e) => {
      assert.ok(isAlreadyExists(e));
      assert.equal((e as Error).message, 'deployments.apps "web" already exists');
      return true;
    });
    await assert.rejects(api.get(PODS, 'default', 'nope'), (e) => {
      assert.ok(isNotFound(e));
      assert.equal((e as Error).message, 'pods "nope" not found');
      return true;
    });
    await api.update(DEPLOYMENTS, 'default', { ...d, spec: { replicas: 2 } });
    await assert.rejects(api.update(DEPLOYMENTS, 'default', { ...d, spec: { replicas: 3 } }), (e) => {
      assert.ok(isConflict(e));
      assert.match((e as Error).message, /^Operation cannot be fulfilled on deployments\.apps "web": the object has been modified/);
      return true;
    });
    await assert.rejects(api.update(DEPLOYMENTS, 'default', deployment('ghost')), (e) => isNotFound(e));
    await assert.rejects(api.create(PODS, 'other', { metadata: { name: 'x', namespace: 'default' } }), /does not match the namespace/);
    await assert.rejects(api.create(PODS, 'default', { metadata: {} }), /name or generateName is required/);
  });

  test('update bumps generation only when spec changes, keeps status, and writes nothing when nothing changed', async () => {
    const api = new FakeApi();
    api.seed(DEPLOYMENTS, { ...deployment('web'), metadata: { name: 'web', namespace: 'default' }, status: { replicas: 1 } });
    let d = await api.get<Deployment>(DEPLOYMENTS, 'default', 'web');
    const labelled = await api.update<Deployment>(DEPLOYMENTS, 'default', {
      ...d,
      metadata: { ...d.metadata, labels: { tier: 'x' } },
      status: { replicas: 99 },
    });
    assert.equal(labelled.metadata?.generation, 1, 'metadata change: same generation');
    assert.deepEqual(labelled.status, { replicas: 1 }, 'a normal update keeps the stored status');

    d = await api.update<Deployment>(DEPLOYMENTS, 'default', { ...labelled, spec: { ...labelled.spec, replicas: 3 } });
    assert.equal(d.metadata?.generation, 2);

    const rv = d.metadata?.resourceVersion;
    const same = await api.update<Deployment>(DEPLOYMENTS, 'default', structuredClone(d));
    assert.equal(same.metadata?.resourceVersion, rv, 'a no-op update is not a write');
  });

  test('the status subresource writes status and nothing else', async () => {
    const api = new FakeApi();
    const d = await api.create<Deployment>(DEPLOYMENTS, 'default', deployment('web'));
    const s = await api.update<Deployment>(
      DEPLOYMENTS,
      'default',
      { ...d, spec: { replicas: 7 }, status: { replicas: 1 } },
      { subresource: 'status' },
    );
    assert.deepEqual(s.status, { replicas: 1 });
    assert.equal(s.spec?.replicas, 1);
    assert.equal(s.metadata?.generation, 1);
    assert.deepEqual(
      api.writeActions().map((a) => [a.verb, a.resource, a.subresource ?? '']),
      [
        ['create', 'deployments', ''],
        ['update', 'deployments', 'status'],
      ],
    );
  });

  test('merge, strategic merge and JSON patches', async () => {
    const api = new FakeApi();
    await api.create(DEPLOYMENTS, 'default', deployment('web'));
    const m = await api.patch<Deployment>(DEPLOYMENTS, 'default', 'web', 'application/merge-patch+json', {
      metadata: { labels: { app: null, tier: 'fe' } },
      spec: { replicas: 4 },
    });
    assert.deepEqual(m.metadata?.labels, { tier: 'fe' });
    assert.equal(m.spec?.replicas, 4);
    assert.equal(m.metadata?.generation, 2);
    const s = await api.patch<Deployment>(DEPLOYMENTS, 'default', 'web', 'application/strategic-merge-patch+json', { spec: { replicas: 5 } });
    assert.equal(s.spec?.replicas, 5);
    const j = await api.patch<Deployment>(DEPLOYMENTS, 'default', 'web', 'application/json-patch+json', [
      { op: 'test', path: '/spec/replicas', value: 5 },
      { op: 'replace', path: '/spec/replicas', value: 6 },
      { op: 'add', path: '/metadata/annotations', value: { 'a/b': 'c' } },
      { op: 'remove', path: '/metadata/labels/tier' },
    ]);
    assert.equal(j.spec?.replicas, 6);
    assert.deepEqual(j.metadata?.annotations, { 'a/b': 'c' });
    assert.deepEqual(j.metadata?.labels, {});
    await assert.rejects(
      api.patch(DEPLOYMENTS, 'default', 'web', 'application/json-patch+json', [{ op: 'test', path: '/spec/replicas', value: 1 }]),
      /jsonpatch test operation does not apply: is: 6, expected: 1/,
    );
    // A resourceVersion in a patch is a precondition.
    await assert.rejects(
      api.patch(DEPLOYMENTS, 'default', 'web', 'application/merge-patch+json', { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } }),
      (e) => isConflict(e),
    );
    await assert.rejects(api.patch(DEPLOYMENTS, 'default', 'nope', 'application/merge-patch+json', {}), (e) => isNotFound(e));
  });

  test('delete is immediate without finalizers; with finalizers it sets deletionTimestamp and the last finalizer removal deletes', async () => {
    const api = new FakeApi();
    await api.create(PODS, 'default', pod('plain'));
    const gone = await api.delete(PODS, 'default', 'plain');
    assert.equal(gone.metadata?.name, 'plain');
    assert.equal(api.stored(PODS, 'default', 'plain'), undefined);

    await api.create(PODS, 'default', { ...pod('fin'), metadata: { name: 'fin', finalizers: ['example.com/x'] } });
    const marked = await api.delete(PODS, 'default', 'fin');
    assert.ok(marked.metadata?.deletionTimestamp);
    assert.ok(api.stored(PODS, 'default', 'fin'), 'still there while finalizers remain');
    const cur = await api.get(PODS, 'default', 'fin');
    await api.update(PODS, 'default', { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
    assert.equal(api.stored(PODS, 'default', 'fin'), undefined);

    await api.create(PODS, 'default', pod('fg'));
    const fg = await api.delete(PODS, 'default', 'fg', { propagationPolicy: 'Foreground' });
    assert.deepEqual(fg.metadata?.finalizers, ['foregroundDeletion']);

    await api.create(PODS, 'default', pod('pre'));
    await assert.rejects(api.delete(PODS, 'default', 'pre', { preconditions: { uid: 'other' } }), (e) => isConflict(e));
    await assert.rejects(api.delete(PODS, 'default', 'nope'), (e) => isNotFound(e));
  });

  test('deleteCollection deletes what the selector matches', async () => {
    const api = new FakeApi();
    api.seed(PODS, { ...pod('a', { app: 'x' }), metadata: { name: 'a', namespace: 'ns', labels: { app: 'x' } } });
    api.seed(PODS, { ...pod('b', { app: 'y' }), metadata: { name: 'b', namespace: 'ns', labels: { app: 'y' } } });
    const res = await api.deleteCollection(PODS, { namespace: 'ns', labelSelector: 'app=x' });
    assert.deepEqual(res.items.map((p) => p.metadata?.name), ['a']);
    assert.deepEqual(api.storedAll(PODS).map((p) => p.metadata?.name), ['b']);
  });

  test('pods/binding sets nodeName and PodScheduled, and refuses a pod already bound', async () => {
    const api = new FakeApi();
    await api.create(PODS, 'default', pod('p'));
    await api.create(PODS, 'default', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }, { subresource: 'binding' });
    const p = await api.get<KubeObject & { spec: { nodeName?: string }; status: { conditions: Array<{ type: string; status: string }> } }>(
      PODS,
      'default',
      'p',
    );
    assert.equal(p.spec.nodeName, 'n1');
    assert.deepEqual(p.status.conditions.map((c) => [c.type, c.status]), [['PodScheduled', 'True']]);
    await assert.rejects(
      api.create(PODS, 'default', { metadata: { name: 'p' }, target: { kind: 'Node', name: 'n2' } }, { subresource: 'binding' }),
      /already assigned to node "n1"/,
    );
  });

  test('the scale subresource reads and writes spec.replicas', async () => {
    const api = new FakeApi();
    await api.create(DEPLOYMENTS, 'default', deployment('web', 2));
    const scale = await api.get<KubeObject & { spec: { replicas: number }; status: { selector?: string } }>(DEPLOYMENTS, 'default', 'web', {
      subresource: 'scale',
    });
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 2);
    assert.equal(scale.status.selector, 'app=web');
    await api.update(DEPLOYMENTS, 'default', { ...scale, spec: { replicas: 5 } }, { subresource: 'scale' });
    assert.equal(api.stored<Deployment>(DEPLOYMENTS, 'default', 'web')?.spec?.replicas, 5);
  });

  test('stored objects cannot be changed through returned copies', async () => {
    const api = new FakeApi();
    const d = await api.create<Deployment>(DEPLOYMENTS, 'default', deployment('web'));
    (d.spec as { replicas: number }).replicas = 100;
    const l = await api.list<Deployment>(DEPLOYMENTS);
    (l.items[0]!.spec as { replicas: number }).replicas = 100;
    assert.equal(api.stored<Deployment>(DEPLOYMENTS, 'default', 'web')?.spec?.replicas, 1);
  });
});

describe('FakeApi list', () => {
  test('filters by namespace, label selector and field selector; sorts by key; pages with limit/continue', async () => {
    const api = new FakeApi();
    api.seed(
      PODS,
      { ...pod('a'), metadata: { name: 'a', namespace: 'ns1', labels: { app: 'web', tier: 'fe' } }, spec: { nodeName: 'n1' } },
      { ...pod('b'), metadata: { name: 'b', namespace: 'ns1', labels: { app: 'db' } }, spec: { nodeName: 'n2' } },
      { ...pod('c'), metadata: { name: 'c', namespace: 'ns2', labels: { app: 'web' } }, status: { phase: 'Running' } },
    );
    const names = async (opts: Parameters<FakeApi['list']>[1]): Promise<string[]> =>
      (await api.list(PODS, opts)).items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    assert.deepEqual(await names({}), ['ns1/a', 'ns1/b', 'ns2/c']);
    assert.deepEqual(await names({ namespace: 'ns1' }), ['ns1/a', 'ns1/b']);
    assert.deepEqual(await names({ labelSelector: 'app=web' }), ['ns1/a', 'ns2/c']);
    assert.deepEqual(await names({ labelSelector: 'app in (web,db),!tier' }), ['ns1/b', 'ns2/c']);
    assert.deepEqual(await names({ labelSelector: 'app!=web' }), ['ns1/b']);
    assert.deepEqual(await names({ labelSelector: 'tier' }), ['ns1/a']);
    assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=n1' }), ['ns1/a']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.namespace!=ns1' }), ['ns2/c']);
    assert.deepEqual(await names({ fieldSelector: 'status.phase=Running,metadata.name=c' }), ['ns2/c']);
    assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=' }), ['ns2/c'], 'absent fields compare as empty');
    await assert.rejects(api.list(PODS, { labelSelector: 'a in (' }), /unable to parse/);

    const page1 = await api.list(PODS, { limit: 2 });
    assert.equal(page1.items.length, 2);
    assert.ok(page1.metadata.continue);
    assert.equal(page1.metadata.remainingItemCount, 1);
    const page2 = await api.list(PODS, { limit: 2, continue: page1.metadata.continue });
    assert.deepEqual(page2.items.map((p) => p.metadata?.name), ['c']);
    assert.equal(page2.metadata.continue, undefined);
    assert.equal(page1.metadata.resourceVersion, api.resourceVersion());
    assert.equal(page1.kind, 'PodList');
  });
});

describe('FakeApi watch', () => {
  test('without a resourceVersion: current objects as ADDED, then live changes', async () => {
    const api = new FakeApi();
    await api.create(PODS, 'default', pod('a'));
    const ac = new AbortController();
    const it = api.watch(PODS, { signal: ac.signal })[Symbol.asyncIterator]();
    assert.deepEqual(summary([(await it.next()).value]), ['ADDED a']);
    const next = it.next();
    await api.create(PODS, 'default', pod('b'));
    assert.deepEqual(summary([(await next).value]), ['ADDED b']);
    ac.abort();
    assert.equal((await it.next()).done, true, 'abort ends the watch');
    assert.equal(api.activeWatches(), 0);
  });

  test('replays every change after a resourceVersion, including deletes, then continues live', async () => {
    const api = new FakeApi();
    const a = await api.create(PODS, 'default', pod('a'));
    const from = a.metadata?.resourceVersion;
    await api.create(PODS, 'default', pod('b'));
    await api.update(PODS, 'default', { ...a, metadata: { ...a.metadata, labels: { x: '1' } } });
    await api.delete(PODS, 'default', 'b');
    await api.create(NODES, '', { metadata: { name: 'n1' } }); // other resources are not seen
    const ac = new AbortController();
    const events = take(api.watch(PODS, { resourceVersion: from, signal: ac.signal }), 4);
    setImmediate(() => void api.create(PODS, 'default', pod('c')));
    const evs = await events;
    ac.abort();
    assert.deepEqual(summary(evs), ['ADDED b', 'MODIFIED a', 'DELETED b', 'ADDED c']);
    const rvs = evs.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.deepEqual([...rvs].sort((x, y) => x - y), rvs, 'in resourceVersion order');
  });

  test('with a selector, objects entering and leaving it are ADDED and DELETED', async () => {
    const api = new FakeApi();
    const p = await api.create(PODS, 'default', pod('p', { app: 'other' }));
    const ac = new AbortController();
    const events = take(api.watch(PODS, { resourceVersion: api.resourceVersion(), labelSelector: 'app=web', signal: ac.signal }), 3);
    let cur = await api.update(PODS, 'default', { ...p, metadata: { ...p.metadata, labels: { app: 'web' } } });
    cur = await api.update(PODS, 'default', { ...cur, metadata: { ...cur.metadata, annotations: { a: 'b' } } });
    cur = await api.update(PODS, 'default', { ...cur, metadata: { ...cur.metadata, labels: { app: 'gone' } } });
    const evs = await events;
    ac.abort();
    assert.deepEqual(summary(evs), ['ADDED p', 'MODIFIED p', 'DELETED p']);
    assert.equal(evs[2]!.object.metadata?.labels?.app, 'web', 'DELETED carries the last matching state');
    assert.equal(evs[2]!.object.metadata?.resourceVersion, cur.metadata?.resourceVersion);
  });

  test('a resourceVersion older than the last compaction fails with Expired', async () => {
    const api = new FakeApi();
    const a = await api.create(PODS, 'default', pod('a'));
    await api.create(PODS, 'default', pod('b'));
    api.compact();
    await assert.rejects(take(api.watch(PODS, { resourceVersion: a.metadata?.resourceVersion }), 1), (e) => {
      assert.ok(isExpired(e));
      assert.match((e as Error).message, /too old resource version/);
      return true;
    });
    const ac = new AbortController();
    const ok = take(api.watch(PODS, { resourceVersion: api.resourceVersion(), signal: ac.signal }), 1);
    await api.create(PODS, 'default', pod('c'));
    assert.deepEqual(summary(await ok), ['ADDED c']);
    ac.abort();
  });

  test('breakWatches fails open watches, endWatches ends them, sendBookmarks sends the current resourceVersion', async () => {
    const api = new FakeApi();
    const bookmarked = take(api.watch(PODS, { resourceVersion: '0', allowWatchBookmarks: true }), 1);
    const plain = take(api.watch(PODS, { resourceVersion: '0' }), 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(api.activeWatches(), 2);
    await api.create(NODES, '', { metadata: { name: 'n' } });
    api.sendBookmarks();
    const [bm] = await bookmarked;
    assert.equal(bm?.type, 'BOOKMARK');
    assert.equal(bm?.object.metadata?.resourceVersion, api.resourceVersion());
    api.endWatches();
    assert.deepEqual(await plain, [], 'no bookmark unless asked for; ended cleanly');

    const broken = take(api.watch(PODS, { resourceVersion: '0' }), 1);
    await new Promise((r) => setImmediate(r));
    api.breakWatches();
    await assert.rejects(broken, /watch connection lost/);
    assert.equal(api.activeWatches(), 0);
  });
});

describe('FakeApi actions and reactors', () => {
  test('records every call with verb, resource, namespace, name, subresource and object', async () => {
    const api = new FakeApi();
    await api.create(PODS, 'default', pod('a'));
    await api.get(PODS, 'default', 'a');
    await api.list(PODS, { namespace: 'default', labelSelector: 'x=y' });
    await api.delete(PODS, 'default', 'a');
    const acts = api.actions();
    assert.deepEqual(
      acts.map((a) => [a.verb, a.resource, a.namespace, a.name]),
      [
        ['create', 'pods', 'default', 'a'],
        ['get', 'pods', 'default', 'a'],
        ['list', 'pods', 'default', ''],
        ['delete', 'pods', 'default', 'a'],
      ],
    );
    assert.equal(acts[0]?.object?.metadata?.name, 'a');
    assert.equal(acts[2]?.listOptions?.labelSelector, 'x=y');
    api.clearActions();
    assert.deepEqual(api.actions(), []);
  });

  test('a reactor that throws makes the call fail; one that returns undefined lets it through; the newest reactor runs first', async () => {
    const api = new FakeApi();
    let seen = 0;
    api.prependReactor('*', '*', () => {
      seen++;
    });
    api.prependReactor('create', 'pods', (a) => {
      if (a.name === 'bad') throw conflict({ resource: 'pods', name: 'bad' }, 'injected');
    });
    await assert.rejects(api.create(PODS, 'default', pod('bad')), /injected/);
    await api.create(PODS, 'default', pod('good'));
    assert.equal(seen, 1, 'the failing call never reached the older reactor');
    assert.equal(api.stored(PODS, 'default', 'bad'), undefined);
    assert.deepEqual(api.actions().map((a) => a.name), ['bad', 'good'], 'failed calls are recorded too');

    api.prependReactor('get', 'deployments', () => ({ object: deployment('canned') }));
    assert.equal((await api.get(DEPLOYMENTS, 'default', 'whatever')).metadata?.name, 'canned');

    api.prependReactor('update', 'pods/status', () => {
      throw new Error('status down');
    });
    const p = await api.get(PODS, 'default', 'good');
    await assert.rejects(api.update(PODS, 'default', p, { subresource: 'status' }), /status down/);
    await api.update(PODS, 'default', p); // the main resource is unaffected
  });
});

describe('FakeApi stats', () => {
  test('a node answers once its usage is set, with its pods that have usage; unknown nodes are NotFound', async () => {
    const api = new FakeApi({ now: () => new Date('2024-01-01T12:00:00.500Z') });
    api.seed(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    const onNode = (name: string, nodeName: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [] } });
    api.seed(PODS, onNode('web', 'n1'), onNode('idle', 'n1'), onNode('other', 'n2'));
    api.setPodUsage('default', 'web', { web: { cpu: '5m', memory: '64Mi' } });
    api.setPodUsage('default', 'other', { other: { cpu: '1', memory: '1Gi' } });

    await assert.rejects(api.stats('n1'), (e: unknown) => e instanceof Error && 'reason' in e && e.reason === 'ServiceUnavailable');
    api.setNodeUsage('n1');
    assert.deepEqual(await api.stats('n1'), {
      pods: [{ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: 'web', namespace: 'default' }, timestamp: '2024-01-01T12:00:00Z', window: '10s', containers: [{ name: 'web', usage: { cpu: '5m', memory: '64Mi' } }] }],
    });
    api.setNodeUsage('n1', { cpu: '250m', memory: '1Gi' });
    assert.deepEqual((await api.stats('n1')).node, { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: 'n1' }, timestamp: '2024-01-01T12:00:00Z', window: '10s', usage: { cpu: '250m', memory: '1Gi' } });
    await assert.rejects(api.stats('nope'), (e: unknown) => isNotFound(e));
    assert.deepEqual(api.actions().map((a) => `${a.verb} ${a.resource}/${a.subresource ?? ''} ${a.name}`), ['get nodes/stats n1', 'get nodes/stats n1', 'get nodes/stats n1', 'get nodes/stats nope']);
  });
});

describe('FakeApi access reviews', () => {
  const review = (resource: string): ResourceType => ({ group: 'authorization.k8s.io', version: 'v1', resource });

  test('without an authorizer everything is allowed, as by an apiserver without authorization; nothing is stored', async () => {
    const api = new FakeApi();
    const asked = await api.create<KubeObject>(review('selfsubjectaccessreviews'), '', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } },
    });
    assert.deepEqual(asked.status, { allowed: true });
    const rules = await api.create<KubeObject>(review('selfsubjectrulesreviews'), '', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
    assert.deepEqual(rules.status, {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    });
    assert.deepEqual(api.storedAll(review('selfsubjectaccessreviews')), []);
    assert.equal(api.actions().length, 2, 'recorded as creates');
  });

  test('an authorizer decides: the caller for Self reviews, the spec user for SubjectAccessReview', async () => {
    const seen: string[] = [];
    const api = new FakeApi({
      user: { name: 'jdoe', groups: ['devs'] },
      authorizer: {
        authorize: (a) => {
          seen.push(`${a.user.name} ${a.verb} ${a.resourceRequest ? `${a.apiGroup}/${a.resource}/${a.subresource} ${a.name}@${a.namespace}` : a.path}`);
          return { allowed: a.namespace === 'dev', reason: a.namespace === 'dev' ? 'RBAC: allowed by RoleBinding "dev/dev"' : '' };
        },
        rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'role "gone" not found' }),
      },
    });
    const self = await api.create<KubeObject>(review('selfsubjectaccessreviews'), '', {
      spec: { resourceAttributes: { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'dev' } },
    });
    assert.deepEqual(self.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "dev/dev"' });
    const url = await api.create<KubeObject>(review('selfsubjectaccessreviews'), '', { spec: { nonResourceAttributes: { verb: 'get', path: '/healthz' } } });
    assert.deepEqual(url.status, { allowed: false });
    await api.create<KubeObject>(review('subjectaccessreviews'), '', {
      spec: { user: 'mgandhi', resourceAttributes: { verb: 'get', resource: 'pods', subresource: 'log', name: 'db', namespace: 'jdoe' } },
    });
    assert.deepEqual(seen, ['jdoe create apps/deployments/ @dev', 'jdoe get /healthz', 'mgandhi get /pods/log db@jdoe']);
    const rules = await api.create<KubeObject>(review('selfsubjectrulesreviews'), '', { spec: { namespace: 'dev' } });
    assert.deepEqual(rules.status, { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'role "gone" not found' });
    await assert.rejects(api.create<KubeObject>(review('selfsubjectaccessreviews'), '', { spec: {} }), (e: unknown) => isInvalid(e));
    await assert.rejects(
      api.create<KubeObject>(review('localsubjectaccessreviews'), 'dev', { spec: { user: 'x', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'other' } } }),
      (e: unknown) => isInvalid(e),
    );
  });
});
