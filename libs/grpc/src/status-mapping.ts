// SPDX-License-Identifier: Apache-2.0
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, fromJson, toBinary, toJson, type JsonValue } from '@bufbuild/protobuf';
import { anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import { metaV1, rpcStatusPb } from '@berth/api-types';
import { StatusError, newStatusError, type Status, type StatusReason } from '@berth/api';

/** Trailer in which gRPC carries a google.rpc.Status with rich error details. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const CODE_OF_REASON: Partial<Record<StatusReason, grpc.status>> = {
  NotFound: grpc.status.NOT_FOUND,
  AlreadyExists: grpc.status.ALREADY_EXISTS,
  Conflict: grpc.status.ABORTED,
  Invalid: grpc.status.INVALID_ARGUMENT,
  BadRequest: grpc.status.INVALID_ARGUMENT,
  Expired: grpc.status.OUT_OF_RANGE,
  Gone: grpc.status.OUT_OF_RANGE,
  Forbidden: grpc.status.PERMISSION_DENIED,
  Unauthorized: grpc.status.UNAUTHENTICATED,
  MethodNotAllowed: grpc.status.UNIMPLEMENTED,
  RequestEntityTooLarge: grpc.status.RESOURCE_EXHAUSTED,
  TooManyRequests: grpc.status.RESOURCE_EXHAUSTED,
  Timeout: grpc.status.DEADLINE_EXCEEDED,
  ServiceUnavailable: grpc.status.UNAVAILABLE,
};

/** The gRPC code for a Kubernetes reason; INTERNAL for reasons without a closer match. */
export function grpcCodeForReason(reason: string | undefined): grpc.status {
  return CODE_OF_REASON[reason as StatusReason] ?? grpc.status.INTERNAL;
}

// Used only when a peer sent a bare gRPC code without a Status detail (another
// implementation, a proxy, grpc-js itself): the closest Kubernetes reason.
const REASON_OF_CODE: Partial<Record<grpc.status, StatusReason>> = {
  [grpc.status.NOT_FOUND]: 'NotFound',
  [grpc.status.ALREADY_EXISTS]: 'AlreadyExists',
  [grpc.status.ABORTED]: 'Conflict',
  [grpc.status.INVALID_ARGUMENT]: 'BadRequest',
  [grpc.status.FAILED_PRECONDITION]: 'BadRequest',
  [grpc.status.OUT_OF_RANGE]: 'Expired',
  [grpc.status.PERMISSION_DENIED]: 'Forbidden',
  [grpc.status.UNAUTHENTICATED]: 'Unauthorized',
  [grpc.status.UNIMPLEMENTED]: 'MethodNotAllowed',
  [grpc.status.RESOURCE_EXHAUSTED]: 'TooManyRequests',
  [grpc.status.DEADLINE_EXCEEDED]: 'Timeout',
  [grpc.status.UNAVAILABLE]: 'ServiceUnavailable',
};

/** A gRPC error as a server handler reports it: code, message and trailers. */
export interface GrpcErrorStatus {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
}

/** The StatusError for anything thrown: StatusErrors as they are, the rest as InternalError. */
export function asStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return newStatusError('InternalError', `Internal error occurred: ${message}`);
}

/**
 * A StatusError (or anything else thrown) as a gRPC status: the code from its reason,
 * its message as the gRPC message, and the whole berth.meta.v1.Status packed into a
 * google.rpc.Status in the `grpc-status-details-bin` trailer, where gRPC clients of any
 * language look for details.
 */
export function toGrpcStatus(err: unknown): GrpcErrorStatus {
  const rpc = toRpcStatus(err);
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(toBinary(rpcStatusPb.StatusSchema, rpc)));
  return { code: rpc.code, details: rpc.message, metadata };
}

/** The google.rpc.Status of toGrpcStatus by itself, as Resources.Calls answers a failed call. */
export function toRpcStatus(err: unknown): rpcStatusPb.Status {
  const se = asStatusError(err);
  const code = grpcCodeForReason(se.status.reason);
  const status = fromJson(metaV1.StatusSchema, se.status as JsonValue, { ignoreUnknownFields: true });
  return create(rpcStatusPb.StatusSchema, { code, message: se.status.message ?? se.message, details: [anyPack(metaV1.StatusSchema, status)] });
}

/** Reads the berth.meta.v1.Status a server put in the trailers, if any. */
export function statusFromMetadata(metadata: grpc.Metadata | undefined): Status | undefined {
  const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!raw || typeof raw === 'string') return undefined;
  try {
    return statusOfRpc(fromBinary(rpcStatusPb.StatusSchema, raw));
  } catch {
    // A detail we cannot read is no worse than no detail: fall back to the code.
    return undefined;
  }
}

function statusOfRpc(rpc: rpcStatusPb.Status): Status | undefined {
  for (const detail of rpc.details) {
    const status = anyUnpack(detail, metaV1.StatusSchema);
    if (status) return toJson(metaV1.StatusSchema, status) as Status;
  }
  return undefined;
}

/** The StatusError of a failed Resources.Calls call: read as fromGrpcError reads a unary call's trailers. */
export function fromRpcStatus(rpc: rpcStatusPb.Status, address?: string): StatusError {
  let status: Status | undefined;
  try {
    status = statusOfRpc(rpc);
  } catch {
    // As in statusFromMetadata: fall back to the code.
  }
  if (status) return new StatusError(status);
  return fromGrpcError({ code: rpc.code, details: rpc.message }, address);
}

/** The shape of errors grpc-js hands to client callbacks and stream 'error' events. */
export interface GrpcCallError {
  code?: number;
  details?: string;
  message?: string;
  metadata?: grpc.Metadata;
}

/**
 * True when grpc-js failed the call because no connection to the server could be made
 * (refused, unreachable, name not resolved): the request never left the client, so any
 * call, even a create, is safe to send again elsewhere.
 */
export function isConnectFailure(err: unknown): boolean {
  const e = err as GrpcCallError;
  if (e?.code !== grpc.status.UNAVAILABLE || statusFromMetadata(e.metadata)) return false;
  const details = e.details ?? '';
  return details.startsWith('No connection established') || details.startsWith('Name resolution failed');
}

/**
 * Turns any error of a gRPC call back into a StatusError: the server's own Status when
 * the trailers carry one, otherwise the closest reason for the bare code. `address` is
 * the server the call went to, for kubectl's wording of connection failures.
 */
export function fromGrpcError(err: unknown, address?: string): StatusError {
  if (err instanceof StatusError) return err;
  const e = (err ?? {}) as GrpcCallError;
  const status = statusFromMetadata(e.metadata);
  if (status) return new StatusError(status);
  const code = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const details = e.details ?? e.message ?? 'unknown error';
  if (code === grpc.status.UNAVAILABLE) return unavailable(details, address);
  if (code === grpc.status.CANCELLED) return newStatusError('InternalError', `request cancelled: ${details}`);
  const reason = REASON_OF_CODE[code as grpc.status] ?? 'InternalError';
  return newStatusError(reason, reason === 'InternalError' ? `Internal error occurred: ${details}` : details);
}

function unavailable(details: string, address: string | undefined): StatusError {
  const server = address ?? 'the server';
  if (/ECONNREFUSED/.test(details)) {
    return newStatusError(
      'ServiceUnavailable',
      `The connection to the server ${server} was refused - did you specify the right host or port?`,
    );
  }
  if (isConnectFailure({ code: grpc.status.UNAVAILABLE, details })) {
    return newStatusError('ServiceUnavailable', `Unable to connect to the server ${server}: ${connectReason(details)}`);
  }
  return newStatusError('ServiceUnavailable', `the server ${server} is currently unable to handle the request: ${details}`);
}

// "No connection established. Last error: Error: connect EHOSTUNREACH ... Resolution note: "
// → the part a user can act on.
function connectReason(details: string): string {
  const m = /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/.exec(details);
  return m?.[1] || details;
}
