// SPDX-License-Identifier: Apache-2.0
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { apiV1, type rpcStatusPb } from '@berth/api-types';
import { badRequest, type RequestContext } from '@berth/api';
import type { ServerCall } from './grpc-server';
import { LazyAbort } from './lazy-abort';
import { isMalformedRequest, type MalformedRequest } from './service-definition';
import { toGrpcStatus, type GrpcErrorStatus } from './status-mapping';

/** The unary Resources methods that Calls carries, keyed by the CallRequest case naming each. */
export interface CallHandlers {
  create(req: apiV1.CreateRequest, ctx: RequestContext): Promise<apiV1.ObjectResponse>;
  get(req: apiV1.GetRequest, ctx: RequestContext): Promise<apiV1.ObjectResponse>;
  update(req: apiV1.UpdateRequest, ctx: RequestContext): Promise<apiV1.ObjectResponse>;
  patch(req: apiV1.PatchRequest, ctx: RequestContext): Promise<apiV1.ObjectResponse>;
  delete(req: apiV1.DeleteRequest, ctx: RequestContext): Promise<apiV1.ObjectResponse>;
}

/** The RPC name of each case, for metrics and logs: a call on the stream counts as its unary method. */
const METHOD: Record<keyof CallHandlers, string> = { create: 'Create', get: 'Get', update: 'Update', patch: 'Patch', delete: 'Delete' };

/**
 * Calls one stream runs at once. Past it the stream is no longer read, so HTTP/2 flow
 * control holds the client back instead of the server queueing without bound.
 */
export const MAX_CALLS_IN_FLIGHT = 256;

export interface CallsHooks {
  /** The caller's identity for one call of `method` ("Create"): authenticated as that unary call would be. */
  context(method: string, signal: () => AbortSignal): Promise<RequestContext>;
  /** A failed call's answer; also reports failures that are not StatusErrors. */
  fail(method: string, err: unknown): rpcStatusPb.Status;
  observe(method: string, request: unknown, start: number, code: grpc.status): void;
}

/** A Calls stream being served. */
export interface ServedCalls {
  /** Its status, once it is over. */
  done: Promise<grpc.status>;
  /** Ends the stream as soon as no call is running (the server is shutting down). */
  drain(): void;
}

/**
 * Serves Resources.Calls: runs each CallRequest with the same handler as its unary method
 * and answers it by id, as calls finish. A malformed message ends the stream with
 * INVALID_ARGUMENT (its id cannot be read); everything else is answered call by call.
 */
export function serveCalls(
  stream: ServerCall,
  handlers: CallHandlers,
  hooks: CallsHooks,
): ServedCalls {
  // Calls running, by id. An aborted one was cancelled by the client or with the stream: nobody waits for its answer.
  const running = new Map<bigint, LazyAbort>();
  let over = false;
  let clientDone = false;
  let settle: (code: grpc.status) => void = () => {};
  const done = new Promise<grpc.status>((resolve) => (settle = resolve));

  const finish = (code: grpc.status, err?: GrpcErrorStatus): void => {
    if (over) return;
    over = true;
    for (const r of running.values()) r.abort();
    running.clear();
    if (err) stream.emit('error', Object.assign(new Error(err.details), err));
    else if (code === grpc.status.OK) stream.end();
    settle(code);
  };
  const answer = (id: bigint, result: apiV1.CallResponse['result']): void => {
    if (!over) stream.write(create(apiV1.CallResponseSchema, { id, result }));
  };
  const settled = (id: bigint): void => {
    running.delete(id);
    if (stream.isPaused() && running.size < MAX_CALLS_IN_FLIGHT / 2) stream.resume();
    if (clientDone && running.size === 0) finish(grpc.status.OK);
  };

  stream.on('cancelled', () => finish(grpc.status.CANCELLED));
  stream.on('error', () => finish(grpc.status.CANCELLED));
  // The client half-closed, or the server drains: end once the calls running are answered.
  const wrapUp = (): void => {
    clientDone = true;
    if (running.size === 0) finish(grpc.status.OK);
  };
  stream.on('end', wrapUp);
  stream.on('data', (req: apiV1.CallRequest | MalformedRequest) => {
    if (over) return;
    if (isMalformedRequest(req)) {
      finish(grpc.status.INVALID_ARGUMENT, toGrpcStatus(badRequest(`the request is not a valid ${req.typeName} message: ${req.reason}`)));
      return;
    }
    const { id, call } = req;
    if (call.case === 'cancel') {
      running.get(id)?.abort();
      return;
    }
    if (call.case === undefined) {
      answer(id, { case: 'error', value: hooks.fail('Calls', badRequest('the call names no method: one of create, get, update, patch or delete is required')) });
      return;
    }
    if (running.has(id)) {
      answer(id, { case: 'error', value: hooks.fail('Calls', badRequest(`call ${id} is already in flight on this stream`)) });
      return;
    }
    const r = new LazyAbort();
    running.set(id, r);
    if (running.size >= MAX_CALLS_IN_FLIGHT) stream.pause();
    const method = METHOD[call.case];
    const start = performance.now();
    const run = async (): Promise<apiV1.ObjectResponse> => {
      const ctx = await hooks.context(method, () => r.signal);
      // The case and its value travel together; TypeScript cannot see that through an index.
      return (handlers[call.case] as (req: unknown, ctx: RequestContext) => Promise<apiV1.ObjectResponse>)(call.value, ctx);
    };
    run().then(
      (res) => {
        hooks.observe(method, call.value, start, r.aborted ? grpc.status.CANCELLED : grpc.status.OK);
        if (!r.aborted) answer(id, { case: 'object', value: res });
        settled(id);
      },
      (err: unknown) => {
        const st = hooks.fail(method, err);
        hooks.observe(method, call.value, start, r.aborted ? grpc.status.CANCELLED : st.code);
        if (!r.aborted) answer(id, { case: 'error', value: st });
        settled(id);
      },
    );
  });
  return { done, drain: wrapUp };
}
