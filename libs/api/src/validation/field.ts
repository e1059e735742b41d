// SPDX-License-Identifier: Apache-2.0
/**
 * Building blocks shared by the per-kind validators: field.Error constructors worded as
 * k8s.io/apimachinery/pkg/util/validation/field words them, safe readers over the untyped
 * Kubernetes JSON the validators receive, and Go-style renderings of bad values.
 */
import type { FieldError } from '../errors';
import { Quantity, QuantityError } from '../quantity';

/** A JSON object as it comes off the wire. */
export type Json = Record<string, unknown>;

export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The object at v, or an empty one (so optional sub-objects read like Go's zero values). */
export const obj = (v: unknown): Json => (isObj(v) ? v : {});
/** The array at v, or an empty one. */
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** The string at v, or ''. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** The number at v, or undefined when absent or not a number. */
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
/** A string→string map (labels, selectors, data), ignoring non-string values. */
export const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
};

export const required = (field: string, detail = ''): FieldError => ({ type: 'Required', field, ...(detail ? { detail } : {}) });
export const invalid = (field: string, value: unknown, detail: string): FieldError => ({ type: 'Invalid', field, value, detail });
export const notSupported = (field: string, value: unknown, supported: string[]): FieldError => ({ type: 'NotSupported', field, value, supported });
export const duplicate = (field: string, value: unknown): FieldError => ({ type: 'Duplicate', field, value });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail });
export const notFound = (field: string, value: unknown): FieldError => ({ type: 'NotFound', field, value });
export const tooLong = (field: string, maxBytes: number): FieldError => ({
  type: 'TooLong',
  field,
  detail: `may not be more than ${maxBytes} ${maxBytes === 1 ? 'byte' : 'bytes'}`,
});

/** apimachinery's IsNegativeErrorMsg. */
export const IS_NEGATIVE_MSG = 'must be greater than or equal to 0';
/** apimachinery's FieldImmutableErrorMsg. */
export const FIELD_IMMUTABLE_MSG = 'field is immutable';
export const IS_NOT_POSITIVE_MSG = 'must be greater than zero';
export const IS_NOT_INTEGER_MSG = 'must be an integer';

/** ValidateNonnegativeField: nothing when the value is absent (Go's zero value). */
export function nonNegative(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, IS_NEGATIVE_MSG)] : [];
}

/** ValidateImmutableField: the new value is reported when it differs from the old one. */
export function immutable(next: unknown, prev: unknown, field: string, render: (v: unknown) => unknown = (v) => v): FieldError[] {
  return deepEqual(next, prev) ? [] : [invalid(field, render(next), FIELD_IMMUTABLE_MSG)];
}

/**
 * Semantic equality of two JSON values: absent, null, empty objects and empty arrays are
 * all the same (Go can't tell a nil map from an empty one after a round trip), and
 * quantities compare by value.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);
}

/**
 * A bad value that prints verbatim in the message, for values Kubernetes renders with Go's
 * %#v (maps, structs). fieldErrorMessage prints non-object, non-string values with
 * String(), so a function whose toString returns the Go text comes out exactly as Go prints it.
 */
export function goValue(repr: string): unknown {
  const v = (): string => repr;
  v.toString = (): string => repr;
  (v as unknown as { toJSON: () => string }).toJSON = (): string => repr;
  return v;
}

/** Go's %q for a string (close enough: JSON escaping matches Go's for printable text). */
export const goQuote = (s: string): string => JSON.stringify(s);

/** %#v of a map[string]string: keys sorted, `map[string]string{"a":"b", "c":"d"}`; nil prints `(nil)`. */
export function goStringMap(m: unknown): string {
  if (!isObj(m)) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(str(m[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** %#v of a []string. */
export function goStringSlice(v: unknown): string {
  if (!Array.isArray(v)) return '[]string(nil)';
  return `[]string{${v.map((s) => goQuote(str(s))).join(', ')}}`;
}

/** %#v of a metav1.LabelSelector, as Kubernetes prints it in "field is immutable" errors. */
export function goLabelSelector(sel: unknown): string {
  const s = obj(sel);
  const exprs = s['matchExpressions'];
  const exprRepr = Array.isArray(exprs)
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map((e) => {
          const r = obj(e);
          return `v1.LabelSelectorRequirement{Key:${goQuote(str(r['key']))}, Operator:${goQuote(str(r['operator']))}, Values:${goStringSlice(r['values'])}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(s['matchLabels'])}, MatchExpressions:${exprRepr}}`;
}

/** The labels value Kubernetes reports when a selector does not match them. */
export const labelsValue = (labels: unknown): unknown => goValue(goStringMap(labels));

/** Parses a quantity field, or returns the FieldError Kubernetes' decoder would have failed with. */
export function parseQuantity(v: unknown, field: string): { q?: Quantity; errs: FieldError[] } {
  if (typeof v !== 'string' && typeof v !== 'number') {
    return { errs: [invalid(field, v, 'quantities must be a string or a number')] };
  }
  try {
    return { q: Quantity.parse(v), errs: [] };
  } catch (e) {
    const msg = e instanceof QuantityError ? e.message : String(e);
    return { errs: [invalid(field, v, msg)] };
  }
}

/** The bad-value rendering of a quantity: Kubernetes passes quantity.String(), a quoted string. */
export const quantityValue = (q: Quantity): string => q.toString();

/** Field path helpers: `${p}[${i}]` and `${p}[${key}]` as field.Path.Index/Key print them. */
export const idx = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;
export const child = (path: string, ...names: string[]): string => [path, ...names].filter((s) => s !== '').join('.');

/** Wraps detail messages from a names.ts check into Invalid errors. */
export function check(messages: string[], field: string, value: unknown): FieldError[] {
  return messages.map((m) => invalid(field, value, m));
}
