// SPDX-License-Identifier: Apache-2.0

/**
 * The sender's side of a byte window: output may be sent while fewer than `size` bytes are
 * unacknowledged; the receiver acknowledges the bytes it has taken, in all (so a lost or
 * repeated ack does no harm). A size of 0 is no window at all.
 */
export class SendWindow {
  private sent = 0;
  private acked = 0;
  private closed = false;
  private wake?: () => void;

  constructor(readonly size: number) {}

  /** Resolves when `n` more bytes may go out (at once while there is room), and counts them. */
  async reserve(n: number): Promise<void> {
    while (this.size > 0 && !this.closed && this.sent - this.acked >= this.size) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.sent += n;
  }

  /** The receiver has taken `total` bytes in all. */
  ack(total: number): void {
    if (!(total > this.acked)) return;
    this.acked = Math.min(total, this.sent);
    this.release();
  }

  /** The session ends: nobody waits for room any more. */
  close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
