// SPDX-License-Identifier: Apache-2.0
import { createInbox, Events, headers, type JetStreamManager, type Msg, type NatsConnection, type NatsError, type Subscription } from 'nats';
import type { KubeEvent } from './event';
import type { EventSink } from './event-sink';
import { ensureEventStream, eventSubject } from './stream';

/** Options for NatsEventSink. */
export interface NatsEventSinkOptions {
  nc: NatsConnection;
  /** Event versions held while NATS is unreachable; beyond this the oldest are dropped (default 1000). */
  maxBuffered?: number;
  /** How long to wait for JetStream's ack of one publish (default 2000 ms). */
  publishTimeoutMs?: number;
  /**
   * Publishes awaiting JetStream's ack at once (default 64). One at a time caps a sink at one
   * event per round trip (a few hundred a second on a busy machine: a scheduler binding
   * faster than that dropped its Scheduled events); a subject never has two in flight.
   */
  maxInFlight?: number;
  /**
   * How long a write waits for others before an idle sink publishes (default 20 ms). Events
   * published in the same tick leave in one socket write, and their acks come back together:
   * a scheduler binding hundreds of pods a second spent ~9% of its CPU on one write per event.
   */
  lingerMs?: number;
  /** First retry delay after a failed publish, doubled up to retryMaxMs (defaults 100 / 5000 ms). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Told about the first failure of each outage and about drops; never about each retry. */
  onError?: (err: unknown) => void;
}

interface Pending {
  event: KubeEvent;
  msgId: string;
}

/** A publish awaiting JetStream's ack on the sink's inbox. */
interface AwaitedAck {
  resolve: (ack: { seq: number; duplicate: boolean }) => void;
  reject: (err: Error) => void;
  /** When it times out (ms since the epoch). */
  deadline: number;
}

/**
 * Publishes events to the JetStream stream EVENTS, one subject per event so the stream
 * keeps only the latest version. Writes return at once; a single pump publishes them in
 * order, up to `maxInFlight` awaiting their acks, retrying with backoff while NATS is down. While waiting, a newer version of an
 * event replaces the older one in the buffer, and past `maxBuffered` the oldest event is
 * dropped (counted in `dropped`). Nothing here throws into the caller.
 */
export class NatsEventSink implements EventSink {
  private readonly nc: NatsConnection;
  private readonly maxBuffered: number;
  private readonly maxInFlight: number;
  private readonly lingerMs: number;
  private readonly publishTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly onError: (err: unknown) => void;
  /** subject → latest unpublished version; Map order is the publish order. */
  private readonly queue = new Map<string, Pending>();
  /** Subjects with a publish awaiting its ack: their newer versions wait, to keep the order. */
  private readonly inFlight = new Set<string>();
  /** After a failed publish, nothing new is sent before this time (ms since the epoch). */
  private backoffUntil = 0;
  private jsm: JetStreamManager | undefined;
  /** The subscription JetStream's acks come back on: `<inbox>.<publish id>`. */
  private ackInbox: { prefix: string; sub: Subscription } | undefined;
  /** Publishes awaiting their ack, by id, oldest first (so their deadlines are in order). */
  private readonly awaitedAcks = new Map<number, AwaitedAck>();
  private lastPublishId = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private streamReady = false;
  private connected = true;
  private running = false;
  private lingering: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;
  private wake: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private statusIter: { stop?: () => void } | undefined;

  /** Event versions dropped because the buffer was full. */
  dropped = 0;
  /** Event versions JetStream acknowledged. */
  published = 0;
  /** The stream sequence of the latest publish JetStream acknowledged (0 before the first ack). */
  lastSeq = 0;

  constructor(opts: NatsEventSinkOptions) {
    this.nc = opts.nc;
    this.maxBuffered = opts.maxBuffered ?? 1000;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 64);
    this.lingerMs = Math.max(0, opts.lingerMs ?? 20);
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 2000;
    this.retryMinMs = opts.retryMinMs ?? 100;
    this.retryMaxMs = opts.retryMaxMs ?? 5000;
    this.onError = opts.onError ?? (() => {});
    void this.watchConnection();
  }

  /** Queues a version of an event for publishing; returns immediately. */
  write(event: KubeEvent): void {
    try {
      if (this.closed) return;
      const subject = eventSubject(event.metadata.namespace, event.metadata.name);
      const { resourceVersion: _rv, ...metadata } = event.metadata;
      const pending: Pending = {
        event: { ...event, metadata: metadata as KubeEvent['metadata'] },
        // Same id for the same version: a publish retried after a lost ack is not stored twice.
        msgId: `${event.metadata.namespace}/${event.metadata.name}/${event.count}`,
      };
      this.queue.set(subject, pending);
      while (this.queue.size > this.maxBuffered) {
        const oldest = this.queue.keys().next();
        if (oldest.done) break;
        this.queue.delete(oldest.value);
        this.dropped++;
        if (this.dropped === 1 || this.dropped % 100 === 0) {
          this.report(new Error(`event buffer full (${this.maxBuffered}): dropped ${this.dropped} event(s) so far`));
        }
      }
      this.kickSoon();
    } catch (err) {
      this.report(err);
    }
  }

  /** Event versions waiting to be published. */
  get buffered(): number {
    return this.queue.size;
  }

  /** Publishes awaiting JetStream's ack. */
  get publishing(): number {
    return this.inFlight.size;
  }

  /**
   * Resolves with the last acknowledged stream sequence once everything written so far is
   * published; rejects after `timeoutMs` (default 10 s) if NATS stays unreachable.
   */
  flush(timeoutMs = 10_000): Promise<number> {
    if (this.queue.size === 0 && !this.running) return Promise.resolve(this.lastSeq);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        reject(new Error(`events not published within ${timeoutMs} ms (${this.queue.size} buffered)`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(this.lastSeq);
      };
      this.idleWaiters.push(done);
      this.kick();
    });
  }

  /** Tries to publish what is buffered (up to `flushTimeoutMs`, default 2 s), then stops. */
  async close(flushTimeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    await this.flush(flushTimeoutMs).catch(() => {});
    this.closed = true;
    this.statusIter?.stop?.();
    this.wake?.();
    this.ackInbox?.sub.unsubscribe();
    clearTimeout(this.ackTimer);
    for (const awaited of this.awaitedAcks.values()) awaited.reject(new Error('event sink closed'));
    this.awaitedAcks.clear();
  }

  private report(err: unknown): void {
    try {
      this.onError(err);
    } catch {
      // a faulty logger must not break event delivery
    }
  }

  /** Tracks the connection so the pump waits for a reconnect instead of timing out requests. */
  private async watchConnection(): Promise<void> {
    try {
      const iter = this.nc.status();
      this.statusIter = iter as { stop?: () => void };
      for await (const s of iter) {
        if (this.closed) break;
        if (s.type === Events.Disconnect) this.connected = false;
        if (s.type === Events.Reconnect) {
          this.connected = true;
          this.failures = 0;
          this.wake?.();
        }
      }
    } catch (err) {
      this.report(err);
    }
  }

  /** Starts the pump after lingerMs, so that writes coming close together go out together. */
  private kickSoon(): void {
    if (this.running || this.lingering) return;
    this.lingering = setTimeout(() => this.kick(), this.lingerMs);
  }

  private kick(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (this.running) return;
    this.running = true;
    this.pump()
      .catch((err: unknown) => this.report(err))
      .finally(() => {
        this.running = false;
        if (this.queue.size === 0 || this.closed) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        } else if (!this.nc.isClosed()) this.kick();
      });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private async pump(): Promise<void> {
    const publishing = new Set<Promise<void>>();
    try {
      while (!this.closed) {
        if (this.nc.isClosed()) return; // nobody will deliver these; keep them counted as buffered
        const wait = this.backoffUntil - Date.now();
        if (!this.connected || wait > 0) {
          await Promise.allSettled(publishing);
          await this.sleep(this.connected ? wait : this.retryMaxMs);
          continue;
        }
        const next = publishing.size < this.maxInFlight ? this.nextToPublish() : undefined;
        if (!next) {
          if (publishing.size === 0) return;
          await Promise.race(publishing);
          // Let every ack of the same socket read land first: the publishes that refill
          // their slots then leave in one write, instead of one write per ack.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        if (!this.streamReady) {
          // Made once, before any publish: concurrent publishes would each try.
          if (!(await this.ensureStream())) continue;
        }
        const [subject, item] = next;
        this.inFlight.add(subject);
        const p: Promise<void> = this.publish(subject, item).finally(() => {
          this.inFlight.delete(subject);
          publishing.delete(p);
        });
        publishing.add(p);
      }
    } finally {
      await Promise.allSettled(publishing);
    }
  }

  /** The oldest queued version whose subject has no publish in flight. */
  private nextToPublish(): [string, Pending] | undefined {
    for (const entry of this.queue) if (!this.inFlight.has(entry[0])) return entry;
    return undefined;
  }

  private async ensureStream(): Promise<boolean> {
    try {
      this.jsm ??= await this.nc.jetstreamManager({ timeout: this.publishTimeoutMs });
      await ensureEventStream(this.jsm);
      this.streamReady = true;
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  private async publish(subject: string, item: Pending): Promise<void> {
    try {
      const ack = await this.publishAwaitingAck(subject, item);
      this.published++;
      // New messages are acked in the order the server stored them, so the latest ack is the
      // highest sequence, also after the stream was made again (it numbers from 1 then). A
      // duplicate (a retry of a publish whose ack was lost) names an earlier message.
      this.lastSeq = ack.duplicate ? Math.max(this.lastSeq, ack.seq) : ack.seq;
      // A newer version written meanwhile stays queued and goes out next.
      if (this.queue.get(subject) === item) this.queue.delete(subject);
      this.failures = 0;
    } catch (err) {
      // 503 no responders: the stream is gone (or JetStream restarting); re-create it next time.
      this.streamReady = false;
      this.failed(err);
    }
  }

  /**
   * What JetStream's publish does, without a request per event: the message carries a reply
   * subject on one inbox this sink subscribes to once, and acks are matched by id. nats.js's
   * request made a timer, a promise chain and an Error (with its stack) for every event.
   */
  private publishAwaitingAck(subject: string, item: Pending): Promise<{ seq: number; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      const id = ++this.lastPublishId;
      const h = headers();
      h.set('Content-Type', 'application/json');
      h.set('Nats-Msg-Id', item.msgId);
      this.awaitedAcks.set(id, { resolve, reject, deadline: Date.now() + this.publishTimeoutMs });
      this.ackTimer ??= setTimeout(() => this.expireAcks(), this.publishTimeoutMs);
      try {
        this.nc.publish(subject, JSON.stringify(item.event), { reply: `${this.inbox()}.${id}`, headers: h });
      } catch (err) {
        this.awaitedAcks.delete(id);
        reject(err as Error);
      }
    });
  }

  private inbox(): string {
    if (!this.ackInbox) {
      const prefix = createInbox();
      const sub = this.nc.subscribe(`${prefix}.*`, { callback: (err, msg) => this.onAck(err, msg) });
      this.ackInbox = { prefix, sub };
    }
    return this.ackInbox.prefix;
  }

  /** An ack: `{"stream":"EVENTS","seq":7}`, `{"error":{...}}`, or a no-responders status. */
  private onAck(err: NatsError | null, msg: Msg): void {
    if (err) return; // the subscription ended (close); awaited acks time out
    const id = Number(msg.subject.slice(msg.subject.lastIndexOf('.') + 1));
    const awaited = this.awaitedAcks.get(id);
    if (!awaited) return; // it timed out already
    this.awaitedAcks.delete(id);
    const status = msg.headers;
    if (status?.hasError) {
      awaited.reject(new Error(`publish failed: ${status.code} ${status.description}`));
      return;
    }
    try {
      const ack = msg.json<{ seq?: number; duplicate?: boolean; error?: { code?: number; description?: string } }>();
      if (ack.error || typeof ack.seq !== 'number') awaited.reject(new Error(`publish failed: ${ack.error?.code ?? ''} ${ack.error?.description ?? 'no sequence in the ack'}`));
      else awaited.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
    } catch (e) {
      awaited.reject(e as Error);
    }
  }

  /** Fails the publishes whose ack is overdue; one timer serves them all. */
  private expireAcks(): void {
    this.ackTimer = undefined;
    const now = Date.now();
    for (const [id, awaited] of this.awaitedAcks) {
      if (awaited.deadline > now) {
        this.ackTimer = setTimeout(() => this.expireAcks(), awaited.deadline - now);
        return;
      }
      this.awaitedAcks.delete(id);
      awaited.reject(new Error(`no ack from JetStream within ${this.publishTimeoutMs} ms`));
    }
  }

  /** Counts a failure and holds back new publishes for an exponentially growing delay. */
  private failed(err: unknown): void {
    this.failures++;
    if (this.failures === 1) this.report(err);
    const delay = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** (this.failures - 1));
    this.backoffUntil = Math.max(this.backoffUntil, Date.now() + delay);
  }
}
