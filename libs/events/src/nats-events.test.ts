// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import type { KubeObject } from '@berth/api';
import { startNats, type NatsServer } from '@berth/testing';
import { EventStore, type EventWatchEvent } from './event-store';
import { makeEvent, objectReference } from './event';
import { NatsEventSink } from './nats-event-sink';
import { createNatsEventRecorder } from './recorder';
import { EVENT_TTL_MS, EVENTS_STREAM, ensureEventStream } from './stream';

const pod = (name: string, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, uid: `uid-${name}` },
});

/** Reads the next `n` watch events, failing after a timeout instead of hanging the suite. */
async function take(it: AsyncIterator<EventWatchEvent>, n: number, timeoutMs = 5000): Promise<EventWatchEvent[]> {
  const out: EventWatchEvent[] = [];
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`watch: got ${out.length} of ${n} events`)), timeoutMs).unref(),
  );
  while (out.length < n) {
    const r = await Promise.race([it.next(), deadline]);
    if (r.done) throw new Error('watch ended early');
    out.push(r.value);
  }
  return out;
}

describe('events through NATS', () => {
  let srv: NatsServer;
  let nc: NatsConnection;
  let store: EventStore;

  before(async () => {
    srv = await startNats();
    nc = await connect({ servers: srv.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    store = new EventStore(nc);
    await store.start();
  });

  after(async () => {
    await store?.stop();
    await nc?.close();
    await srv?.stop();
  });

  test('the stream keeps one message per event for an hour', async () => {
    const jsm = await nc.jetstreamManager();
    await ensureEventStream(jsm); // idempotent
    const { config } = await jsm.streams.info(EVENTS_STREAM);
    assert.deepEqual(config.subjects, ['events.>']);
    assert.equal(config.max_msgs_per_subject, 1);
    assert.equal(config.max_age, EVENT_TTL_MS * 1_000_000);
    assert.equal(config.storage, 'file');
    assert.equal(config.discard, 'old');
  });

  test('three identical events are listed as one event with count 3', async () => {
    const rec = createNatsEventRecorder({ nc, component: 'kubelet', host: 'node-1' });
    for (let i = 0; i < 3; i++) rec.event(pod('db'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    await store.waitForSequence(await rec.flush());
    const { items, resourceVersion } = store.list({ namespace: 'default', fieldSelector: 'reason=BackOff' });
    assert.equal(items.length, 1);
    const [e] = items;
    assert.equal(e?.count, 3);
    assert.match(e?.metadata.name ?? '', /^db\.[0-9a-f]{16}$/);
    assert.deepEqual(e?.source, { component: 'kubelet', host: 'node-1' });
    assert.equal(e?.metadata.resourceVersion, resourceVersion);
    await rec.close();
  });

  test('different objects get different events; field selectors pick by involvedObject', async () => {
    const rec = createNatsEventRecorder({ nc, component: 'default-scheduler' });
    rec.event(pod('api-1', 'team-a'), 'Normal', 'Scheduled', 'Successfully assigned team-a/api-1 to node-1');
    rec.event(pod('api-2', 'team-a'), 'Normal', 'Scheduled', 'Successfully assigned team-a/api-2 to node-1');
    rec.event(pod('api-1', 'team-b'), 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Insufficient memory.');
    await store.waitForSequence(await rec.flush());
    assert.equal(store.list({ namespace: 'team-a' }).items.length, 2);
    const byName = store.list({ fieldSelector: 'involvedObject.name=api-1' }).items;
    assert.deepEqual(byName.map((e) => e.metadata.namespace).sort(), ['team-a', 'team-b']);
    const one = store.list({ namespace: 'team-a', fieldSelector: 'involvedObject.name=api-2,involvedObject.kind=Pod,source=default-scheduler' });
    assert.equal(one.items.length, 1);
    assert.equal(one.items[0]?.message, 'Successfully assigned team-a/api-2 to node-1');
    assert.equal(store.list({ fieldSelector: 'type=Warning,involvedObject.namespace=team-b' }).items.length, 1);
    await rec.close();
  });

  test('a watch sees ADDED, then MODIFIED when the event repeats', async () => {
    const ac = new AbortController();
    const { resourceVersion } = store.list({ namespace: 'watch' });
    const it = store.watch({ namespace: 'watch', resourceVersion, signal: ac.signal })[Symbol.asyncIterator]();
    const rec = createNatsEventRecorder({ nc, component: 'replicaset-controller' });
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'go-demo-2', namespace: 'watch', uid: 'rs1' } };
    rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: go-demo-2-v59t5');
    await rec.flush();
    // The stream keeps one message per event: the store must have read the first version
    // before the second replaces it, or it only ever sees the second (as ADDED).
    const [added] = await take(it, 1);
    rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: go-demo-2-v59t5');
    await rec.flush();
    const [modified] = await take(it, 1);
    assert.equal(added?.type, 'ADDED');
    assert.equal(added?.object.count, 1);
    assert.equal(modified?.type, 'MODIFIED');
    assert.equal(modified?.object.count, 2);
    assert.equal(modified?.object.metadata.name, added?.object.metadata.name);
    assert.ok(Number(modified?.object.metadata.resourceVersion) > Number(added?.object.metadata.resourceVersion));

    // A watch from the old resourceVersion replays the latest version as ADDED (it appeared after),
    // and one without a resourceVersion starts with the current state.
    const replay = store.watch({ namespace: 'watch', resourceVersion, signal: ac.signal })[Symbol.asyncIterator]();
    const [r] = await take(replay, 1);
    assert.equal(r?.type, 'ADDED');
    assert.equal(r?.object.count, 2);
    const fromAdded = store.watch({ namespace: 'watch', resourceVersion: added?.object.metadata.resourceVersion, signal: ac.signal });
    const [m] = await take(fromAdded[Symbol.asyncIterator](), 1);
    assert.equal(m?.type, 'MODIFIED');
    ac.abort();
    assert.equal((await it.next()).done, true, 'abort ends the watch');
    await rec.close();
  });

  test('a restarted EventStore rebuilds the same view from the stream', async () => {
    const rec = createNatsEventRecorder({ nc, component: 'deployment-controller' });
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'rebuild', uid: 'd1' } };
    rec.event(d, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-75fbcbb5cd to 1');
    rec.event(d, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-75fbcbb5cd to 1');
    await store.waitForSequence(await rec.flush());
    const second = new EventStore(nc);
    await second.start();
    try {
      assert.deepEqual(second.list(), store.list());
      const [e] = second.list({ namespace: 'rebuild' }).items;
      assert.equal(e?.count, 2);
    } finally {
      await second.stop();
      await rec.close();
    }
  });

  test('events older than the TTL are not served', async () => {
    const clock = { now: Date.now() };
    const aging = new EventStore(nc, { now: () => clock.now });
    await aging.start();
    try {
      assert.ok(aging.list().items.length > 0);
      clock.now += EVENT_TTL_MS + 60_000;
      assert.equal(aging.list().items.length, 0);
    } finally {
      await aging.stop();
    }
  });

  test('the recorder survives NATS going down and delivers once it is back', async () => {
    const errors: unknown[] = [];
    const rec = createNatsEventRecorder({ nc, component: 'kubelet', host: 'node-1', onError: (e) => errors.push(e), retryMaxMs: 200 });
    await srv.kill();
    const started = Date.now();
    assert.doesNotThrow(() => {
      for (let i = 0; i < 3; i++) rec.event(pod('outage', 'down'), 'Warning', 'Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 404');
      rec.event(pod('outage-2', 'down'), 'Normal', 'Killing', 'Killing container with id docker://api:Container failed liveness probe.. Container will be killed and recreated.');
    });
    assert.ok(Date.now() - started < 100, 'recording does not block while NATS is down');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rec.sink.buffered, 2, 'the three identical events are one buffered version');
    await srv.restart();
    await store.waitForSequence(await rec.flush(15_000), 15_000);
    const items = store.list({ namespace: 'down' }).items;
    assert.deepEqual(
      items.map((e) => [e.involvedObject.name, e.reason, e.count]).sort(),
      [
        ['outage', 'Unhealthy', 3],
        ['outage-2', 'Killing', 1],
      ],
    );
    // The store's ordered consumer also recovered and keeps following the stream.
    rec.event(pod('outage', 'down'), 'Warning', 'Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 404');
    await store.waitForSequence(await rec.flush());
    assert.equal(store.list({ namespace: 'down', fieldSelector: 'reason=Unhealthy' }).items[0]?.count, 4);
    await rec.close();
  });

  test('a store whose consumer vanished from the server gets events again within seconds', async () => {
    const notices: string[] = [];
    const lost = new EventStore(nc, { onError: (e) => notices.push(String(e)) });
    await lost.start();
    const rec = createNatsEventRecorder({ nc, component: 'kubelet', host: 'node-1' });
    try {
      const jsm = await nc.jetstreamManager();
      const names: string[] = [];
      for await (const c of jsm.consumers.list(EVENTS_STREAM)) names.push(c.name);
      // Every store's consumer goes (as when the server drops an ephemeral consumer it thinks idle).
      for (const name of names) await jsm.consumers.delete(EVENTS_STREAM, name);
      const started = Date.now();
      rec.event(pod('vanished', 'lost'), 'Warning', 'BackOff', 'Back-off restarting failed container');
      // With nats.js's default pulls this took 30-45 s; the store's own pulls recover in ~3 s.
      await lost.waitForSequence(await rec.flush(), 15_000);
      assert.equal(lost.list({ namespace: 'lost' }).items[0]?.reason, 'BackOff');
      assert.ok(Date.now() - started < 15_000);
      assert.ok(notices.some((n) => /consumer_deleted|heartbeats_missed|consumer_not_found/.test(n)), `the pause is logged: ${notices.join('; ')}`);
      await store.waitForSequence(Number(lost.resourceVersion), 15_000); // the suite's store recovered too
    } finally {
      await rec.close();
      await lost.stop();
    }
  });

  test('a burst is published many at a time, each event still in order of its versions', async () => {
    const rec = createNatsEventRecorder({ nc, component: 'scheduler', maxInFlight: 16 });
    for (let i = 0; i < 200; i++) rec.event(pod(`b${i}`, 'burst'), 'Normal', 'Scheduled', `Successfully assigned burst/b${i} to n1`);
    // The same event three times: versions with count 1, 2, 3 go out one after the other.
    for (let i = 0; i < 3; i++) rec.event(pod('b0', 'burst'), 'Normal', 'Scheduled', 'Successfully assigned burst/b0 to n1');
    let peak = 0;
    const flushed = rec.flush(15_000);
    for (let done = false; !done; ) {
      peak = Math.max(peak, rec.sink.publishing);
      done = await Promise.race([flushed.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
    }
    assert.equal(peak, 16, 'a window of publishes awaits its acks');
    await store.waitForSequence(await flushed, 15_000);
    const events = store.list({ namespace: 'burst' }).items;
    assert.equal(events.length, 200);
    assert.equal(events.find((e) => e.involvedObject.name === 'b0')?.count, 4);
    assert.equal(rec.sink.dropped, 0);
    await rec.close();
  });

  test('events written close together wait lingerMs, then go out together', async () => {
    const rec = createNatsEventRecorder({ nc, component: 'scheduler', lingerMs: 300 });
    for (let i = 0; i < 5; i++) rec.event(pod(`l${i}`, 'linger'), 'Normal', 'Scheduled', `Successfully assigned linger/l${i} to n1`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rec.sink.published + rec.sink.publishing, 0, 'nothing sent before the linger is over');
    const deadline = Date.now() + 5000;
    while (rec.sink.published < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(rec.sink.published, 5);
    await store.waitForSequence(rec.sink.lastSeq, 5000);
    assert.equal(store.list({ namespace: 'linger' }).items.length, 5);
    await rec.close();
  });

  test('a full buffer drops the oldest events and counts them', async () => {
    const rec = createNatsEventRecorder({ nc, component: 'kubelet', maxBuffered: 3, retryMaxMs: 200 });
    await srv.kill();
    try {
      for (let i = 0; i < 5; i++) rec.event(pod(`p${i}`, 'full'), 'Normal', 'Pulled', 'Successfully pulled image "mongo:3.3"');
      assert.equal(rec.sink.dropped, 2);
      assert.equal(rec.sink.buffered, 3);
    } finally {
      await srv.restart();
    }
    await store.waitForSequence(await rec.flush(15_000), 15_000);
    assert.deepEqual(store.list({ namespace: 'full' }).items.map((e) => e.involvedObject.name).sort(), ['p2', 'p3', 'p4']);
    await rec.close();
  });

  test('a publish nobody acks (the stream was deleted) fails, the stream is made again, and the event goes out', async () => {
    // Its own server: the suite's store would not follow a stream made again (see EventStore).
    const own = await startNats();
    const ownNc = await connect({ servers: own.url });
    const errors: unknown[] = [];
    const rec = createNatsEventRecorder({ nc: ownNc, component: 'kubelet', host: 'node-1', onError: (e) => errors.push(e), retryMinMs: 50 });
    try {
      rec.event(pod('first', 'gone'), 'Normal', 'Pulled', 'Successfully pulled image "nginx"');
      assert.equal(await rec.flush(5000), 1);
      const jsm = await ownNc.jetstreamManager();
      await jsm.streams.delete(EVENTS_STREAM);
      rec.event(pod('second', 'gone'), 'Normal', 'Pulled', 'Successfully pulled image "nginx"');
      assert.equal(await rec.flush(10_000), 1, 'the new stream numbers from 1');
      assert.match(String(errors[0]), /503/, 'the no-responders status is the failure reported');
      const stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq: 1 });
      assert.equal(stored.json<{ involvedObject: { name: string } }>().involvedObject.name, 'second');
      assert.equal(rec.sink.published, 2);
    } finally {
      await rec.close();
      await ownNc.close();
      await own.stop();
    }
  });

  test('a version published again is a duplicate to JetStream, and flush still answers the latest sequence', async () => {
    const sink = new NatsEventSink({ nc, lingerMs: 0 });
    const event = (name: string) => makeEvent(objectReference(pod(name, 'dup')), { component: 'kubelet' }, 'Normal', 'Pulled', 'pulled', Date.now());
    const first = event('first');
    sink.write(first);
    const s1 = await sink.flush();
    sink.write(event('second'));
    const s2 = await sink.flush();
    assert.ok(s2 > s1);
    sink.write(first); // same namespace, name and count: the same Nats-Msg-Id
    assert.equal(await sink.flush(), s2, "the duplicate's ack names the first message; flush keeps the latest");
    assert.equal(sink.published, 3);
    await sink.close();
  });
});
