// SPDX-License-Identifier: Apache-2.0
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { apiV1 } from '@berth/api-types';
import { methodPath, responseDeserializer, serializer } from './service-definition';
import { fromRpcStatus } from './status-mapping';

/** What a call on the stream carries: the CallRequest's `call`, without the cancel case. */
export type StreamCall = Exclude<apiV1.CallRequest['call'], { case: 'cancel' } | { case: undefined }>;

/**
 * How long a stream with no call waiting stays open. An open call keeps grpc-js's
 * connection, and so the process, alive; closed, a client that is done lets its process
 * exit, and a client calling every few seconds (a kubelet's status) pays what a unary call
 * would. A busy client always has calls waiting.
 */
export const CALL_STREAM_IDLE_MS = 500;

/** Thrown when the server has no Resources.Calls (an older apiserver): make the call unary. */
export class CallsUnsupported extends Error {}

interface Waiting {
  /** The stream the call went out on: a stream that ends fails only its own calls. */
  stream: grpc.ClientDuplexStream<apiV1.CallRequest, apiV1.CallResponse>;
  resolve(res: apiV1.ObjectResponse): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * CallStream sends one address's single-object calls over one Resources.Calls stream,
 * opened on the first call and again after the stream ends. Answers come back by id.
 * Failures keep the unary call's shapes: an answered error is the server's StatusError; a
 * broken stream fails every call on it with grpc-js's error (so "No connection
 * established" still says that nothing was sent), and a deadline with DEADLINE_EXCEEDED.
 */
export class CallStream {
  private stream: grpc.ClientDuplexStream<apiV1.CallRequest, apiV1.CallResponse> | undefined;
  private readonly waiting = new Map<bigint, Waiting>();
  private nextId = 1n;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Set once the server answered UNIMPLEMENTED: it has no Calls, every call goes unary. */
  unsupported = false;

  constructor(
    private readonly client: grpc.Client,
    private readonly address: string,
    private readonly metadata: () => grpc.Metadata,
  ) {}

  /** Makes one call; rejects with CallsUnsupported when the server turned the stream down. */
  call(call: StreamCall, timeoutMs: number): Promise<apiV1.ObjectResponse> {
    if (this.unsupported) return Promise.reject(new CallsUnsupported());
    const stream = this.open();
    const id = this.nextId++;
    clearTimeout(this.idleTimer);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.waiting.delete(id)) return;
        this.idleSoon();
        reject({ code: grpc.status.DEADLINE_EXCEEDED, details: `Deadline exceeded after ${timeoutMs / 1000}s` });
        // Tell the server, so it stops the call if it can; its answer would find nobody.
        if (this.stream === stream) stream.write(create(apiV1.CallRequestSchema, { id, call: { case: 'cancel', value: true } }));
      }, timeoutMs);
      this.waiting.set(id, { stream, resolve, reject, timer });
      stream.write(create(apiV1.CallRequestSchema, { id, call }));
    });
  }

  /** Ends the stream; calls still waiting fail as cancelled. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.stream?.cancel();
  }

  /** Once no call waits, the stream is closed after CALL_STREAM_IDLE_MS unless another call comes. */
  private idleSoon(): void {
    if (this.waiting.size > 0 || !this.stream) return;
    const stream = this.stream;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.stream !== stream || this.waiting.size > 0) return;
      this.stream = undefined;
      stream.end();
    }, CALL_STREAM_IDLE_MS);
  }

  private open(): grpc.ClientDuplexStream<apiV1.CallRequest, apiV1.CallResponse> {
    if (this.stream) return this.stream;
    const method = apiV1.Resources.method.calls;
    const stream = this.client.makeBidiStreamRequest(methodPath(method), serializer(method.input), responseDeserializer(method.output), this.metadata(), {});
    this.stream = stream;
    stream.on('data', (res: apiV1.CallResponse) => {
      const w = this.waiting.get(res.id);
      if (!w) return; // given up on (deadline)
      this.waiting.delete(res.id);
      clearTimeout(w.timer);
      this.idleSoon();
      if (res.result.case === 'object') w.resolve(res.result.value);
      else if (res.result.case === 'error') w.reject(fromRpcStatus(res.result.value, this.address));
      else w.reject({ code: grpc.status.INTERNAL, details: `the server answered call ${res.id} with neither an object nor an error` });
    });
    // grpc-js reports the end of a call as a status ('error' for anything but OK): every
    // call still waiting on this stream then fails with it.
    const ended = (err: unknown): void => {
      if (this.stream === stream) this.stream = undefined;
      if ((err as { code?: number } | undefined)?.code === grpc.status.UNIMPLEMENTED) {
        this.unsupported = true;
        err = new CallsUnsupported();
      }
      const failure = err ?? { code: grpc.status.UNAVAILABLE, details: 'the server ended the call stream' };
      for (const [id, w] of this.waiting) {
        if (w.stream !== stream) continue;
        this.waiting.delete(id);
        clearTimeout(w.timer);
        w.reject(failure);
      }
    };
    stream.on('error', ended);
    stream.on('end', () => ended(undefined));
    return stream;
  }
}
