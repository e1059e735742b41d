// SPDX-License-Identifier: Apache-2.0
export { parseManifests, MAX_MANIFEST_BYTES } from './manifest';
export { decodeMessage, decodeObject, type DecodeOptions, type DecodeResult, type FieldValidation } from './typed';
export { convertLegacy } from './conversion';
export { utf8 } from './utf8';
export { packObject, packImmutableObject, immutableObjectJson, unpackObject, encodeObject, decodeObjectBytes } from './wire';
export { frameMessage, MessageFramer, FrameError } from './grpc-frames';
