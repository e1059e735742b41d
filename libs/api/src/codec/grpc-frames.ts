// SPDX-License-Identifier: Apache-2.0

/** gRPC's length-prefixed message framing (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). */

/** One message as gRPC frames it: a compressed flag (0), its length (big-endian uint32), the bytes. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** A frame MessageFramer refuses: compressed (nothing here asks for compression), or over its limit. */
export class FrameError extends Error {
  constructor(
    readonly reason: 'compressed' | 'too-large',
    /** The message's length from its frame header. */
    readonly length: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * Splits a stream of DATA chunks into gRPC messages, however the chunks cut them. Compressed
 * messages are refused, as are ones over `maxBytes` (a FrameError, worded for the peer that
 * sent it: "a message of 5 bytes; the limit is 4").
 */
export class MessageFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Feeds one chunk; returns the messages it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.pendingBytes < 5) return out;
      const head = this.pending.length === 1 ? (this.pending[0] as Buffer) : this.join();
      const length = head.readUInt32BE(1);
      if (head[0] !== 0) throw new FrameError('compressed', length, 'a compressed message, which was not asked for');
      if (length > this.maxBytes) throw new FrameError('too-large', length, `a message of ${length} bytes; the limit is ${this.maxBytes}`);
      if (this.pendingBytes < 5 + length) return out;
      const all = this.pending.length === 1 ? head : this.join();
      out.push(all.subarray(5, 5 + length));
      const rest = all.subarray(5 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
  }

  /** Bytes of a message begun but not finished. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private join(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all;
  }
}
