// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { NatsConnection } from 'nats';
import { EventCorrelator, type CorrelatorOptions } from './correlator';
import { isObjectReference, makeEvent, objectReference, type EventType, type ObjectReference } from './event';
import type { EventSink } from './event-sink';
import { NatsEventSink, type NatsEventSinkOptions } from './nats-event-sink';
import { sprintf } from './sprintf';

/**
 * Records events about API objects, like client-go's record.EventRecorder. Calls return at
 * once and never throw: events are best-effort diagnostics and must not slow or break the
 * component that reports them.
 */
export interface EventRecorder {
  /**
   * Records that `reason` happened to `obj` (an API object, or an ObjectReference when the
   * event is about a part of it, see objectReference(pod, 'spec.containers{db}')).
   */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void;
  /** Like event, with a printf-style message (`%s`, `%d`, `%v`, `%q`). */
  eventf(obj: KubeObject | ObjectReference, type: EventType, reason: string, fmt: string, ...args: unknown[]): void;
}

/** Who reports: printed as kubectl's SOURCE/From column, e.g. `kubelet, node-1`. */
export interface EventRecorderSource {
  component: string;
  host?: string;
}

/** Options for createEventRecorder. */
export interface EventRecorderOptions extends EventRecorderSource {
  sink: EventSink;
  /** Correlator settings (clock, thresholds); client-go's defaults otherwise. */
  correlator?: CorrelatorOptions;
  /** Told about dropped events (bad type, internal errors). */
  onError?: (err: unknown) => void;
}

/** A recorder that correlates (counts, combines, rate-limits) and writes to any sink. */
export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const correlator = new EventCorrelator(opts.correlator);
  const now = opts.correlator?.now ?? Date.now;
  const source = { component: opts.component, ...(opts.host ? { host: opts.host } : {}) };
  const onError = (err: unknown): void => {
    try {
      opts.onError?.(err);
    } catch {
      // never let reporting fail the caller
    }
  };
  const record = (obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void => {
    try {
      if (type !== 'Normal' && type !== 'Warning') {
        onError(new Error(`unsupported event type: '${String(type)}'`));
        return;
      }
      const ref = isObjectReference(obj) ? { ...obj } : objectReference(obj);
      const result = correlator.correlate(makeEvent(ref, source, type, reason, message, now()));
      if (!result.skip) opts.sink.write(result.event);
    } catch (err) {
      onError(err);
    }
  };
  return {
    event: record,
    eventf(obj, type, reason, fmt, ...args) {
      let message: string;
      try {
        message = sprintf(fmt, ...args);
      } catch (err) {
        onError(err);
        return;
      }
      record(obj, type, reason, message);
    },
  };
}

/** Options for createNatsEventRecorder. */
export interface NatsEventRecorderOptions extends EventRecorderSource, Omit<NatsEventSinkOptions, 'nc'> {
  nc: NatsConnection;
  correlator?: CorrelatorOptions;
}

/** A recorder publishing to NATS, with its sink exposed for flushing at shutdown (and in tests). */
export interface NatsEventRecorder extends EventRecorder {
  readonly sink: NatsEventSink;
  /** Resolves with the last acknowledged stream sequence once all recorded events are published. */
  flush(timeoutMs?: number): Promise<number>;
  /** Publishes what it can within `flushTimeoutMs`, then stops. */
  close(flushTimeoutMs?: number): Promise<void>;
}

/**
 * The recorder every Berth component uses: events go to the JetStream stream EVENTS
 * (created if missing) and the apiserver serves them from there.
 */
export function createNatsEventRecorder(opts: NatsEventRecorderOptions): NatsEventRecorder {
  const { nc, component, host, correlator, ...sinkOpts } = opts;
  const sink = new NatsEventSink({ nc, ...sinkOpts });
  const recorder = createEventRecorder({
    component,
    ...(host ? { host } : {}),
    sink,
    ...(correlator ? { correlator } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return {
    ...recorder,
    sink,
    flush: (timeoutMs) => sink.flush(timeoutMs),
    close: (flushTimeoutMs) => sink.close(flushTimeoutMs),
  };
}
