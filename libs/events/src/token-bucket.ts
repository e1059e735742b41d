// SPDX-License-Identifier: Apache-2.0

/**
 * A token bucket (client-go's flowcontrol.NewTokenBucketRateLimiter): starts full with
 * `burst` tokens and refills `qps` tokens per second; tryAccept takes one if there is one.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.last = nowMs;
  }

  tryAccept(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.qps);
    this.last = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
