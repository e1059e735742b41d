// SPDX-License-Identifier: Apache-2.0
/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge key by key, `null`
 * deletes a key, everything else (lists included) replaces. Also the small JSON helpers the
 * other patch kinds share.
 */
import { isDeepStrictEqual } from 'node:util';
import { badRequest } from '../errors';

/** A JSON object. */
export type JsonMap = Record<string, unknown>;

/** True for a JSON object (not null, not a list). @internal */
export function isJsonMap(v: unknown): v is JsonMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A deep copy of a JSON value. Object properties whose value is `undefined` are dropped, as
 * serialising would drop them, so callers can pass objects built in code. @internal
 */
export function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map((e) => cloneJson(e)) as T;
  if (isJsonMap(v)) {
    const out: JsonMap = {};
    for (const [k, e] of Object.entries(v)) if (e !== undefined) putKey(out, k, cloneJson(e));
    return out as T;
  }
  return v;
}

/** Own-property test (never the prototype chain: "constructor" is not a key of {}). @internal */
export function hasKey(m: JsonMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key) && m[key] !== undefined;
}

/** Sets a key as an own data property, so a "__proto__" key cannot reach the prototype. @internal */
export function putKey(m: JsonMap, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(m, key, { value: v, enumerable: true, writable: true, configurable: true });
  else m[key] = v;
}

/** Deep equality of two JSON values. @internal */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** The JSON type of a value, as Go's reflect.TypeOf sees a decoded document. @internal */
export function jsonKind(v: unknown): 'map' | 'list' | 'string' | 'number' | 'bool' | 'null' {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  switch (typeof v) {
    case 'object':
      return 'map';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'string';
  }
}

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isJsonMap(patch)) return cloneJson(patch);
  const out: JsonMap = isJsonMap(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else putKey(out, k, mergeInto(hasKey(out, k) ? out[k] : undefined, v));
  }
  return out;
}

/**
 * Applies an RFC 7386 merge patch and returns the result; `doc` is not modified. A patch
 * that is not an object replaces the document.
 */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  return mergeInto(cloneJson(doc), patch) as T;
}

function diff(original: JsonMap, modified: JsonMap): JsonMap {
  const patch: JsonMap = {};
  for (const [key, mv] of Object.entries(modified)) {
    if (mv === undefined) continue;
    if (!hasKey(original, key)) {
      putKey(patch, key, cloneJson(mv));
      continue;
    }
    const ov = original[key];
    if (jsonKind(ov) !== jsonKind(mv)) {
      putKey(patch, key, cloneJson(mv));
      continue;
    }
    if (isJsonMap(ov) && isJsonMap(mv)) {
      const sub = diff(ov, mv);
      if (Object.keys(sub).length > 0) putKey(patch, key, sub);
    } else if (!jsonEqual(ov, mv)) {
      putKey(patch, key, cloneJson(mv));
    }
  }
  for (const [key, ov] of Object.entries(original)) {
    if (ov !== undefined && !hasKey(modified, key)) putKey(patch, key, null);
  }
  return patch;
}

function asDocument(v: unknown, which: string): JsonMap {
  if (v === null || v === undefined) return {};
  if (!isJsonMap(v)) throw badRequest(`invalid JSON document: the ${which} document is not an object`);
  return v;
}

/**
 * The two-way merge patch that turns `original` into `modified` (as evanphx/json-patch's
 * CreateMergePatch): changed and added keys carry their new value, removed keys are null,
 * lists are sent whole when they differ.
 */
export function createMergePatch(original: unknown, modified: unknown): Record<string, unknown> {
  return diff(asDocument(original, 'original'), asDocument(modified, 'modified'));
}
