// SPDX-License-Identifier: Apache-2.0
// protobuf-es's BinaryWriter grows a fresh Uint8Array (128, 256, 512... bytes) and copies the
// result out with slice(): five ArrayBuffers for a 1.5 KB pod. Each ArrayBuffer lives outside
// V8's heap, and on these machines one costs ~2.5 µs to make and sweep, so toBinary of a watch
// event or an etcd write took ~12 µs. Here the writer takes its buffers from Node's Buffer pool
// (slices of one 8 KB ArrayBuffer) and hands back a view of the bytes written: ~1.8 µs.
// Only buffer management changes; every byte is still written by the library's own code.
import { BinaryWriter } from '@bufbuild/protobuf/wire';

interface WriterState {
  buffer: Uint8Array;
  pos: number;
  stackPos: number[];
  viewCache: DataView;
}

/** The first buffer a writer takes; it doubles from there. */
const FIRST_SIZE = 256;
const EMPTY = new Uint8Array(0);

const writerPrototype = BinaryWriter.prototype as unknown as Record<string, unknown>;

/** BinaryWriter's own (private) methods that the pooled ones replace, kept for tests. */
const libraryBufferMethods = {
  ensureCapacity: writerPrototype['ensureCapacity'],
  view: writerPrototype['view'],
  finish: writerPrototype['finish'],
};

const pooledBufferMethods = {
  ensureCapacity(this: WriterState, size: number): void {
    const required = this.pos + size;
    if (required <= this.buffer.length) return;
    let length = this.buffer.length * 2 || FIRST_SIZE;
    while (length < required) length *= 2;
    // Not zeroed: the writer writes every byte before pos, and only those are returned.
    const grown = Buffer.allocUnsafe(length);
    if (this.pos > 0) grown.set(this.buffer.subarray(0, this.pos));
    this.buffer = grown;
  },
  /** A DataView of exactly the current buffer: a pooled one starts inside a larger ArrayBuffer. */
  view(this: WriterState): DataView {
    const b = this.buffer;
    const v = this.viewCache;
    if (v.buffer === b.buffer && v.byteOffset === b.byteOffset && v.byteLength === b.byteLength) return v;
    return (this.viewCache = new DataView(b.buffer, b.byteOffset, b.byteLength));
  },
  /** The bytes written, without a copy; the writer starts over with a new buffer. */
  finish(this: WriterState): Uint8Array {
    const bytes = this.buffer.subarray(0, this.pos);
    this.buffer = EMPTY;
    this.pos = 0;
    this.stackPos = [];
    return bytes;
  },
};

/**
 * Makes every BinaryWriter (so every toBinary) take its buffers from Node's pool. Done once
 * when @berth/api-types loads; `false` turns it back (for tests). If a later protobuf-es no
 * longer has these methods, nothing is changed and it returns false
 * (pooled-binary-writer.test.ts then fails, so the upgrade is noticed).
 */
export function usePooledBinaryWriter(on = true): boolean {
  if (!Object.values(libraryBufferMethods).every((m) => typeof m === 'function')) return false;
  Object.assign(writerPrototype, on ? pooledBufferMethods : libraryBufferMethods);
  return true;
}

usePooledBinaryWriter();
