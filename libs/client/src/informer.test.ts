// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expired, type KubeObject, type WatchEvent } from '@berth/api';
import type { ResourceType } from './api-client';
import { InformerFactory, SharedInformer, waitForCacheSync, type EventHandler } from './informer';
import { FakeApi } from './testing';

const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

const pod = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

/** A handler that records what it is told, as "verb key@rv". */
function recorder(): EventHandler<KubeObject> & { events: string[] } {
  const id = (o: KubeObject): string => `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
  const events: string[] = [];
  return {
    events,
    onAdd: (o) => events.push(`add ${id(o)}`),
    onUpdate: (a, b) => events.push(a === b ? `resync ${id(b)}` : `update ${id(b)}`),
    onDelete: (o) => events.push(`delete ${id(o)}`),
  };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SharedInformer', () => {
  test('initial sync: lists, fills the cache, tells handlers, then watches from the list resourceVersion', async (t) => {
    const api = new FakeApi();
    api.seed(PODS, pod('default', 'a'), pod('default', 'b'), pod('kube-system', 'c'));
    const inf = new SharedInformer(api, PODS);
    const rec = recorder();
    inf.addEventHandler(rec);
    const ac = new AbortController();
    t.after(() => ac.abort());
    const running = inf.run(ac.signal);
    assert.equal(inf.hasSynced(), false);
    await inf.waitForSync();
    assert.equal(inf.hasSynced(), true);
    assert.deepEqual(rec.events.sort(), ['add default/a', 'add default/b', 'add kube-system/c']);
    assert.deepEqual(inf.store.listKeys().sort(), ['default/a', 'default/b', 'kube-system/c']);
    assert.deepEqual(inf.store.byIndex('namespace', 'default').map((p) => p.metadata?.name).sort(), ['a', 'b']);
    assert.equal(inf.lastSyncResourceVersion(), api.resourceVersion());

    await waitFor(() => api.activeWatches() === 1, 'the watch');
    const watch = api.actions().find((a) => a.verb === 'watch');
    assert.equal(watch?.listOptions?.resourceVersion, api.resourceVersion());
    ac.abort();
    await running;
    assert.equal(api.activeWatches(), 0, 'run() ends its watch when stopped');
  });

  test('delivers adds, updates and deletes as they happen, and keeps the cache current', async (t) => {
    const api = new FakeApi();
    const inf = new SharedInformer(api, PODS);
    const rec = recorder();
    inf.addEventHandler(rec);
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await inf.waitForSync();
    await waitFor(() => api.activeWatches() === 1, 'the watch');

    const a = await api.create(PODS, 'default', pod('default', 'a'));
    await api.update(PODS, 'default', { ...a, metadata: { ...a.metadata, labels: { v: '2' } } });
    await api.create(PODS, 'default', pod('default', 'b'));
    await api.delete(PODS, 'default', 'a');
    await waitFor(() => rec.events.length === 4, 'four events');
    assert.deepEqual(rec.events, ['add default/a', 'update default/a', 'add default/b', 'delete default/a']);
    assert.deepEqual(inf.store.listKeys(), ['default/b']);
    assert.equal(inf.lastSyncResourceVersion(), api.resourceVersion());
  });

  test('an expired resourceVersion makes it re-list at once and deliver the difference, deletes with the last known state', async (t) => {
    const api = new FakeApi();
    api.seed(PODS, pod('default', 'keep'), pod('default', 'change'), pod('default', 'remove'));
    // A long backoff proves the Expired path does not wait for it.
    const inf = new SharedInformer(api, PODS, { backoff: { initialMs: 10_000, maxMs: 10_000 } });
    const rec = recorder();
    let deletedState: KubeObject | undefined;
    inf.addEventHandler(rec);
    inf.addEventHandler({ onDelete: (o) => (deletedState = o) });
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await inf.waitForSync();
    await waitFor(() => api.activeWatches() === 1, 'the watch');
    // One event on this watch, so its end below looks like a normal server timeout.
    await api.create(PODS, 'default', pod('default', 'seen'));
    await waitFor(() => rec.events.length === 4, 'the live add');
    rec.events.length = 0;

    // Hold the next watch call back, so the informer misses the changes below.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    api.prependReactor('watch', 'pods', async () => {
      await gate;
    });
    api.endWatches();
    await waitFor(() => api.actions().filter((a) => a.verb === 'watch').length === 2, 'the re-watch');

    const change = api.stored(PODS, 'default', 'change') as KubeObject;
    await api.update(PODS, 'default', { ...change, metadata: { ...change.metadata, labels: { v: '2' } } });
    await api.delete(PODS, 'default', 'remove');
    await api.create(PODS, 'default', pod('default', 'new'));
    api.compact();
    open();

    await waitFor(() => rec.events.length === 3, 'the difference', 1000);
    assert.deepEqual(rec.events.sort(), ['add default/new', 'delete default/remove', 'update default/change']);
    assert.equal(deletedState?.metadata?.name, 'remove');
    assert.ok(deletedState?.metadata?.uid, 'the deleted object is the last state the cache had');
    assert.deepEqual(inf.store.listKeys().sort(), ['default/change', 'default/keep', 'default/new', 'default/seen']);
    assert.equal(api.actions().filter((a) => a.verb === 'list').length, 2);
  });

  test('a broken watch is retried after a backoff with a re-list', async (t) => {
    const api = new FakeApi();
    api.seed(PODS, pod('default', 'a'));
    const inf = new SharedInformer(api, PODS, { backoff: { initialMs: 30, maxMs: 100 } });
    const rec = recorder();
    inf.addEventHandler(rec);
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await inf.waitForSync();
    await waitFor(() => api.activeWatches() === 1, 'the watch');
    // Lists fail once too: the informer must keep trying.
    let failures = 1;
    api.prependReactor('list', 'pods', () => {
      if (failures-- > 0) throw new Error('connection refused');
    });
    api.breakWatches();
    await api.delete(PODS, 'default', 'a');
    await api.create(PODS, 'default', pod('default', 'b'));
    await waitFor(() => rec.events.length === 3, 'recovery');
    assert.deepEqual(rec.events.slice(1).sort(), ['add default/b', 'delete default/a']);
    assert.equal(api.actions().filter((a) => a.verb === 'list').length, 3);
  });

  test('an ERROR watch event with an Expired status re-lists', async (t) => {
    const api = new FakeApi();
    let served = false;
    api.prependReactor('watch', 'pods', () => {
      if (served) return undefined;
      served = true;
      const status = expired('too old resource version: 1 (2)').status;
      async function* errorOnce(): AsyncGenerator<WatchEvent> {
        yield { type: 'ERROR', object: status as unknown as KubeObject, status };
      }
      return { object: errorOnce() };
    });
    const inf = new SharedInformer(api, PODS, { backoff: { initialMs: 10_000, maxMs: 10_000 } });
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await waitFor(() => api.actions().filter((a) => a.verb === 'list').length === 2, 'the re-list', 1000);
  });

  test('a server that ends every watch at once is retried with backoff, not hammered', async (t) => {
    const api = new FakeApi();
    api.prependReactor('watch', 'pods', () => ({
      object: (async function* (): AsyncGenerator<WatchEvent> {})(),
    }));
    const inf = new SharedInformer(api, PODS, { backoff: { initialMs: 40, maxMs: 1000 } });
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await new Promise((r) => setTimeout(r, 300));
    const watches = api.actions().filter((a) => a.verb === 'watch').length;
    assert.ok(watches >= 2 && watches <= 5, `${watches} watches in 300 ms`);
  });

  test('periodic resync re-delivers every cached object as onUpdate(obj, obj)', async (t) => {
    const api = new FakeApi();
    api.seed(PODS, pod('default', 'a'));
    const inf = new SharedInformer(api, PODS, { resyncPeriodMs: 30 });
    const rec = recorder();
    inf.addEventHandler(rec);
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await waitFor(() => rec.events.filter((e) => e === 'resync default/a').length >= 2, 'two resyncs');
    assert.equal(rec.events[0], 'add default/a');
  });

  test('a handler added after sync first gets onAdd for every cached object', async (t) => {
    const api = new FakeApi();
    api.seed(NODES, { metadata: { name: 'n1' } }, { metadata: { name: 'n2' } });
    const inf = new SharedInformer(api, NODES);
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await inf.waitForSync();
    const late = recorder();
    inf.addEventHandler(late);
    assert.deepEqual(late.events.sort(), ['add n1', 'add n2']);
  });

  test('a failing handler does not stop the others', async (t) => {
    const api = new FakeApi();
    api.seed(NODES, { metadata: { name: 'n1' } });
    const inf = new SharedInformer(api, NODES);
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('boom');
      },
    });
    const rec = recorder();
    inf.addEventHandler(rec);
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await inf.waitForSync();
    assert.deepEqual(rec.events, ['add n1']);
  });

  test('namespace and label selector: only matching objects, and one leaving the selector is deleted from the cache', async (t) => {
    const api = new FakeApi();
    api.seed(PODS, pod('default', 'web', { app: 'web' }), pod('default', 'db', { app: 'db' }), pod('other', 'web2', { app: 'web' }));
    const inf = new SharedInformer(api, PODS, { namespace: 'default', labelSelector: 'app=web' });
    const rec = recorder();
    inf.addEventHandler(rec);
    const ac = new AbortController();
    t.after(() => ac.abort());
    void inf.run(ac.signal);
    await inf.waitForSync();
    assert.deepEqual(inf.store.listKeys(), ['default/web']);
    await waitFor(() => api.activeWatches() === 1, 'the watch');
    const web = api.stored(PODS, 'default', 'web') as KubeObject;
    await api.update(PODS, 'default', { ...web, metadata: { ...web.metadata, labels: { app: 'web-old' } } });
    await waitFor(() => rec.events.length === 2, 'the delete');
    assert.deepEqual(rec.events, ['add default/web', 'delete default/web']);
    assert.deepEqual(inf.store.listKeys(), []);
  });

  test('waitForSync rejects when its signal aborts first', async () => {
    const api = new FakeApi();
    const inf = new SharedInformer(api, PODS);
    const ac = new AbortController();
    const waiting = inf.waitForSync(ac.signal);
    ac.abort();
    await assert.rejects(waiting);
  });
});

describe('InformerFactory', () => {
  test('shares one informer per resource and namespace, starts them all and waits for all to sync', async (t) => {
    const api = new FakeApi();
    api.seed(PODS, pod('default', 'a'));
    api.seed(NODES, { metadata: { name: 'n1' } });
    const f = new InformerFactory(api);
    const pods1 = f.informerFor(PODS);
    const pods2 = f.informerFor(PODS);
    const podsNs = f.informerFor(PODS, { namespace: 'default' });
    const nodes = f.informerFor(NODES);
    assert.equal(pods1, pods2);
    assert.notEqual(pods1, podsNs);
    const ac = new AbortController();
    t.after(() => ac.abort());
    f.start(ac.signal);
    f.start(ac.signal); // idempotent
    await f.waitForSync();
    await waitForCacheSync(ac.signal, pods1, podsNs, nodes);
    assert.deepEqual(pods1.store.listKeys(), ['default/a']);
    assert.deepEqual(nodes.store.listKeys(), ['n1']);
    assert.equal(api.actions().filter((a) => a.verb === 'list').length, 3, 'one list per informer');
    ac.abort();
    await f.stopped();
  });
});
