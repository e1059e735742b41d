// SPDX-License-Identifier: Apache-2.0
import { badRequest } from '@berth/api';
import type { KubeEvent } from './event';

/** The fields the apiserver lets clients select events by (core/v1 Event field labels). */
export const EVENT_SELECTABLE_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
] as const;

type SelectableField = (typeof EVENT_SELECTABLE_FIELDS)[number];

/** One `field=value` / `field!=value` requirement. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** The value of a selectable field of an event, as the apiserver compares it. */
export function eventFieldValue(e: KubeEvent, field: SelectableField): string {
  const o = e.involvedObject;
  switch (field) {
    case 'metadata.name':
      return e.metadata.name;
    case 'metadata.namespace':
      return e.metadata.namespace;
    case 'involvedObject.kind':
      return o.kind ?? '';
    case 'involvedObject.namespace':
      return o.namespace ?? '';
    case 'involvedObject.name':
      return o.name ?? '';
    case 'involvedObject.uid':
      return o.uid ?? '';
    case 'involvedObject.apiVersion':
      return o.apiVersion ?? '';
    case 'involvedObject.resourceVersion':
      return o.resourceVersion ?? '';
    case 'involvedObject.fieldPath':
      return o.fieldPath ?? '';
    case 'reason':
      return e.reason;
    case 'reportingComponent':
      return e.reportingComponent ?? '';
    case 'source':
      return e.source.component ?? '';
    case 'type':
      return e.type;
  }
}

/** Splits on unescaped `sep`, keeping escapes for the next stage. */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

/**
 * Parses a field selector (`involvedObject.name=db,type!=Normal`; `==` is the same as `=`)
 * for events. Unknown fields fail like the apiserver: `field label not supported: <field>`.
 */
export function parseEventFieldSelector(selector: string | undefined): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (!selector || !selector.trim()) return reqs;
  for (const term of splitUnescaped(selector, ',')) {
    if (!term.trim()) continue;
    const op = findOperator(term);
    if (!op) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = term.slice(0, op.at).trim();
    const value = unescape(term.slice(op.at + op.text.length));
    if (!(EVENT_SELECTABLE_FIELDS as readonly string[]).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, op: op.text === '!=' ? '!=' : '=', value });
  }
  return reqs;
}

/** The first unescaped `!=`, `==` or `=` in a term. */
function findOperator(term: string): { at: number; text: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '!' && term[i + 1] === '=') return { at: i, text: '!=' };
    if (c === '=') return { at: i, text: term[i + 1] === '=' ? '==' : '=' };
  }
  return undefined;
}

/** Compiles a field selector into a predicate over events (all requirements must hold). */
export function eventFieldMatcher(selector: string | undefined): (e: KubeEvent) => boolean {
  const reqs = parseEventFieldSelector(selector);
  if (reqs.length === 0) return () => true;
  return (e) =>
    reqs.every((r) => {
      const v = eventFieldValue(e, r.field as SelectableField);
      return r.op === '=' ? v === r.value : v !== r.value;
    });
}
