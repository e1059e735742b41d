// SPDX-License-Identifier: Apache-2.0
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

/** proto3's implicit presence: such a field's zero value is not written to JSON. */
const IMPLICIT = 2;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
/** What protobuf-es rejects in strings (no valid UTF-8): with the u flag, pairs are one code point. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const VALUE = 'google.protobuf.Value';
/** protobuf-es's default recursion limit for JSON. */
const MAX_DEPTH = 100;
/** A Timestamp as protobuf-es writes it: UTC, fraction of 3, 6 or 9 digits and never zeros at the end of it. */
const CANONICAL_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{3}|\d{6}|\d{9}))?Z$/;

/** A message's fields by JSON name, sorted by number as protobuf-es writes them. */
const jsonFields = new WeakMap<DescMessage, Map<string, DescField>>();
function fieldsOf(desc: DescMessage): Map<string, DescField> {
  let m = jsonFields.get(desc);
  if (!m) {
    m = new Map([...desc.fields].sort((a, b) => a.number - b.number).map((f) => [f.jsonName, f]));
    jsonFields.set(desc, m);
  }
  return m;
}

/**
 * The JSON that `toJson(desc, fromJson(desc, value))` would give, built without the
 * round trip when `value` is already in that form but for what the round trip only drops
 * (nulls, zero values of implicit fields, empty lists and maps) and the order of its keys.
 * Returns undefined for anything else (proto field names, numbers as strings, 64-bit and
 * float fields, bytes, well-known types other than Timestamp and scalar Values, type
 * errors), which the caller then gives to protobuf-es: it converts those, and words the
 * errors.
 *
 * The round trip is most of the cost of typing a write (a status is mostly timestamps and
 * nested messages); most bodies are already canonical, so most writes skip it.
 */
export function canonicalJson(desc: DescMessage, value: unknown, depth = 0): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > MAX_DEPTH) return undefined;
  if (desc.typeName.startsWith('google.protobuf.')) return undefined;
  const fields = fieldsOf(desc);
  const input = value as Record<string, unknown>;
  const present: DescField[] = [];
  for (const key in input) {
    const f = fields.get(key);
    if (!f) return undefined;
    if (input[key] === null) {
      // A null still sets a oneof, and is a value of google.protobuf.Value.
      if (f.oneof || f.message?.typeName === VALUE) return undefined;
      continue; // a null clears the field
    }
    present.push(f);
  }
  // Usually already in order (bodies that came out of this function, or written in field order).
  for (let i = 1; i < present.length; i++) {
    if (present[i - 1]!.number > present[i]!.number) {
      present.sort((a, b) => a.number - b.number);
      break;
    }
  }
  const out: Record<string, unknown> = {};
  let oneofs: Set<unknown> | undefined;
  for (const f of present) {
    if (f.oneof) {
      oneofs ??= new Set();
      if (oneofs.has(f.oneof)) return undefined; // an error: protobuf-es says which
      oneofs.add(f.oneof);
    }
    const v = input[f.jsonName];
    switch (f.fieldKind) {
      case 'scalar': {
        if (!canonicalScalar(f.scalar, v)) return undefined;
        if (f.presence === IMPLICIT && !f.oneof && isZero(v)) continue;
        out[f.jsonName] = v;
        break;
      }
      case 'enum': {
        if (typeof v !== 'string') return undefined;
        const ev = f.enum.values.find((e) => e.name === v);
        if (!ev || f.enum.typeName === 'google.protobuf.NullValue') return undefined;
        if (f.presence === IMPLICIT && !f.oneof && ev.number === 0) continue;
        out[f.jsonName] = v;
        break;
      }
      case 'message': {
        const m = canonicalMessage(f.message, v, depth + 1);
        if (m === undefined) return undefined;
        out[f.jsonName] = m;
        break;
      }
      case 'list': {
        if (!Array.isArray(v)) return undefined;
        if (v.length === 0) continue;
        const items: unknown[] = new Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const item = v[i];
          if (f.listKind === 'message') items[i] = canonicalMessage(f.message, item, depth + 1);
          else if (f.listKind === 'scalar') items[i] = canonicalScalar(f.scalar, item) ? item : undefined;
          else items[i] = typeof item === 'string' && f.enum.values.some((e) => e.name === item) ? item : undefined;
          if (items[i] === undefined) return undefined;
        }
        out[f.jsonName] = items;
        break;
      }
      case 'map': {
        if (typeof v !== 'object' || Array.isArray(v) || f.mapKey !== ScalarType.STRING) return undefined;
        const entries = Object.entries(v as Record<string, unknown>);
        if (entries.length === 0) continue;
        const map: Record<string, unknown> = {};
        for (const [k, item] of entries) {
          let c: unknown;
          if (f.mapKind === 'message') c = canonicalMessage(f.message, item, depth + 1);
          else if (f.mapKind === 'scalar') c = canonicalScalar(f.scalar, item) ? item : undefined;
          if (c === undefined || LONE_SURROGATE.test(k)) return undefined;
          map[k] = c;
        }
        out[f.jsonName] = map;
        break;
      }
    }
  }
  return out;
}

/** A message field's value: a Timestamp string, or a nested message. */
function canonicalMessage(desc: DescMessage, v: unknown, depth: number): unknown {
  if (desc.typeName === 'google.protobuf.Timestamp') return canonicalTimestamp(v) ? v : undefined;
  // Int-or-string fields (ports, maxSurge): a string or a number is itself.
  if (desc.typeName === VALUE) return typeof v === 'string' ? (LONE_SURROGATE.test(v) ? undefined : v) : canonicalScalar(ScalarType.DOUBLE, v) ? v : undefined;
  return canonicalJson(desc, v, depth);
}

/** Timestamps already found canonical: a status repeats the same second many times. */
const knownTimes = new Set<string>();

function canonicalTimestamp(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (knownTimes.has(v)) return true;
  const ok = checkTimestamp(v);
  if (ok) {
    if (knownTimes.size >= 4096) knownTimes.clear();
    knownTimes.add(v);
  }
  return ok;
}

function checkTimestamp(v: string): boolean {
  const m = CANONICAL_TIME.exec(v);
  if (!m) return false;
  const fraction = m[2];
  if (fraction && fraction.endsWith('000')) return false; // written shorter
  const seconds = `${m[1]!}Z`;
  const t = Date.parse(seconds);
  // Date.parse accepts some impossible dates (Feb 30): the round trip through a Date must match.
  return !Number.isNaN(t) && new Date(t).toISOString() === `${m[1]!}.000Z` && m[1]! >= '0001';
}

function canonicalScalar(type: ScalarType, v: unknown): boolean {
  switch (type) {
    case ScalarType.STRING:
      return typeof v === 'string' && !LONE_SURROGATE.test(v);
    case ScalarType.BOOL:
      return typeof v === 'boolean';
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX && !Object.is(v, -0);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX && !Object.is(v, -0);
    case ScalarType.DOUBLE:
      return typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0);
    default:
      return false; // 64-bit integers are strings in proto3 JSON, floats round, bytes are base64
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}
