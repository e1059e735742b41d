// SPDX-License-Identifier: Apache-2.0
import { fromJson, toJson, type DescField, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { badRequest } from '../errors';
import type { KubeObject } from '../object';
import { apiVersionOf, messageSchema, resourceForKind, type ResourceInfo } from '../scheme';
import { canonicalJson } from './canonical';
import { convertLegacy } from './conversion';

/** How unknown fields are treated, as kubectl's --validate / fieldValidation. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface DecodeResult {
  /** The object in canonical Kubernetes JSON of the served apiVersion. */
  object: KubeObject;
  info: ResourceInfo;
  /** e.g. `unknown field "spec.foo"` for each dropped field under Warn. */
  warnings: string[];
}

/** Resource-list maps whose values are quantities: YAML lets users write `cpu: 1`. */
const QUANTITY_MAPS = new Set(['limits', 'requests', 'capacity', 'allocatable', 'hard', 'used', 'max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']);
/** Scalar quantity fields. */
const QUANTITY_FIELDS = new Set(['sizeLimit', 'divisor']);

/** Options of decodeObject. */
export interface DecodeOptions {
  /**
   * The top-level fields to type (check and make canonical); the others are only checked
   * for unknown fields and kept as they are. For writes that keep nothing of the body but
   * these fields (a status update keeps metadata.resourceVersion and status), the rest
   * need not pay for the schema round trip.
   */
  onlyFields?: readonly string[];
}

/**
 * Reads an object (JSON as parsed from a manifest or a request) into the typed schema of
 * its kind: resolves legacy apiVersions, checks every field against the proto message,
 * drops or rejects unknown fields, accepts numbers for quantities, and returns canonical
 * Kubernetes JSON. Type errors and (under Strict) unknown fields are BadRequest errors
 * that name the field.
 */
export function decodeObject(input: unknown, fieldValidation: FieldValidation = 'Warn', opts: DecodeOptions = {}): DecodeResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badRequest('Object is not a JSON or YAML object');
  }
  const raw = input as KubeObject;
  if (typeof raw.kind !== 'string' || raw.kind === '') {
    throw badRequest(`Object 'Kind' is missing in '${preview(raw)}'`);
  }
  if (typeof raw.apiVersion !== 'string' || raw.apiVersion === '') {
    throw badRequest(`Object 'apiVersion' is missing in '${preview(raw)}'`);
  }
  const info = resourceForKind(raw.apiVersion, raw.kind);
  if (!info) {
    throw badRequest(`no matches for kind "${raw.kind}" in version "${raw.apiVersion}"`);
  }
  const served = apiVersionOf(info);
  const converted = raw.apiVersion === served ? raw : convertLegacy(raw, raw.apiVersion);
  const { object, warnings } = decodeMessage(messageSchema(info), { ...converted, apiVersion: served }, fieldValidation, info.kind, served, opts);
  return { object, info, warnings };
}

/**
 * Reads JSON into one generated message (a subresource's body, such as a TokenRequest)
 * with decodeObject's rules: unknown fields dropped or, under Strict, rejected; type errors
 * name the field. `kind` and `apiVersion` only word the errors.
 */
export function decodeMessage(schema: DescMessage, input: unknown, fieldValidation: FieldValidation, kind: string, apiVersion: string, opts: DecodeOptions = {}): { object: KubeObject; warnings: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badRequest('Object is not a JSON or YAML object');
  // Most bodies are already canonical (no unknown fields, nothing to convert): one pass then
  // checks and types them, without the unknown-field scan and the schema round trip.
  const fast = canonicalJson(schema, input);
  if (fast) return { object: (opts.onlyFields ? withTypedFields(input as KubeObject, fast, opts.onlyFields) : fast) as KubeObject, warnings: [] };
  const unknown: string[] = [];
  const cleaned = clean(schema, input, '', unknown) as JsonValue;
  const where = `${kind} in version "${apiVersion}" cannot be handled as a ${kind}`;
  if (unknown.length > 0 && fieldValidation === 'Strict') {
    const list = unknown.map((f) => `unknown field "${f}"`);
    throw badRequest(`${where}: strict decoding error: ${list.join(', ')}`);
  }
  let object: KubeObject;
  try {
    const only = opts.onlyFields;
    if (only) {
      const picked = Object.fromEntries(Object.entries(cleaned as Record<string, unknown>).filter(([k]) => only.includes(k)));
      object = withTypedFields(cleaned as KubeObject, typedJson(schema, picked), only) as KubeObject;
    } else {
      object = typedJson(schema, cleaned) as KubeObject;
    }
  } catch (e) {
    throw badRequest(`${where}: ${describeDecodeError(e)}`);
  }
  const warnings = fieldValidation === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [];
  return { object, warnings };
}

/** `input` with its `fields` replaced by their typed form (after the other fields). */
function withTypedFields(input: KubeObject, typed: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const f of fields) delete out[f];
  for (const k in typed) if (fields.includes(k)) out[k] = typed[k];
  return out;
}

/** The schema round trip of `value`, or the same JSON built directly when it is already canonical. */
function typedJson(schema: DescMessage, value: unknown): Record<string, unknown> {
  return canonicalJson(schema, value) ?? (toJson(schema, fromJson(schema, value as JsonValue)) as Record<string, unknown>);
}

/** A message's fields by JSON name and by proto name (clean runs per field of every write). */
const fieldIndexes = new WeakMap<DescMessage, Map<string, DescField>>();
function fieldByKey(desc: DescMessage, key: string): DescField | undefined {
  let index = fieldIndexes.get(desc);
  if (!index) {
    index = new Map();
    for (const f of desc.fields) index.set(f.name, f);
    for (const f of desc.fields) index.set(f.jsonName, f); // the JSON name wins, as in find() before
    fieldIndexes.set(desc, index);
  }
  return index.get(key);
}

/** Copies `value` keeping only fields the schema knows; records the paths of the others. */
function clean(desc: DescMessage, value: unknown, path: string, unknown: string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if (desc.typeName.startsWith('google.protobuf.')) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = fieldByKey(desc, key);
    const p = path ? `${path}.${key}` : key;
    if (!field) {
      unknown.push(p);
      continue;
    }
    switch (field.fieldKind) {
      case 'message':
        out[key] = clean(field.message, v, p, unknown);
        break;
      case 'list':
        out[key] =
          field.listKind === 'message' && Array.isArray(v)
            ? v.map((item, i) => clean(field.message, item, `${p}[${i}]`, unknown))
            : v;
        break;
      case 'map':
        if (field.mapKind === 'message' && typeof v === 'object' && v !== null) {
          out[key] = Object.fromEntries(Object.entries(v).map(([k, item]) => [k, clean(field.message, item, `${p}.${k}`, unknown)]));
        } else if (QUANTITY_MAPS.has(key) && typeof v === 'object' && v !== null) {
          out[key] = Object.fromEntries(Object.entries(v).map(([k, item]) => [k, typeof item === 'number' ? String(item) : item]));
        } else {
          out[key] = v;
        }
        break;
      default:
        out[key] = QUANTITY_FIELDS.has(key) && typeof v === 'number' ? String(v) : v;
    }
  }
  return out;
}

/** protobuf-es names fields by their proto path; rewrite into the JSON field path users wrote. */
function describeDecodeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /cannot decode field ([\w.]+)\.(\w+) from JSON: (.*)$/s.exec(msg);
  if (m) return `json: cannot unmarshal field "${m[2]}" of ${m[1]?.split('.').pop()}: ${m[3]}`;
  return msg.replace(/^cannot decode message [\w.]+ from JSON: /, '');
}

function preview(obj: unknown): string {
  const s = JSON.stringify(obj);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
