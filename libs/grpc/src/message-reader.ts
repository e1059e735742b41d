// SPDX-License-Identifier: Apache-2.0
import type { EventEmitter } from 'node:events';

/** What readMessages needs of a stream: a grpc-js client's Readable, or a server call (GrpcServer). */
export type MessageSource = EventEmitter & { pause(): unknown; resume(): unknown; isPaused(): boolean };

/** The messages of a grpc-js stream read one by one: `next()` resolves undefined at the end and rejects on error. */
export interface MessageReader<T> {
  next(): Promise<T | undefined>;
}

/**
 * Reads the messages of a grpc-js readable (a client's response stream, a server's request
 * stream). grpc-js emits 'error' on its streams by hand, so they must always have a
 * listener: an async iterator over the Readable removes its own when the loop is left
 * early (and destroys the stream), and a late CANCELLED status would then crash the
 * process. This reader keeps its listeners, and pauses the stream while `highWater`
 * messages wait, so HTTP/2 flow control slows the sender down.
 */
export function readMessages<T>(stream: MessageSource, highWater = 64): MessageReader<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (msg: T) => {
    queue.push(msg);
    if (queue.length >= highWater) stream.pause();
    notify();
  });
  stream.on('error', (err: unknown) => {
    failure ??= err;
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  return {
    async next() {
      for (;;) {
        if (queue.length > 0) {
          const msg = queue.shift() as T;
          if (queue.length < highWater / 4 && stream.isPaused()) stream.resume();
          return msg;
        }
        if (failure !== undefined) throw failure;
        if (ended) return undefined;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
