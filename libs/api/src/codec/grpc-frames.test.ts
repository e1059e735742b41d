// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameError, MessageFramer, frameMessage } from './grpc-frames';

const text = (b: Buffer): string => b.toString('utf8');

describe('gRPC message framing', () => {
  test('a frame is a zero flag, the length big-endian, then the bytes', () => {
    assert.deepEqual([...frameMessage(Buffer.from('hi'))], [0, 0, 0, 0, 2, 0x68, 0x69]);
    assert.deepEqual([...frameMessage(new Uint8Array(0))], [0, 0, 0, 0, 0]);
  });

  test('messages come out whole however the chunks cut them', () => {
    const stream = Buffer.concat(['one', '', 'three', 'x'.repeat(70_000)].map((m) => frameMessage(Buffer.from(m))));
    for (const size of [1, 2, 5, 7, 4096, stream.length]) {
      const framer = new MessageFramer(1 << 20);
      const out: string[] = [];
      for (let at = 0; at < stream.length; at += size) out.push(...framer.push(stream.subarray(at, at + size)).map(text));
      assert.deepEqual(out, ['one', '', 'three', 'x'.repeat(70_000)], `chunks of ${size}`);
      assert.equal(framer.buffered, 0);
    }
  });

  test('a message begun but not finished waits for the rest', () => {
    const framer = new MessageFramer(100);
    const frame = frameMessage(Buffer.from('hello'));
    assert.deepEqual(framer.push(frame.subarray(0, 7)), []);
    assert.equal(framer.buffered, 7);
    assert.deepEqual(framer.push(frame.subarray(7)).map(text), ['hello']);
  });

  test('compressed and oversized messages are refused', () => {
    const compressed = frameMessage(Buffer.from('z'));
    compressed[0] = 1;
    assert.throws(() => new MessageFramer(100).push(compressed), (e) => e instanceof FrameError && e.reason === 'compressed' && /compressed/.test(e.message));
    assert.throws(
      () => new MessageFramer(4).push(frameMessage(Buffer.from('12345'))),
      (e) => e instanceof FrameError && e.reason === 'too-large' && e.length === 5 && /5 bytes; the limit is 4/.test(e.message),
    );
  });
});
