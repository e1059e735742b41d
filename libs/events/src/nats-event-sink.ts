// SPDX-License-Identifier: Apache-2.0
import { Events, headers, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
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

/**
 * Publishes events to the JetStream stream EVENTS, one subject per event so the stream
 * keeps only the latest version. Writes return at once; a single pump publishes them in
 * order, retrying with backoff while NATS is down. While waiting, a newer version of an
 * event replaces the older one in the buffer, and past `maxBuffered` the oldest event is
 * dropped (counted in `dropped`). Nothing here throws into the caller.
 */
export class NatsEventSink implements EventSink {
  private readonly nc: NatsConnection;
  private readonly maxBuffered: number;
  private readonly publishTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly onError: (err: unknown) => void;
  /** subject → latest unpublished version; Map order is the publish order. */
  private readonly queue = new Map<string, Pending>();
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private streamReady = false;
  private connected = true;
  private running = false;
  private closed = false;
  private failures = 0;
  private wake: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private statusIter: { stop?: () => void } | undefined;

  /** Event versions dropped because the buffer was full. */
  dropped = 0;
  /** Event versions JetStream acknowledged. */
  published = 0;
  /** The highest stream sequence JetStream acknowledged (0 before the first ack). */
  lastSeq = 0;

  constructor(opts: NatsEventSinkOptions) {
    this.nc = opts.nc;
    this.maxBuffered = opts.maxBuffered ?? 1000;
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
      this.kick();
    } catch (err) {
      this.report(err);
    }
  }

  /** Event versions waiting to be published. */
  get buffered(): number {
    return this.queue.size;
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

  private kick(): void {
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
    while (!this.closed && this.queue.size > 0) {
      if (this.nc.isClosed()) return; // nobody will deliver these; keep them counted as buffered
      if (!this.connected) {
        await this.sleep(this.retryMaxMs);
        continue;
      }
      const first = this.queue.entries().next();
      if (first.done) return;
      const [subject, item] = first.value;
      try {
        if (!this.streamReady) {
          this.jsm ??= await this.nc.jetstreamManager({ timeout: this.publishTimeoutMs });
          await ensureEventStream(this.jsm);
          this.streamReady = true;
        }
        this.js ??= this.nc.jetstream({ timeout: this.publishTimeoutMs });
        const h = headers();
        h.set('Content-Type', 'application/json');
        const ack = await this.js.publish(subject, JSON.stringify(item.event), {
          msgID: item.msgId,
          headers: h,
          timeout: this.publishTimeoutMs,
        });
        this.published++;
        this.lastSeq = Math.max(this.lastSeq, ack.seq);
        // A newer version written meanwhile stays queued and goes out next.
        if (this.queue.get(subject) === item) this.queue.delete(subject);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        // 503 no responders: the stream is gone (or JetStream restarting); re-create it next time.
        this.streamReady = false;
        if (this.failures === 1) this.report(err);
        const delay = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** (this.failures - 1));
        await this.sleep(delay);
      }
    }
  }
}
