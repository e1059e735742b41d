// SPDX-License-Identifier: Apache-2.0
/**
 * Label selectors (k8s.io/apimachinery/pkg/labels): the string syntax `kubectl -l` and list
 * options use ('app=web,tier in (fe,be),!legacy'), the metav1.LabelSelector object that
 * Deployments, ReplicaSets and Services carry, and matching both against an object's labels.
 * Parse errors are StatusError BadRequest with the message Kubernetes returns.
 */
import { badRequest } from '../errors';
import { isQualifiedName, isValidLabelValue } from '../validation/names';

/** One condition on one label key; all of a selector's requirements must hold. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | '=' | '==' | '!=' | 'Gt' | 'Lt';
  values: string[];
}

/** A parsed label selector. */
export interface LabelSelectorMatcher {
  /** The requirements, sorted by key (empty for everything and for nothing). */
  readonly requirements: readonly Requirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  /** True when the selector does not restrict anything (selects every object). */
  isEmpty(): boolean;
  /** The selector in the string syntax, as Kubernetes prints it. */
  toString(): string;
}

/** The metav1.LabelSelector object shape. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

// ---- requirements ----

/** Go's %#v of a []string, which field errors print for list values. */
function goStringSlice(vals: readonly string[]): string {
  return `[]string{${vals.map((v) => JSON.stringify(v)).join(', ')}}`;
}

function invalidMsg(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${value}: ${detail}`;
}

/** k8s aggregate error text: one message alone, several de-duplicated in brackets. */
function aggregate(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? (uniq[0] as string) : `[${uniq.join(', ')}]`;
}

function isInt64(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = BigInt(s);
  return n <= (1n << 63n) - 1n && n >= -(1n << 63n);
}

/**
 * NewRequirement: validates key, operator and values; returns the error text (as Kubernetes'
 * aggregated field errors print, under a nil path) or the requirement.
 */
function newRequirement(key: string, operator: Requirement['operator'], values: string[]): Requirement | string {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalidMsg('key', JSON.stringify(key), keyErrs.join('; ')));
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(invalidMsg('values', goStringSlice(values), "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidMsg('values', goStringSlice(values), 'exact-match compatibility requires one single value'));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) errs.push(invalidMsg('values', goStringSlice(values), 'values set must be empty for exists and does not exist'));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(invalidMsg('values', goStringSlice(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!isInt64(v)) errs.push(invalidMsg(`values[${i}]`, JSON.stringify(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valErrs = isValidLabelValue(v);
    if (valErrs.length) errs.push(invalidMsg(`values[${i}][${key}]`, JSON.stringify(v), valErrs.join('; ')));
  });
  return errs.length ? aggregate(errs) : { key, operator, values };
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'NotIn':
    case '!=':
      return !has || !r.values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !isInt64(value as string) || r.values.length !== 1 || !isInt64(r.values[0] as string)) return false;
      const lv = BigInt(value as string);
      const rv = BigInt(r.values[0] as string);
      return r.operator === 'Gt' ? lv > rv : lv < rv;
    }
  }
}

const OP_TEXT: Record<Requirement['operator'], string> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  In: ' in ',
  NotIn: ' notin ',
  Gt: '>',
  Lt: '<',
  Exists: '',
  DoesNotExist: '',
};

function requirementString(r: Requirement): string {
  if (r.operator === 'DoesNotExist') return `!${r.key}`;
  if (r.operator === 'Exists') return r.key;
  // Values print sorted so equal selectors print the same (the requirement itself is not reordered).
  const vals = r.values.length === 1 ? (r.values[0] as string) : [...r.values].sort().join(',');
  const set = r.operator === 'In' || r.operator === 'NotIn';
  return `${r.key}${OP_TEXT[r.operator]}${set ? `(${vals})` : vals}`;
}

class InternalSelector implements LabelSelectorMatcher {
  readonly requirements: readonly Requirement[];

  constructor(reqs: Requirement[]) {
    // Kubernetes sorts by key so parsing and printing are deterministic.
    this.requirements = Object.freeze([...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

class NothingSelector implements LabelSelectorMatcher {
  readonly requirements: readonly Requirement[] = Object.freeze([]);
  matches(): boolean {
    return false;
  }
  isEmpty(): boolean {
    return false;
  }
  toString(): string {
    return '';
  }
}

const EVERYTHING = new InternalSelector([]);
const NOTHING = new NothingSelector();

/** The selector that matches every object (an empty selector). */
export function everything(): LabelSelectorMatcher {
  return EVERYTHING;
}

/** The selector that matches no object (what a null LabelSelector means). */
export function nothing(): LabelSelectorMatcher {
  return NOTHING;
}

/** SelectorFromSet: label=value for every entry (an empty set selects everything). */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelectorMatcher {
  return new InternalSelector(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=', values: [v] })));
}

// ---- the string syntax ----

enum Tok {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};
const tokenOf = (s: string): Tok | undefined => (Object.prototype.hasOwnProperty.call(STRING_TO_TOKEN, s) ? STRING_TO_TOKEN[s] : undefined);

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch) && ch !== '';

interface Item {
  tok: Tok;
  lit: string;
}

/** The lexer of Kubernetes' selector parser, character for character. */
function lex(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? (s[pos++] as string) : '');
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (ch !== '' && isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: Tok.EndOfString, lit: '' });
      return items;
    }
    pos--;
    if (isSpecial(ch)) {
      let buffer = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecial(c)) {
          buffer += c;
          const t = tokenOf(buffer);
          if (t !== undefined) {
            last = { tok: t, lit: buffer };
          } else if (last) {
            pos--;
            break;
          }
        } else {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buffer += c;
      }
      items.push({ tok: tokenOf(buffer) ?? Tok.Identifier, lit: buffer });
    }
  }
}

class ParseError extends Error {}

/** Recursive-descent parser over the scanned tokens (Kubernetes' labels.Parser). */
class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  // In the values context 'in' and 'notin' are ordinary identifiers ('x in (in)').
  private lookahead(values: boolean): Item {
    const it = this.items[this.position] as Item;
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }

  private consume(values: boolean): Item {
    const it = this.lookahead(values);
    this.position++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case Tok.Identifier:
        case Tok.DoesNotExist: {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            throw new ParseError(`unable to parse requirement: ${(e as Error).message}`);
          }
          reqs.push(r);
          const next = this.consume(true);
          if (next.tok === Tok.EndOfString) return reqs;
          if (next.tok === Tok.Comma) {
            const after = this.lookahead(true);
            if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
              throw new ParseError(`found '${after.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new ParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case Tok.EndOfString:
          return reqs;
        default:
          throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred) return this.build(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'In' || operator === 'NotIn' ? this.parseValues() : this.parseExactValue();
    // Kubernetes collects values in a set and lists them sorted.
    return this.build(key, operator, [...values].sort());
  }

  private build(key: string, operator: Requirement['operator'], values: string[]): Requirement {
    const r = newRequirement(key, operator, values);
    if (typeof r === 'string') throw new Error(r);
    return r;
  }

  private parseKeyAndInferOperator(): { key: string; operator?: 'Exists' | 'DoesNotExist' } {
    let it = this.consume(true);
    let operator: 'Exists' | 'DoesNotExist' | undefined;
    if (it.tok === Tok.DoesNotExist) {
      operator = 'DoesNotExist';
      it = this.consume(true);
    }
    if (it.tok !== Tok.Identifier) throw new Error(`found '${it.lit}', expected: identifier`);
    const keyErrs = isQualifiedName(it.lit);
    // The key is checked here under a nil field path, which Kubernetes prints as <nil>.
    if (keyErrs.length) throw new Error(invalidMsg('<nil>', JSON.stringify(it.lit), keyErrs.join('; ')));
    const next = this.lookahead(true).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && operator !== 'DoesNotExist') operator = 'Exists';
    return { key: it.lit, operator };
  }

  private parseOperator(): Requirement['operator'] {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In:
        return 'In';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'Gt';
      case Tok.LessThan:
        return 'Lt';
      case Tok.NotIn:
        return 'NotIn';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new Error(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case Tok.Identifier:
      case Tok.Comma: {
        const s = this.parseIdentifiersList();
        // Kubernetes reports the first token inside the parentheses here, not the offending one.
        if (this.consume(true).tok !== Tok.ClosedPar) throw new Error(`found '${lit}', expected: ')'`);
        return s;
      }
      case Tok.ClosedPar:
        this.consume(true);
        return new Set(['']);
      default:
        throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === Tok.Identifier) {
        s.add(lit);
        const next = this.lookahead(true);
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return s;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        if (s.size === 0) s.add(''); // "(,"
        const next = this.lookahead(true).tok;
        if (next === Tok.ClosedPar) {
          s.add(''); // ",)"
          return s;
        }
        if (next === Tok.Comma) {
          this.consume(true);
          s.add(''); // ",,"
        }
      } else {
        throw new Error(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(true).tok;
    if (next === Tok.EndOfString || next === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses the label selector string syntax (labels.Parse):
 * 'app=web', 'env!=prod', 'tier in (fe,be)', 'tier notin (x)', 'legacy', '!legacy', 'n>3'.
 * An empty string selects everything. Throws a BadRequest StatusError on bad syntax or
 * invalid keys/values, worded as Kubernetes words it.
 */
export function parseLabelSelector(s: string): LabelSelectorMatcher {
  try {
    return new InternalSelector(new Parser(lex(s)).parse());
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

const EXPRESSION_OPS: Record<string, Requirement['operator'] | undefined> = {
  In: 'In',
  NotIn: 'NotIn',
  Exists: 'Exists',
  DoesNotExist: 'DoesNotExist',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, {} selects everything,
 * otherwise matchLabels AND every matchExpression. Throws BadRequest on invalid content.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | undefined | null): LabelSelectorMatcher {
  if (sel === null || sel === undefined) return NOTHING;
  const labels = Object.entries(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions ?? [];
  if (labels.length + exprs.length === 0) return EVERYTHING;
  const reqs: Requirement[] = [];
  const add = (r: Requirement | string): void => {
    if (typeof r === 'string') throw badRequest(r);
    reqs.push(r);
  };
  for (const [k, v] of labels) add(newRequirement(k, '=', [v]));
  for (const e of exprs) {
    const op = EXPRESSION_OPS[e.operator ?? ''];
    if (!op) throw badRequest(`${JSON.stringify(e.operator ?? '')} is not a valid label selector operator`);
    add(newRequirement(e.key ?? '', op, [...(e.values ?? [])]));
  }
  return new InternalSelector(reqs);
}

/**
 * metav1.FormatLabelSelector, as `kubectl describe` prints a selector:
 * 'app=web,tier in (be,fe)'; '<none>' when it selects everything or nothing; '<error>' when invalid.
 */
export function formatLabelSelector(sel: LabelSelectorObject | undefined | null): string {
  let s: string;
  try {
    s = labelSelectorFromObject(sel).toString();
  } catch {
    return '<error>';
  }
  return s.length === 0 ? '<none>' : s;
}
