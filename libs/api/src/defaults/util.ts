// SPDX-License-Identifier: Apache-2.0
/**
 * Small helpers for defaulting untyped Kubernetes JSON in place: Go's defaulters set a field
 * only when it holds its zero value, and so do these.
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object at o[k], created (as {}) when absent. */
export function ensureObj(o: Json, k: string): Json {
  const v = o[k];
  if (isObj(v)) return v;
  const created: Json = {};
  o[k] = created;
  return created;
}

/** Sets o[k] = v when o[k] is absent, null or '' (a Go zero value for strings and pointers). */
export function setDefault(o: Json, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null || o[k] === '') o[k] = v;
}

/** Sets o[k] = v when o[k] is absent, null or 0 (a Go zero value for numbers that default). */
export function setDefaultNumber(o: Json, k: string, v: number): void {
  if (o[k] === undefined || o[k] === null || o[k] === 0) o[k] = v;
}

/** The objects in the array at o[k] (non-objects skipped). */
export function objects(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}
