// SPDX-License-Identifier: Apache-2.0
/**
 * Reading loosely typed Kubernetes JSON by dotted path. Describers read many optional,
 * deeply nested fields; these return Go's zero values ('' / 0 / {} / []) when a field is
 * missing, which is what kubectl prints for an unset field of a typed struct.
 */

/** A JSON object. */
export type Json = { [field: string]: unknown };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a dotted path ('spec.template.spec'), or undefined. */
export function get(v: unknown, path = ''): unknown {
  if (path === '') return v;
  let cur: unknown = v;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** True when the path leads to a value that is neither undefined nor null. */
export function has(v: unknown, path = ''): boolean {
  const x = get(v, path);
  return x !== undefined && x !== null;
}

/** The object at the path, or {}. */
export function obj(v: unknown, path = ''): Json {
  const x = get(v, path);
  return isObject(x) ? x : {};
}

/** The array at the path, or []. */
export function arr(v: unknown, path = ''): unknown[] {
  const x = get(v, path);
  return Array.isArray(x) ? x : [];
}

/** The string at the path ('' when unset; numbers and booleans as Go's %v prints them). */
export function str(v: unknown, path = ''): string {
  const x = get(v, path);
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  return '';
}

/** The number at the path, or 0. */
export function num(v: unknown, path = ''): number {
  const x = get(v, path);
  if (typeof x === 'number') return x;
  if (typeof x === 'string' && /^-?[0-9]+$/.test(x)) return Number(x);
  return 0;
}

/** The boolean at the path, or false. */
export function bool(v: unknown, path = ''): boolean {
  return get(v, path) === true;
}

/** A string map (labels, annotations, selectors) at the path, or {}. */
export function strMap(v: unknown, path = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v, path))) out[k] = typeof x === 'string' ? x : String(x);
  return out;
}

/** The array of strings at the path, or []. */
export function strArr(v: unknown, path = ''): string[] {
  return arr(v, path).map((x) => (typeof x === 'string' ? x : String(x)));
}
