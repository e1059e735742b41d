// SPDX-License-Identifier: Apache-2.0
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';

/** The JetStream stream that holds events. */
export const EVENTS_STREAM = 'EVENTS';
/** Events are kept one hour after their latest occurrence (Kubernetes' default --event-ttl). */
export const EVENT_TTL_MS = 60 * 60 * 1000;
/** How long a Nats-Msg-Id is remembered, so a retried publish is not stored twice. */
export const EVENT_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/** The stream's configuration; one message per subject keeps only each event's latest version. */
export function eventStreamConfig(): Partial<StreamConfig> & { name: string } {
  return {
    name: EVENTS_STREAM,
    subjects: ['events.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(EVENT_TTL_MS),
    max_msgs_per_subject: 1,
    duplicate_window: nanos(EVENT_DUPLICATE_WINDOW_MS),
    num_replicas: 1,
  };
}

/** Makes a token safe inside a subject (no spaces, wildcards or empty tokens). */
function subjectToken(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9_\-:.]/g, '_').replace(/\.{2,}/g, '.').replace(/^\.|\.$/g, '');
  return cleaned || '_';
}

/** The subject an event's versions are published on: `events.<namespace>.<eventName>`. */
export function eventSubject(namespace: string, name: string): string {
  return `events.${subjectToken(namespace).replace(/\./g, '_')}.${subjectToken(name)}`;
}

/**
 * Creates the EVENTS stream if it is missing, or brings its limits back to
 * eventStreamConfig() if someone changed them. Safe to call from every component at start.
 */
export async function ensureEventStream(jsm: JetStreamManager): Promise<void> {
  const want = eventStreamConfig();
  let info;
  try {
    info = await jsm.streams.info(EVENTS_STREAM);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    try {
      await jsm.streams.add(want);
      return;
    } catch (addErr) {
      // Another component created it at the same moment: fine, fall through and compare.
      info = await jsm.streams.info(EVENTS_STREAM).catch(() => {
        throw addErr;
      });
    }
  }
  const c = info.config;
  const same =
    c.max_age === want.max_age &&
    c.max_msgs_per_subject === want.max_msgs_per_subject &&
    c.discard === want.discard &&
    c.duplicate_window === want.duplicate_window &&
    JSON.stringify(c.subjects) === JSON.stringify(want.subjects);
  if (!same) await jsm.streams.update(EVENTS_STREAM, { ...c, ...want });
}

function isStreamNotFound(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; code?: string | number; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}
