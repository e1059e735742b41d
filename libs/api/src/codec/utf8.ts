// SPDX-License-Identifier: Apache-2.0

/** UTF-8 bytes as a string, read in place (a Buffer view over them: no copy). */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
