// SPDX-License-Identifier: Apache-2.0
import { randomInt, randomUUID } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '@berth/api';

/** Event types Kubernetes accepts. */
export type EventType = 'Normal' | 'Warning';

/** core/v1 ObjectReference: which object (and which part of it, `fieldPath`) an event is about. */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  /** A part of the object, e.g. `spec.containers{db}` for one container of a pod. */
  fieldPath?: string;
}

/** core/v1 EventSource: the component (and node) that reported the event. */
export interface EventSource {
  component?: string;
  host?: string;
}

/**
 * A core/v1 Event in its Kubernetes JSON shape. Events are not kept in etcd: they live in
 * the NATS stream EVENTS and the apiserver serves them from an EventStore.
 */
export interface KubeEvent extends KubeObject {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: ObjectMeta & { name: string; namespace: string };
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  source: EventSource;
  /** RFC 3339 (seconds) time of the first occurrence. */
  firstTimestamp: string;
  /** RFC 3339 (seconds) time of the latest occurrence. */
  lastTimestamp: string;
  count: number;
  type: EventType;
  reportingComponent: string;
  reportingInstance: string;
}

/** metav1.Time's JSON form: RFC 3339 in UTC with whole seconds. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The reference to put in an event's involvedObject. `fieldPath` points into the object
 * (kubelet uses `spec.containers{<name>}` for container events).
 */
export function objectReference(obj: KubeObject, fieldPath?: string): ObjectReference {
  const ref: ObjectReference = {
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    apiVersion: obj.apiVersion ?? '',
    resourceVersion: obj.metadata?.resourceVersion ?? '',
  };
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

/** True when `x` is already an ObjectReference rather than an API object. */
export function isObjectReference(x: KubeObject | ObjectReference): x is ObjectReference {
  return !('metadata' in x) && typeof (x as ObjectReference).name === 'string';
}

/**
 * A fresh event name: `<involvedObject.name>.<16 hex>`, the hex being the time in
 * nanoseconds (like client-go) with random low digits so two recorders never collide.
 */
export function newEventName(objectName: string, nowMs: number): string {
  const nanos = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(randomInt(1_000_000));
  return `${objectName}.${nanos.toString(16).padStart(16, '0')}`;
}

/** Builds a first-occurrence event (count 1) the way client-go's recorder makes one. */
export function makeEvent(
  ref: ObjectReference,
  source: EventSource,
  type: EventType,
  reason: string,
  message: string,
  nowMs: number,
): KubeEvent {
  const t = formatTime(nowMs);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: newEventName(ref.name ?? '', nowMs),
      // Events about cluster-scoped objects (nodes, PVs) go to the default namespace.
      namespace: ref.namespace || 'default',
      uid: randomUUID(),
      creationTimestamp: t,
    },
    involvedObject: { ...ref },
    reason,
    message,
    source: { component: source.component ?? '', ...(source.host ? { host: source.host } : {}) },
    firstTimestamp: t,
    lastTimestamp: t,
    count: 1,
    type,
    reportingComponent: source.component ?? '',
    reportingInstance: source.host ?? '',
  };
}

/** The key an EventStore keeps an event under: `namespace/name`. */
export function eventKey(e: { metadata: { namespace: string; name: string } }): string {
  return `${e.metadata.namespace}/${e.metadata.name}`;
}

/** kubectl's SOURCE / From text of an event: `kubelet, node-1`, or just `default-scheduler`. */
export function formatEventSource(e: Pick<KubeEvent, 'source'> & Partial<Pick<KubeEvent, 'reportingComponent' | 'reportingInstance'>>): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}
