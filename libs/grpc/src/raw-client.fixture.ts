// SPDX-License-Identifier: Apache-2.0
// Tests speak the API by hand, bytes in and bytes out, as a client in another language would.
import type * as grpc from '@grpc/grpc-js';

/** A method of a hand-made client: its path and streaming flags; messages stay raw bytes. */
export function bytesMethod(path: string, requestStream = false, responseStream = false): grpc.MethodDefinition<Buffer, Buffer> {
  const same = (b: Buffer): Buffer => b;
  return { path, requestStream, responseStream, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same };
}
