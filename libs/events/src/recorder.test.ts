// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@berth/api';
import { formatEventSource, objectReference } from './event';
import { MemoryEventSink } from './event-sink';
import { createEventRecorder } from './recorder';

const pod = (name: string, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, uid: `uid-${name}`, resourceVersion: '7' },
});

function setup(start = Date.parse('2024-05-01T12:00:00Z')) {
  const clock = { t: start };
  const sink = new MemoryEventSink();
  const errors: unknown[] = [];
  const rec = createEventRecorder({
    component: 'kubelet',
    host: 'node-1',
    sink,
    correlator: { now: () => clock.t },
    onError: (e) => errors.push(e),
  });
  return { clock, sink, rec, errors };
}

describe('event recorder', () => {
  test('builds a core/v1 Event with source, reference and a <object>.<16 hex> name', () => {
    const { sink, rec } = setup();
    rec.eventf(pod('db'), 'Normal', 'Pulling', 'pulling image %q', 'mongo:3.3');
    const [e] = sink.events;
    assert.ok(e);
    assert.match(e.metadata.name, /^db\.[0-9a-f]{16}$/);
    assert.equal(e.metadata.namespace, 'default');
    assert.deepEqual(e.involvedObject, { kind: 'Pod', namespace: 'default', name: 'db', uid: 'uid-db', apiVersion: 'v1', resourceVersion: '7' });
    assert.deepEqual(e.source, { component: 'kubelet', host: 'node-1' });
    assert.equal(formatEventSource(e), 'kubelet, node-1');
    assert.equal(formatEventSource({ source: { component: 'default-scheduler' } }), 'default-scheduler');
    assert.equal(e.message, 'pulling image "mongo:3.3"');
    assert.equal(e.count, 1);
    assert.equal(e.firstTimestamp, '2024-05-01T12:00:00Z');
    assert.equal(e.lastTimestamp, '2024-05-01T12:00:00Z');
    assert.equal(e.reportingComponent, 'kubelet');
    assert.equal(e.reportingInstance, 'node-1');
  });

  test('events about cluster-scoped objects go to the default namespace; fieldPath is kept', () => {
    const { sink, rec } = setup();
    rec.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n1' } }, 'Normal', 'NodeReady', 'Node node-1 status is now: NodeReady');
    rec.event(objectReference(pod('db', 'jenkins'), 'spec.containers{db}'), 'Normal', 'Started', 'Started container');
    const [node, ctr] = sink.events;
    assert.equal(node?.metadata.namespace, 'default');
    assert.equal(node?.involvedObject.namespace, '');
    assert.equal(ctr?.metadata.namespace, 'jenkins');
    assert.equal(ctr?.involvedObject.fieldPath, 'spec.containers{db}');
  });

  test('identical events become one event with a count and the latest lastTimestamp', () => {
    const { clock, sink, rec } = setup();
    rec.event(pod('db'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    clock.t += 60_000;
    rec.event(pod('db'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    clock.t += 300_000;
    rec.event(pod('db'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    assert.equal(sink.events.length, 1);
    const [e] = sink.events;
    assert.equal(e?.count, 3);
    assert.equal(e?.firstTimestamp, '2024-05-01T12:00:00Z');
    assert.equal(e?.lastTimestamp, '2024-05-01T12:06:00Z');
  });

  test('different objects, reasons or messages are different events', () => {
    const { sink, rec } = setup();
    rec.event(pod('a'), 'Normal', 'Created', 'Created container');
    rec.event(pod('b'), 'Normal', 'Created', 'Created container');
    rec.event(pod('a'), 'Normal', 'Started', 'Started container');
    rec.event(pod('a'), 'Normal', 'Created', 'Created container again');
    assert.equal(sink.events.length, 4);
    assert.equal(new Set(sink.events.map((e) => e.metadata.name)).size, 4);
  });

  test('the 10th similar event within 10 minutes starts a combined event', () => {
    const { clock, sink, rec } = setup();
    for (let i = 1; i <= 12; i++) {
      rec.event(pod('db'), 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "v${i}"`);
      clock.t += 1000;
    }
    const combined = sink.events.filter((e) => e.message.startsWith('(combined from similar events): '));
    assert.equal(sink.events.length, 9 + 1);
    assert.equal(combined.length, 1);
    assert.equal(combined[0]?.message, '(combined from similar events): MountVolume.SetUp failed for volume "v12"');
    assert.equal(combined[0]?.count, 3);
  });

  test('similar events more than 10 minutes apart are not combined', () => {
    const { clock, sink, rec } = setup();
    for (let i = 1; i <= 12; i++) {
      rec.event(pod('db'), 'Warning', 'FailedMount', `volume v${i}`);
      clock.t += 11 * 60_000;
    }
    assert.equal(sink.events.length, 12);
    assert.ok(sink.events.every((e) => !e.message.startsWith('(combined')));
  });

  test('a source gets a burst of 25 events per object, then one every 5 minutes', () => {
    const { clock, sink, rec } = setup();
    for (let i = 0; i < 30; i++) rec.event(pod('db'), 'Normal', `R${i}`, 'm');
    assert.equal(sink.events.length, 25);
    rec.event(pod('other'), 'Normal', 'R', 'm');
    assert.equal(sink.events.length, 26, 'another object has its own budget');
    clock.t += 300_000;
    rec.event(pod('db'), 'Normal', 'Late1', 'm');
    rec.event(pod('db'), 'Normal', 'Late2', 'm');
    assert.deepEqual(
      sink.events.filter((e) => e.reason.startsWith('Late')).map((e) => e.reason),
      ['Late1'],
    );
  });

  test('never throws into the caller, even for a bad type or a failing sink', () => {
    const errors: unknown[] = [];
    const rec = createEventRecorder({
      component: 'x',
      sink: {
        write() {
          throw new Error('sink broke');
        },
      },
      onError: (e) => errors.push(e),
    });
    assert.doesNotThrow(() => rec.event(pod('db'), 'Normal', 'R', 'm'));
    assert.doesNotThrow(() => rec.event(pod('db'), 'Bogus' as 'Normal', 'R', 'm'));
    assert.doesNotThrow(() => rec.event({} as KubeObject, 'Normal', 'R', 'm'));
    assert.equal(errors.length >= 2, true);
    assert.match(String(errors[1]), /unsupported event type: 'Bogus'/);
  });
});
