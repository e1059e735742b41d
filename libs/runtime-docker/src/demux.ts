// SPDX-License-Identifier: Apache-2.0
import type { LogChunk } from '@berth/runtime';

/**
 * Splits Docker's multiplexed attach/log stream (8-byte header: stream type, 3 zero bytes,
 * big-endian length; then the payload) into stdout/stderr chunks. Frames may be cut
 * anywhere by the transport, so bytes are buffered until a whole frame is there.
 */
export async function* demuxDockerStream(source: AsyncIterable<Uint8Array | string>): AsyncIterable<LogChunk> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    buf = Buffer.concat([buf, typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece)]);
    for (;;) {
      if (buf.length < 8) break;
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      const type = buf[0];
      const data = buf.subarray(8, 8 + len);
      buf = buf.subarray(8 + len);
      yield { stream: type === 2 ? 'stderr' : 'stdout', data: Buffer.from(data) };
    }
  }
}

/** A raw (tty) stream as stdout chunks. */
export async function* rawStream(source: AsyncIterable<Uint8Array | string>): AsyncIterable<LogChunk> {
  for await (const piece of source) yield { stream: 'stdout', data: typeof piece === 'string' ? Buffer.from(piece) : piece };
}
