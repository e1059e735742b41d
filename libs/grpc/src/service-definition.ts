// SPDX-License-Identifier: Apache-2.0
import * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescService, type MessageShape } from '@bufbuild/protobuf';

/**
 * MalformedRequest stands in for a request whose bytes did not decode as its protobuf
 * message. grpc-js answers a throwing deserializer with INTERNAL, which would blame the
 * server for the peer's mistake; decoding to this marker instead lets the handler answer
 * INVALID_ARGUMENT and name the problem.
 */
export class MalformedRequest {
  constructor(
    /** Full name of the message the bytes should have been, e.g. "berth.api.v1.GetRequest". */
    readonly typeName: string,
    /** What the decoder said. */
    readonly reason: string,
  ) {}
}

/** True when a request failed to decode (see MalformedRequest). */
export function isMalformedRequest(request: unknown): request is MalformedRequest {
  return request instanceof MalformedRequest;
}

/** The gRPC path of a method: "/berth.api.v1.Resources/Create". */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/**
 * A message serialized ahead of time, written as it is: a server sends the same watch event
 * to every watcher, and serializing it once (as kube-apiserver's cachingObject does) saves
 * the rest their copies.
 */
export class SerializedMessage {
  constructor(readonly bytes: Buffer) {}
}

/** Serializes a message of `schema` (or passes a SerializedMessage through); the serializer both sides hand to grpc-js. */
export function serializer<D extends DescMessage>(schema: D): (msg: MessageShape<D> | SerializedMessage) => Buffer {
  return (msg) => {
    if (msg instanceof SerializedMessage) return msg.bytes;
    const bytes = toBinary(schema, msg);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/** `msg` serialized once, for writing many times. */
export function serialized<D extends DescMessage>(schema: D, msg: MessageShape<D>): SerializedMessage {
  const bytes = toBinary(schema, msg);
  return new SerializedMessage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Deserializes a request: never throws, returns MalformedRequest for bad bytes. */
export function requestDeserializer<D extends DescMessage>(schema: D): (buf: Buffer) => MessageShape<D> | MalformedRequest {
  return (buf) => {
    try {
      return fromBinary(schema, buf);
    } catch (e) {
      return new MalformedRequest(schema.typeName, e instanceof Error ? e.message : String(e));
    }
  };
}

/**
 * Deserializes a response. It may throw: grpc-js turns that into an INTERNAL error of
 * the call ("Response message parsing error"), which the client reports as such.
 */
export function responseDeserializer<D extends DescMessage>(schema: D): (buf: Buffer) => MessageShape<D> {
  return (buf) => fromBinary(schema, buf);
}

/** One method's grpc-js definition, built from its protobuf-es descriptor. */
export function grpcMethodDefinition(method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: methodPath(method),
    originalName: method.name,
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    requestSerialize: serializer(method.input) as (value: unknown) => Buffer,
    requestDeserialize: requestDeserializer(method.input),
    responseSerialize: serializer(method.output) as (value: unknown) => Buffer,
    responseDeserialize: responseDeserializer(method.output),
  };
}

/**
 * The grpc-js ServiceDefinition of a protobuf-es service, keyed by each method's
 * localName ("create", "getVersion"); handlers may use either that or the proto name
 * ("Create"), grpc-js accepts both. Built from the descriptors rather than with
 * @grpc/proto-loader so the generated types are the only source of truth.
 */
export function grpcServiceDefinition(service: DescService): grpc.ServiceDefinition {
  return Object.fromEntries(service.methods.map((m) => [m.localName, grpcMethodDefinition(m)]));
}

/**
 * A grpc-js client class for a protobuf-es service: `new (grpcClientConstructor(Resources))(address, creds)`
 * has one method per RPC (by localName and by proto name), taking and returning protobuf-es messages.
 */
export function grpcClientConstructor(service: DescService): grpc.ServiceClientConstructor {
  return grpc.makeClientConstructor(grpcServiceDefinition(service), service.typeName);
}
