// SPDX-License-Identifier: Apache-2.0
import { badRequest, deepCopy } from '@berth/api';
import { ConsumerDebugEvents, ConsumerEvents, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { eventKey, type KubeEvent } from './event';
import { eventFieldMatcher } from './field-selector';
import { ensureEventStream, EVENT_TTL_MS, EVENTS_STREAM } from './stream';

/**
 * How the consumer pulls. A pull consumer that stops receiving (its server-side consumer
 * gone, or its pull requests lost) only notices after two missed idle heartbeats, and
 * nats.js then waits `expires` before retrying: with its defaults (30 s pulls, 15 s
 * heartbeats) events stopped reaching the apiserver for 30–45 s. Short pulls and 1 s
 * heartbeats bring that to ~3 s, for a pull request every 5 s and a heartbeat a second
 * while idle.
 */
const CONSUME_OPTIONS = { expires: 5_000, idle_heartbeat: 1_000 };
/** Consumer notices worth a log line: they explain a pause in events. */
const REPORTED_STATUS = new Set<string>([ConsumerEvents.HeartbeatsMissed, ConsumerEvents.ConsumerNotFound, ConsumerEvents.StreamNotFound, ConsumerEvents.ConsumerDeleted, ConsumerDebugEvents.Reset]);

/** Options for list. */
export interface EventListOptions {
  /** Only this namespace (all when empty). */
  namespace?: string;
  /** `involvedObject.name=db,type=Warning`; see EVENT_SELECTABLE_FIELDS. */
  fieldSelector?: string;
}

/** Options for watch. */
export interface EventWatchOptions extends EventListOptions {
  /**
   * Changes strictly after this resourceVersion (a list's resourceVersion). Empty or '0'
   * starts with an ADDED for every current event, like a Kubernetes watch without one.
   */
  resourceVersion?: string;
  /** Ends the watch. */
  signal: AbortSignal;
}

/** One change of an event. Expiry after an hour is silent (no DELETED), as in Kubernetes. */
export interface EventWatchEvent {
  type: 'ADDED' | 'MODIFIED';
  object: KubeEvent;
}

/** Options for EventStore. */
export interface EventStoreOptions {
  /** Drop events whose latest version is older than this (default 1 h, the stream's max_age). */
  ttlMs?: number;
  /** Epoch-milliseconds clock. */
  now?: () => number;
  /** A watcher this far behind is ended (the client re-lists), so one slow client cannot grow memory. */
  maxWatchBacklog?: number;
  /** Told about messages that could not be decoded and consumer failures. */
  onError?: (err: unknown) => void;
}

interface Stored {
  event: KubeEvent;
  seq: number;
  /** Sequence at which this event first appeared: decides ADDED vs MODIFIED on replay. */
  firstSeq: number;
  storedAtMs: number;
}

interface Watcher {
  namespace: string;
  match: (e: KubeEvent) => boolean;
  push(ev: EventWatchEvent): void;
  close(): void;
}

/**
 * The apiserver's view of events: it reads the EVENTS stream from the beginning with an
 * ordered consumer and keeps the latest version of each event in memory. Each event's
 * resourceVersion is its stream sequence, so list + watch from the list's resourceVersion
 * misses nothing.
 */
export class EventStore {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxWatchBacklog: number;
  private readonly onError: (err: unknown) => void;
  private readonly items = new Map<string, Stored>();
  private readonly watchers = new Set<Watcher>();
  private seqWaiters: { seq: number; resolve: () => void }[] = [];
  private messages: ConsumerMessages | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Highest stream sequence applied. */
  private lastSeq = 0;

  constructor(
    private readonly nc: NatsConnection,
    opts: EventStoreOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? EVENT_TTL_MS;
    this.now = opts.now ?? Date.now;
    this.maxWatchBacklog = opts.maxWatchBacklog ?? 10_000;
    this.onError = opts.onError ?? (() => {});
  }

  /**
   * Creates the stream if needed, starts consuming, and resolves once everything stored
   * at the time of the call has been read (so a list right after start is complete).
   */
  async start(): Promise<void> {
    if (this.messages) throw new Error('EventStore already started');
    const jsm = await this.nc.jetstreamManager();
    await ensureEventStream(jsm);
    const info = await jsm.streams.info(EVENTS_STREAM);
    // No deliver_policy: the ordered consumer's default (start at sequence 1) reads everything;
    // DeliverPolicy.All plus the opt_start_seq it always sets is rejected by the server.
    const consumer = await this.nc.jetstream().consumers.get(EVENTS_STREAM);
    this.messages = await consumer.consume({ ...CONSUME_OPTIONS }); // a copy: nats.js fills in what it is given
    void this.consume(this.messages);
    void this.reportStatus(this.messages);
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
    if (info.state.messages > 0) await this.waitForSequence(info.state.last_seq);
  }

  /** Stops consuming and ends every watch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const w of [...this.watchers]) w.close();
    await this.messages?.close().catch(() => {});
    this.messages = undefined;
  }

  /** The resourceVersion of the store now (the last applied stream sequence). */
  get resourceVersion(): string {
    return String(this.lastSeq);
  }

  /** Resolves once the stream message with sequence `seq` (or a later one) has been applied. */
  waitForSequence(seq: number, timeoutMs = 10_000): Promise<void> {
    if (this.lastSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.seqWaiters = this.seqWaiters.filter((w) => w !== waiter);
        reject(new Error(`event store did not reach sequence ${seq} within ${timeoutMs} ms (at ${this.lastSeq})`));
      }, timeoutMs);
      this.seqWaiters.push(waiter);
    });
  }

  /** Reads the stream's last sequence and waits until it is applied: a consistent read point. */
  async sync(timeoutMs?: number): Promise<void> {
    const info = await (await this.nc.jetstreamManager()).streams.info(EVENTS_STREAM);
    if (info.state.messages > 0) await this.waitForSequence(info.state.last_seq, timeoutMs);
  }

  /**
   * The current events (latest version of each), sorted by namespace and name, with the
   * resourceVersion to start a watch from. Throws BadRequest for an unsupported field selector.
   */
  list(opts: EventListOptions = {}): { items: KubeEvent[]; resourceVersion: string } {
    const match = eventFieldMatcher(opts.fieldSelector);
    const ns = opts.namespace ?? '';
    const cutoff = this.now() - this.ttlMs;
    const items: KubeEvent[] = [];
    const keys = [...this.items.keys()].sort();
    for (const key of keys) {
      const s = this.items.get(key)!;
      if (s.storedAtMs < cutoff) continue;
      if (ns && s.event.metadata.namespace !== ns) continue;
      if (!match(s.event)) continue;
      items.push(deepCopy(s.event));
    }
    return { items, resourceVersion: this.resourceVersion };
  }

  /**
   * Changes to events as they are recorded. With a resourceVersion, first replays the
   * latest version of every event changed after it (ADDED if it appeared after it,
   * MODIFIED otherwise), in stream order; then follows live changes.
   */
  watch(opts: EventWatchOptions): AsyncIterable<EventWatchEvent> {
    const match = eventFieldMatcher(opts.fieldSelector);
    const namespace = opts.namespace ?? '';
    const rv = opts.resourceVersion ?? '';
    const from = rv === '' || rv === '0' ? 0 : Number(rv);
    if (!Number.isInteger(from) || from < 0) {
      throw badRequest(`invalid resourceVersion "${rv}": must be a stream sequence (a non-negative integer)`);
    }
    return {
      // An arrow function keeps `this` (the store) inside the iterator.
      [Symbol.asyncIterator]: (): AsyncIterator<EventWatchEvent> => {
        const queue: EventWatchEvent[] = [];
        let notify: (() => void) | undefined;
        let ended = false;
        const end = (): void => {
          ended = true;
          this.watchers.delete(watcher);
          opts.signal.removeEventListener('abort', end);
          notify?.();
        };
        const watcher: Watcher = {
          namespace,
          match,
          close: end,
          push: (ev) => {
            if (ended) return;
            if (queue.length >= this.maxWatchBacklog) {
              end();
              return;
            }
            queue.push(ev);
            notify?.();
          },
        };
        if (opts.signal.aborted) ended = true;
        else {
          // Snapshot and registration happen in the same tick, so nothing falls in between.
          const cutoff = this.now() - this.ttlMs;
          const replay = [...this.items.values()]
            .filter((s) => s.seq > from && s.storedAtMs >= cutoff)
            .filter((s) => (!namespace || s.event.metadata.namespace === namespace) && match(s.event))
            .sort((a, b) => a.seq - b.seq);
          for (const s of replay) {
            queue.push({ type: from === 0 || s.firstSeq > from ? 'ADDED' : 'MODIFIED', object: deepCopy(s.event) });
          }
          this.watchers.add(watcher);
          opts.signal.addEventListener('abort', end);
          if (this.stopped) ended = true;
        }
        return {
          next: async (): Promise<IteratorResult<EventWatchEvent>> => {
            for (;;) {
              const ev = queue.shift();
              if (ev) return { value: ev, done: false };
              if (ended || this.stopped) {
                end();
                return { value: undefined, done: true };
              }
              await new Promise<void>((resolve) => (notify = resolve));
              notify = undefined;
            }
          },
          async return(): Promise<IteratorResult<EventWatchEvent>> {
            end();
            queue.length = 0;
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  private async consume(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        this.apply(m);
        if (this.stopped) break;
      }
    } catch (err) {
      if (!this.stopped) this.onError(err);
    } finally {
      if (!this.stopped) {
        // The connection closed under us: end the watches so clients notice and re-watch.
        this.onError(new Error('EVENTS consumer ended'));
        for (const w of [...this.watchers]) w.close();
      }
    }
  }

  private async reportStatus(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const s of await messages.status()) {
        if (this.stopped) break;
        if (REPORTED_STATUS.has(s.type)) this.onError(new Error(`EVENTS consumer: ${s.type} ${JSON.stringify(s.data ?? '')}`));
      }
    } catch (err) {
      if (!this.stopped) this.onError(err);
    }
  }

  private apply(m: JsMsg): void {
    const seq = m.seq;
    try {
      const event = m.json<KubeEvent>();
      if (event?.kind === 'Event' && event.metadata?.name && event.metadata.namespace) {
        event.metadata.resourceVersion = String(seq);
        const key = eventKey(event);
        const prev = this.items.get(key);
        const storedAtMs = Math.floor(m.info.timestampNanos / 1_000_000);
        this.items.set(key, { event, seq, firstSeq: prev?.firstSeq ?? seq, storedAtMs });
        const type = prev ? 'MODIFIED' : 'ADDED';
        for (const w of this.watchers) {
          if (w.namespace && w.namespace !== event.metadata.namespace) continue;
          if (!w.match(event)) continue;
          w.push({ type, object: deepCopy(event) });
        }
      } else this.onError(new Error(`stream message ${seq} on ${m.subject} is not an Event`));
    } catch (err) {
      this.onError(err);
    }
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (this.seqWaiters.length) {
      const ready = this.seqWaiters.filter((w) => w.seq <= this.lastSeq);
      this.seqWaiters = this.seqWaiters.filter((w) => w.seq > this.lastSeq);
      for (const w of ready) w.resolve();
    }
  }

  /** Forgets events the stream has aged out (JetStream drops them without telling consumers). */
  private sweep(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [key, s] of this.items) if (s.storedAtMs < cutoff) this.items.delete(key);
  }
}
