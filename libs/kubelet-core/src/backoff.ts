// SPDX-License-Identifier: Apache-2.0
/**
 * Per-key exponential back-off as the kubelet's flowcontrol.Backoff: the first restart is
 * immediate, then each restart waits twice as long as the previous one (10 s → 5 min for
 * crashing containers), and a key untouched for 2×max starts over.
 */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastUpdate: number }>();

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
  ) {}

  /** Records a restart at `now` and returns the delay that will guard the next one. */
  next(key: string, now: number): number {
    const e = this.entries.get(key);
    const delayMs = !e || now - e.lastUpdate > 2 * this.maxMs ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastUpdate: now });
    return delayMs;
  }

  /** The current delay of a key (0 when never backed off). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /**
   * How many ms are left of the back-off that started at `since` (e.g. when the container
   * died); 0 when the key may act now.
   */
  remaining(key: string, since: number, now: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, since + e.delayMs - now);
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key with this prefix (a deleted pod). */
  resetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
