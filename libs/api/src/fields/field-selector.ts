// SPDX-License-Identifier: Apache-2.0
/**
 * Field selectors (k8s.io/apimachinery/pkg/fields): 'status.phase=Running,spec.nodeName!=n1'
 * as `kubectl --field-selector` and list options send them. Only =, == and != exist; values
 * escape '\', ',' and '=' with a backslash. Which fields a kind supports is in object-fields.
 */
import { badRequest } from '../errors';

/** One condition on one field; all of a selector's requirements must hold. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

/** A parsed field selector. */
export interface FieldSelectorMatcher {
  readonly requirements: readonly FieldRequirement[];
  /** Missing fields read as '' (as Kubernetes' fields.Set.Get). */
  matches(fields: Record<string, string>): boolean;
  isEmpty(): boolean;
  /** The selector as Kubernetes prints it ('==' prints as '=', values escaped). */
  toString(): string;
}

/** EscapeValue: escapes '\', ',' and '=' so any literal can be a selector value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** UnescapeValue; throws a message as Kubernetes' InvalidEscapeSequence / UnescapedRune. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, which is its code point number.
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Splits on commas that are not backslash-escaped, keeping the escapes. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

// '==' is tried before '=' so it never leaves a stray '=' at the front of the value.
const TERM_OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

class Selector implements FieldSelectorMatcher {
  readonly requirements: readonly FieldRequirement[];
  constructor(reqs: FieldRequirement[]) {
    this.requirements = Object.freeze(reqs);
  }
  matches(fields: Record<string, string>): boolean {
    return this.requirements.every((r) => {
      const v = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
      return r.operator === '!=' ? v !== r.value : v === r.value;
    });
  }
  isEmpty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
  }
}

/**
 * Parses a field selector (fields.ParseSelector). An empty string selects everything.
 * Terms are sorted, as Kubernetes sorts them; '==' is kept as '=' (they mean the same).
 * Throws BadRequest with Kubernetes' message on bad syntax or escapes.
 */
export function parseFieldSelector(s: string): FieldSelectorMatcher {
  const parts = splitTerms(s).sort();
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, rhs] = split;
    let value: string;
    try {
      value = unescapeValue(rhs);
    } catch (e) {
      throw badRequest((e as Error).message);
    }
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return new Selector(reqs);
}

/** A field selector built from field=value pairs (fields.SelectorFromSet), in key order. */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelectorMatcher {
  return new Selector(
    Object.keys(set)
      .sort()
      .map((field) => ({ field, operator: '=' as const, value: set[field] as string })),
  );
}

/** The field selector that selects every object. */
export function everythingFields(): FieldSelectorMatcher {
  return new Selector([]);
}
