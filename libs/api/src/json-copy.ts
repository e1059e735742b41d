// SPDX-License-Identifier: Apache-2.0

/**
 * What `JSON.parse(JSON.stringify(value))` gives, without the text in between: members whose
 * value is undefined, a function or a symbol are dropped, such array elements become null,
 * NaN and ±Infinity become null, -0 becomes 0, and anything that is not a plain object or
 * array (a Date, a class instance) goes through JSON itself. Storage uses it to hand back the
 * object it just wrote as a reader of the stored bytes would see it, for a fraction of a
 * parse's cost. A bigint throws, as JSON.stringify does.
 */
export function jsonCopy<T>(value: T): T {
  return copyValue(value, false) as T;
}

/**
 * jsonCopy of an object as storage reads it back at `resourceVersion`: the copy leaves out
 * metadata.resourceVersion and sets it last, where decoding the stored form (which has none)
 * puts it.
 */
export function jsonCopyWithVersion<T extends { metadata?: object }>(obj: T, resourceVersion: string): T {
  const out = (isPlainObject(obj) ? copyObject(obj, 'resourceVersion') : copyValue(obj, false)) as { metadata?: Record<string, unknown> };
  (out.metadata ??= {}).resourceVersion = resourceVersion;
  return out as T;
}

function copyValue(value: unknown, inArray: boolean): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null; // -0 + 0 is 0
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? null : undefined;
    case 'bigint':
      return JSON.stringify(value); // throws, as it would have
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i], true);
    return out;
  }
  return isPlainObject(value) ? copyObject(value) : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** A plain object JSON.stringify writes member by member (no toJSON of its own). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** `skipInMetadata`: a member of this object's `metadata` to leave out. */
function copyObject(value: Record<string, unknown>, skipInMetadata?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    let copy: unknown;
    if (skipInMetadata !== undefined && key === 'metadata' && isPlainObject(v)) {
      const meta: Record<string, unknown> = {};
      for (const k of Object.keys(v)) if (k !== skipInMetadata) put(meta, k, copyValue(v[k], false));
      copy = meta;
    } else copy = copyValue(v, false);
    put(out, key, copy);
  }
  return out;
}

/** Sets a member unless undefined; a "__proto__" key stays an own key. */
function put(out: Record<string, unknown>, key: string, v: unknown): void {
  if (v === undefined) return;
  if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  else out[key] = v;
}
