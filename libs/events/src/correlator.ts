// SPDX-License-Identifier: Apache-2.0
import { formatTime, newEventName, type KubeEvent } from './event';
import { Lru } from './lru';
import { TokenBucket } from './token-bucket';

// The numbers are client-go's (tools/record/events_cache.go), so users see the same
// aggregation they know from Kubernetes.
const MAX_LRU_ENTRIES = 4096;
/** A similar event (differing only in message) seen this many times in the interval gets combined. */
export const AGGREGATE_MAX_EVENTS = 10;
export const AGGREGATE_INTERVAL_MS = 600_000;
/** A source may burst 25 events about one object, then 1 every 5 minutes. */
export const SPAM_BURST = 25;
export const SPAM_QPS = 1 / 300;
export const COMBINED_PREFIX = '(combined from similar events): ';

/** Options to tune the correlator (tests shrink the numbers; the defaults are client-go's). */
export interface CorrelatorOptions {
  /** Epoch-milliseconds clock; Date.now by default. */
  now?: () => number;
  maxEvents?: number;
  maxIntervalMs?: number;
  spamBurst?: number;
  spamQps?: number;
  lruEntries?: number;
}

/** What the correlator decided: the event to write, or skip (rate-limited). */
export type CorrelateResult = { skip: true } | { skip: false; event: KubeEvent };

const join = (parts: (string | undefined)[]): string => parts.map((p) => p ?? '').join('\u0000');

/** Identity of an exact repeat: same source, object (and field), type, reason and message. */
function exactKey(e: KubeEvent): string {
  const o = e.involvedObject;
  return join([e.source.component, e.source.host, o.kind, o.namespace, o.name, o.fieldPath, o.uid, o.apiVersion, e.type, e.reason, e.message]);
}

/** Identity for spam filtering: source and object. */
function spamKey(e: KubeEvent): string {
  const o = e.involvedObject;
  return join([e.source.component, e.source.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion]);
}

/** Identity of "similar" events: everything but the message. */
function aggregateKey(e: KubeEvent): string {
  const o = e.involvedObject;
  return join([e.source.component, e.source.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion, e.type, e.reason, e.reportingComponent, e.reportingInstance]);
}

interface AggregateRecord {
  messages: Set<string>;
  lastMs: number;
}

interface EventLog {
  count: number;
  firstTimestamp: string;
  name: string;
  uid: string;
  creationTimestamp: string;
}

/**
 * Client-side event de-duplication and throttling, a port of client-go's EventCorrelator:
 * - an exact repeat updates the earlier event (same name, count+1, new lastTimestamp);
 * - the 10th distinct message for the same object/reason within 10 minutes starts one
 *   combined event, `(combined from similar events): <latest message>`, counted from then on;
 * - a source gets a burst of 25 events per object, then 1 every 5 minutes (the rest are skipped).
 * Pure apart from the clock; not I/O.
 */
export class EventCorrelator {
  private readonly now: () => number;
  private readonly maxEvents: number;
  private readonly maxIntervalMs: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private readonly aggregates: Lru<AggregateRecord>;
  private readonly logs: Lru<EventLog>;
  private readonly spam: Lru<TokenBucket>;

  constructor(opts: CorrelatorOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxEvents = opts.maxEvents ?? AGGREGATE_MAX_EVENTS;
    this.maxIntervalMs = opts.maxIntervalMs ?? AGGREGATE_INTERVAL_MS;
    this.spamBurst = opts.spamBurst ?? SPAM_BURST;
    this.spamQps = opts.spamQps ?? SPAM_QPS;
    const entries = opts.lruEntries ?? MAX_LRU_ENTRIES;
    this.aggregates = new Lru(entries);
    this.logs = new Lru(entries);
    this.spam = new Lru(entries);
  }

  /** Filters, aggregates and counts a freshly made (count 1) event. */
  correlate(newEvent: KubeEvent): CorrelateResult {
    const nowMs = this.now();
    const { event: aggregated, key } = this.aggregate(newEvent, nowMs);
    const observed = this.observe(aggregated, key);
    if (this.isSpam(observed, nowMs)) return { skip: true };
    return { skip: false, event: observed };
  }

  private aggregate(e: KubeEvent, nowMs: number): { event: KubeEvent; key: string } {
    const aggKey = aggregateKey(e);
    let record = this.aggregates.get(aggKey);
    // A record older than the interval (or none at all) starts over.
    if (!record || nowMs - record.lastMs > this.maxIntervalMs) record = { messages: new Set(), lastMs: nowMs };
    record.messages.add(e.message);
    record.lastMs = nowMs;
    this.aggregates.set(aggKey, record);
    if (record.messages.size < this.maxEvents) return { event: e, key: exactKey(e) };

    // Do not let the set grow past the threshold (client-go pops any one element).
    const any = record.messages.values().next();
    if (!any.done) record.messages.delete(any.value);
    const t = formatTime(nowMs);
    const combined: KubeEvent = {
      ...e,
      metadata: { ...e.metadata, name: newEventName(e.involvedObject.name ?? '', nowMs) },
      message: COMBINED_PREFIX + e.message,
      firstTimestamp: t,
      lastTimestamp: t,
      count: 1,
    };
    // Keyed by the aggregate key so the next similar event updates this combined one.
    return { event: combined, key: aggKey };
  }

  private observe(e: KubeEvent, key: string): KubeEvent {
    const last = this.logs.get(key);
    let event = e;
    if (last && last.count > 0) {
      event = {
        ...e,
        metadata: { ...e.metadata, name: last.name, uid: last.uid, creationTimestamp: last.creationTimestamp },
        firstTimestamp: last.firstTimestamp,
        count: last.count + 1,
      };
    }
    this.logs.set(key, {
      count: event.count,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata.name,
      uid: event.metadata.uid ?? '',
      creationTimestamp: event.metadata.creationTimestamp ?? event.firstTimestamp,
    });
    return event;
  }

  private isSpam(e: KubeEvent, nowMs: number): boolean {
    const key = spamKey(e);
    let bucket = this.spam.get(key);
    if (!bucket) bucket = new TokenBucket(this.spamQps, this.spamBurst, nowMs);
    const ok = bucket.tryAccept(nowMs);
    this.spam.set(key, bucket);
    return !ok;
  }
}
