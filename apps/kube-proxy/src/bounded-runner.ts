// SPDX-License-Identifier: Apache-2.0

/** Options of BoundedFrequencyRunner. */
export interface BoundedRunnerOptions {
  /** Never start two runs closer than this (bursts of requests coalesce into one run). */
  minIntervalMs: number;
  /** Run at least this often even without requests (the periodic full resync). */
  maxIntervalMs: number;
  /** The work. Errors are the callback's to handle (it may call retryAfter). */
  fn: () => Promise<void>;
}

/**
 * BoundedFrequencyRunner runs `fn` when asked, but never more often than minInterval and
 * never less often than maxInterval, like kube-proxy's async.BoundedFrequencyRunner.
 * Requests that arrive while a run is pending or in progress are merged into the next run,
 * so a burst of a thousand endpoint changes costs one or two syncs. Idle, it sleeps on a
 * single timer until maxInterval: no CPU.
 */
export class BoundedFrequencyRunner {
  private lastStart = -Infinity;
  private running = false;
  private pending = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = true;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BoundedRunnerOptions) {}

  /** Starts the periodic schedule (the first periodic run is maxInterval from now). */
  start(): void {
    this.stopped = false;
    this.schedule(this.opts.maxIntervalMs);
  }

  /** Asks for a run as soon as minInterval allows. */
  run(): void {
    if (this.stopped) return;
    this.pending = true;
    if (this.running) return;
    this.schedule(Math.max(0, this.lastStart + this.opts.minIntervalMs - Date.now()));
  }

  /** Asks for a run after `ms` (at the latest), e.g. to retry a failed sync. */
  retryAfter(ms: number): void {
    if (this.stopped) return;
    this.pending = true;
    if (!this.running) this.schedule(ms);
    else this.retryMs = ms;
  }

  private retryMs: number | undefined;

  /** Stops the timers and resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    await this.idle;
  }

  private schedule(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), delayMs);
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped || this.running) return;
    this.running = true;
    this.pending = false;
    this.lastStart = Date.now();
    this.idle = (async () => {
      try {
        await this.opts.fn();
      } catch {
        // fn reports its own failures; the runner only keeps the schedule.
      } finally {
        this.running = false;
        if (!this.stopped) {
          const retry = this.retryMs;
          this.retryMs = undefined;
          if (retry !== undefined) this.schedule(Math.max(retry, this.opts.minIntervalMs));
          else if (this.pending) this.schedule(this.opts.minIntervalMs);
          else this.schedule(this.opts.maxIntervalMs);
        }
      }
    })();
  }
}
