// SPDX-License-Identifier: Apache-2.0
/**
 * A port of k8s.io/client-go/util/jsonpath, the engine behind `-o jsonpath=` and
 * custom-columns: the same grammar (fields, `[n]`, slices `[a:b:c]`, `[*]`, unions
 * `[a,b]`, `['key']`, filters `[?(@.x=="y")]`, recursive `..`, `{range}…{end}`, quoted
 * text), the same evaluation over decoded JSON, and the same error texts.
 */
import { goFloat, goJson, goNumber, goSharpV, goQuote, goSortedKeys, goTypeName, goValueString } from './go-values';

// ---- nodes ----

interface ParamsEntry {
  value: number;
  known: boolean;
  derived: boolean;
}

/** A parsed jsonpath template node. */
export type JsonPathNode =
  | { type: 'list'; nodes: JsonPathNode[] }
  | { type: 'text'; text: string }
  | { type: 'field'; value: string }
  | { type: 'array'; params: [ParamsEntry, ParamsEntry, ParamsEntry] }
  | { type: 'filter'; left: ListNode; right: ListNode; operator: string }
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'wildcard' }
  | { type: 'recursive' }
  | { type: 'union'; nodes: ListNode[] }
  | { type: 'identifier'; name: string };

type ListNode = { type: 'list'; nodes: JsonPathNode[] };

const newList = (): ListNode => ({ type: 'list', nodes: [] });

// ---- parser ----

const EOF = '';

function isEndOfLine(r: string): boolean {
  return r === '\r' || r === '\n';
}
function isTerminator(r: string): boolean {
  return r === EOF || r === ' ' || r === '\t' || isEndOfLine(r) || '.,[]$@{}'.includes(r);
}
function isAlphaNumeric(r: string): boolean {
  return r !== EOF && (r === '_' || /[\p{L}\p{Nd}]/u.test(r));
}
function isDigit(r: string): boolean {
  return r !== EOF && /\p{Nd}/u.test(r);
}
/** Go's %#U: `U+007E '~'`. */
function goRuneU(r: string): string {
  const cp = r.codePointAt(0) as number;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${r}'`;
}

const DICT_KEY = /^'([^']*)'$/;
const SLICE_OPERATOR = /^(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?$/;
const FILTER = /^([^!<>=]+)([!<>=]+)(.+?)$/;

/** strconv.UnquoteChar-based unquoting of a single- or double-quoted string. */
function unquoteExtend(s: string): string {
  const chars = [...s];
  const n = chars.length;
  if (n < 2) throw new Error('invalid syntax');
  const quote = chars[0] as string;
  if (quote !== chars[n - 1] || (quote !== '"' && quote !== "'")) throw new Error('invalid syntax');
  const body = chars.slice(1, n - 1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === quote) throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e === undefined) throw new Error('invalid syntax');
    if (simple[e] !== undefined) out += simple[e];
    else if (e === "'" || e === '"') {
      if (e !== quote) throw new Error('invalid syntax');
      out += e;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len).join('');
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
      out += String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3).join('');
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new Error('invalid syntax');
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error('invalid syntax');
    }
  }
  return out;
}

class Parser {
  readonly root: ListNode = newList();
  private input: string[] = [];
  private pos = 0;
  private start = 0;
  private width = 0;

  parse(text: string): ListNode {
    this.input = [...text];
    this.pos = 0;
    this.start = 0;
    let cur: ListNode = this.root;
    let inAction = false;
    for (;;) {
      if (!inAction) {
        if (this.hasPrefix('{')) {
          if (this.pos > this.start) this.root.nodes.push({ type: 'text', text: this.consumeText() });
          this.pos += 1;
          this.consumeText();
          cur = newList();
          this.root.nodes.push(cur);
          inAction = true;
          continue;
        }
        if (this.next() === EOF) {
          if (this.pos > this.start) this.root.nodes.push({ type: 'text', text: this.consumeText() });
          return this.root;
        }
        continue;
      }
      if (this.hasPrefix('}')) {
        this.pos += 1;
        this.consumeText();
        inAction = false;
        continue;
      }
      if (this.hasPrefix('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (this.hasPrefix('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new Error('unclosed action');
      if (r === ' ' || r === '@' || r === '$') this.consumeText();
      else if (r === '[') this.parseArray(cur);
      else if (r === '"' || r === "'") this.parseQuote(cur, r);
      else if (r === '.') this.parseField(cur);
      else if (r === '+' || r === '-' || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else throw new Error(`unrecognized character in action: ${goRuneU(r)}`);
    }
  }

  private hasPrefix(p: string): boolean {
    return this.input.slice(this.pos, this.pos + p.length).join('') === p;
  }
  private consumeText(): string {
    const v = this.input.slice(this.start, this.pos).join('');
    this.start = this.pos;
    return v;
  }
  private next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    this.width = 1;
    return this.input[this.pos++] as string;
  }
  private peek(): string {
    const r = this.next();
    this.backup();
    return r;
  }
  private backup(): void {
    this.pos -= this.width;
  }

  private parseIdentifier(cur: ListNode): void {
    while (!isTerminator(this.next()));
    this.backup();
    const value = this.consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ type: 'bool', value: value === 'true' });
    else cur.nodes.push({ type: 'identifier', name: value });
  }

  private parseRecursive(cur: ListNode): void {
    const last = cur.nodes[cur.nodes.length - 1];
    if (last && last.type === 'recursive') throw new Error('invalid multiple recursive descent');
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ type: 'recursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const r = this.peek();
    if (r === '+' || r === '-') this.next();
    for (;;) {
      const c = this.next();
      if (c !== '.' && !isDigit(c)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (/^[+-]?[0-9]+$/.test(value)) cur.nodes.push({ type: 'int', value: Number(value) });
    else if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(value)) cur.nodes.push({ type: 'float', value: Number(value) });
    else throw new Error(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new Error('unterminated array');
      if (r === ']') break;
    }
    let text = this.consumeText();
    text = text.slice(1, -1);
    if (text === '*') text = ':';

    const strs = text.split(',');
    if (strs.length > 1) {
      const union: ListNode[] = strs.map((s) => parseAction(`[${s.replace(/^ +| +$/g, '')}]`));
      cur.nodes.push({ type: 'union', nodes: union });
      return;
    }
    const dict = DICT_KEY.exec(text);
    if (dict) {
      cur.nodes.push(...parseAction(`.${dict[1] ?? ''}`).nodes);
      return;
    }
    const m = SLICE_OPERATOR.exec(text);
    if (!m) throw new Error(`invalid array index ${text}`);
    const value = [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
    const params: [ParamsEntry, ParamsEntry, ParamsEntry] = [
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
      { value: 0, known: false, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      const p = params[i] as ParamsEntry;
      let v = value[i] as string;
      if (v !== '') {
        if (i > 0) v = v.slice(1);
        if (i > 0 && v === '') {
          p.known = false;
        } else {
          p.known = true;
          if (!/^[+-]?[0-9]+$/.test(v)) throw new Error(`array index ${v} is not a number`);
          p.value = Number(v);
        }
      } else if (i === 1) {
        p.known = true;
        p.value = params[0].value + 1;
        p.derived = true;
      }
    }
    cur.nodes.push({ type: 'array', params });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new Error('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')') {
        if (begin === end) break;
      }
    }
    if (this.next() !== ']') throw new Error('unclosed array expect ]');
    let text = this.consumeText();
    text = text.slice(0, -2);
    const m = FILTER.exec(text);
    if (!m) {
      cur.nodes.push({ type: 'filter', left: parseAction(text), right: newList(), operator: 'exists' });
    } else {
      cur.nodes.push({ type: 'filter', left: parseAction(m[1] ?? ''), right: parseAction(m[3] ?? ''), operator: m[2] ?? '' });
    }
  }

  private parseQuote(cur: ListNode, end: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || r === '\n') throw new Error('unterminated quoted string');
      if (r === end && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consumeText();
    let s: string;
    try {
      s = unquoteExtend(value);
    } catch (e) {
      throw new Error(`unquote string ${value} error ${(e as Error).message}`);
    }
    cur.nodes.push({ type: 'text', text: s });
  }

  private parseField(cur: ListNode): void {
    this.consumeText();
    for (;;) {
      const r = this.next();
      if (r === '\\') {
        this.next();
      } else if (isTerminator(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    if (value === '*') cur.nodes.push({ type: 'wildcard' });
    else cur.nodes.push({ type: 'field', value: value.replace(/\\/g, '') });
  }
}

/** Parses the expression of one action (`{` + text + `}`) and returns its list node. */
function parseAction(text: string): ListNode {
  const root = new Parser().parse(`{${text}}`);
  return root.nodes[0] as ListNode;
}

/** Parses a jsonpath template; throws the parser's error (`unclosed action`, ...). */
export function parseJsonPath(template: string): JsonPathNode[] {
  return new Parser().parse(template).nodes;
}

// ---- evaluation ----

/** A float64 constant from the template (`2.0`): it compares and prints as Go's float64. */
class GoFloat {
  constructor(readonly value: number) {}
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof GoFloat);
}

type BasicKind = 'bool' | 'int' | 'float' | 'string';

function basicKind(v: unknown): BasicKind {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v instanceof GoFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  throw new Error('invalid type for comparison');
}
const num = (v: unknown): number => (v instanceof GoFloat ? v.value : (v as number));

function equal(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'int' || ka === 'float') return num(a) === num(b);
  return a === b;
}
function less(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return (a as string) < (b as string);
  return num(a) < num(b);
}

/** Options of the engine; kubectl's `--allow-missing-template-keys` defaults to true. */
export interface JsonPathOptions {
  allowMissingKeys?: boolean;
  /** jsonpath-as-json: each result group printed as an indented JSON array. */
  outputJson?: boolean;
}

class Evaluator {
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEndIndex = -1;

  constructor(
    private readonly nodes: JsonPathNode[],
    private readonly allowMissingKeys: boolean,
  ) {}

  findResults(data: unknown, offset = 0): unknown[][] {
    const cur = [data];
    const full: unknown[][] = [];
    for (let i = offset; i < this.nodes.length; i++) {
      const results = this.walk(cur, this.nodes[i] as JsonPathNode);
      // An end node closes the current range block.
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange--;
        this.lastEndIndex = i;
        break;
      }
      // A range node runs the following nodes once per result.
      if (this.beginRange > 0) {
        this.beginRange--;
        this.inRange++;
        if (results.length > 0) {
          for (const value of results) full.push(...this.findResults(value, i + 1));
        } else {
          this.findResults(null, i + 1);
        }
        this.inRange--;
        for (let k = i + 1; k < this.nodes.length; k++) {
          if (k === this.lastEndIndex) {
            i = k;
            break;
          }
        }
        continue;
      }
      full.push(results);
    }
    return full;
  }

  private walk(input: unknown[], node: JsonPathNode): unknown[] {
    switch (node.type) {
      case 'list':
        return this.evalList(input, node);
      case 'text':
        return [node.text];
      case 'field':
        return this.evalField(input, node.value);
      case 'array':
        return this.evalArray(input, node.params);
      case 'filter':
        return this.evalFilter(input, node);
      case 'int':
        return input.map(() => node.value);
      case 'float':
        return input.map(() => new GoFloat(node.value));
      case 'bool':
        return input.map(() => node.value);
      case 'wildcard':
        return input.flatMap((v) => children(v));
      case 'recursive':
        return this.evalRecursive(input);
      case 'union':
        return node.nodes.flatMap((l) => this.evalList(input, l));
      case 'identifier':
        return this.evalIdentifier(input, node.name);
    }
  }

  private evalList(input: unknown[], node: ListNode): unknown[] {
    let cur = input;
    for (const n of node.nodes) cur = this.walk(cur, n);
    return cur;
  }

  private evalIdentifier(input: unknown[], name: string): unknown[] {
    if (name === 'range') {
      this.beginRange++;
      return input;
    }
    if (name === 'end') {
      if (this.inRange > 0) {
        this.endRange++;
        return [];
      }
      throw new Error('not in range, nothing to end');
    }
    throw new Error(`unrecognized identifier ${name}`);
  }

  private evalField(input: unknown[], field: string): unknown[] {
    const results: unknown[] = [];
    if (input.length === 0) return results;
    for (const v of input) {
      if (isMap(v) && Object.prototype.hasOwnProperty.call(v, field) && v[field] !== undefined) results.push(v[field]);
    }
    if (results.length === 0 && !this.allowMissingKeys) throw new Error(`${field} is not found`);
    return results;
  }

  private evalArray(input: unknown[], node: [ParamsEntry, ParamsEntry, ParamsEntry]): unknown[] {
    const result: unknown[] = [];
    for (const value of input) {
      if (value === null || value === undefined) continue;
      if (!Array.isArray(value)) throw new Error(`${goTypeName(value)} is not array or slice`);
      const len = value.length;
      let start = node[0].known ? node[0].value : 0;
      if (start < 0) start += len;
      let end = node[1].known ? node[1].value : len;
      if (end < 0 || (end === 0 && node[1].derived)) end += len;
      if (end === start) return result;
      if (start >= len || start < 0) throw new Error(`array index out of bounds: index ${start}, length ${len}`);
      if (end > len || end < 0) throw new Error(`array index out of bounds: index ${end - 1}, length ${len}`);
      if (start > end) throw new Error(`starting index ${start} is greater than ending index ${end}`);
      let step = 1;
      if (node[2].known) {
        if (node[2].value <= 0) throw new Error('step must be > 0');
        step = node[2].value;
      }
      const slice = value.slice(start, end);
      for (let i = 0; i < slice.length; i += step) result.push(slice[i]);
    }
    return result;
  }

  private evalFilter(input: unknown[], node: Extract<JsonPathNode, { type: 'filter' }>): unknown[] {
    const results: unknown[] = [];
    for (const value of input) {
      if (!Array.isArray(value)) throw new Error(`${goValueString(value)} is not array or slice and cannot be filtered`);
      for (const item of value) {
        let lefts: unknown[];
        try {
          lefts = this.evalList([item], node.left);
        } catch (e) {
          if (node.operator === 'exists') continue;
          throw e;
        }
        if (node.operator === 'exists') {
          if (lefts.length > 0) results.push(item);
          continue;
        }
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new Error('can only compare one element at a time');
        const rights = this.evalList([item], node.right);
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new Error('can only compare one element at a time');
        const left = lefts[0];
        const right = rights[0];
        let pass: boolean;
        switch (node.operator) {
          case '<':
            pass = less(left, right);
            break;
          case '>':
            pass = !(less(left, right) || equal(left, right));
            break;
          case '==':
            pass = equal(left, right);
            break;
          case '!=':
            pass = !equal(left, right);
            break;
          case '<=':
            pass = less(left, right) || equal(left, right);
            break;
          case '>=':
            pass = !less(left, right);
            break;
          default:
            throw new Error(`unrecognized filter operator ${node.operator}`);
        }
        if (pass) results.push(item);
      }
    }
    return results;
  }

  private evalRecursive(input: unknown[]): unknown[] {
    const result: unknown[] = [];
    for (const value of input) {
      if (value === null || value === undefined) continue;
      const kids = children(value);
      if (kids.length !== 0) {
        result.push(value);
        result.push(...this.evalRecursive(kids));
      }
    }
    return result;
  }
}

/** What `*` yields: a map's values (in key order, where Go's is random), a list's items, a string's bytes. */
function children(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (isMap(v)) return goSortedKeys(v).map((k) => v[k]);
  if (typeof v === 'string') return [...Buffer.from(v, 'utf8')];
  return [];
}

function resultText(v: unknown): string {
  if (Array.isArray(v) || isMap(v)) return goJson(v);
  if (v instanceof GoFloat) return goFloat(v.value);
  if (typeof v === 'number') return goNumber(v);
  return goValueString(v);
}

function plain(v: unknown): unknown {
  return v instanceof GoFloat ? v.value : v;
}

/**
 * Runs a parsed template over data and returns the raw engine output or throws the
 * engine's own error (`array index out of bounds: ...`). Results of one action are
 * joined by a space.
 */
export function findJsonPathResults(nodes: JsonPathNode[], data: unknown, allowMissingKeys = true): unknown[][] {
  return new Evaluator(nodes, allowMissingKeys).findResults(data).map((g) => g.map(plain));
}

function printResults(groups: unknown[][], outputJson: boolean): string {
  let out = '';
  for (const group of groups) {
    if (outputJson) {
      out += goJson(group, '    ') + '\n';
      continue;
    }
    out += group.map(resultText).join(' ');
  }
  return out;
}

/**
 * `kubectl -o jsonpath=<template>` over one object or a List: the text kubectl prints.
 * Throws kubectl's messages: `error parsing jsonpath {.foo, unclosed action` and
 * `error executing jsonpath "{.items[5]}": Error executing template: array index out of
 * bounds: index 5, length 2. Printing more information for debugging the template: ...`.
 */
export function executeJsonPath(template: string, data: unknown, opts: JsonPathOptions = {}): string {
  let nodes: JsonPathNode[];
  try {
    nodes = parseJsonPath(template);
  } catch (e) {
    throw new Error(`error parsing jsonpath ${template}, ${(e as Error).message}`);
  }
  try {
    return printResults(new Evaluator(nodes, opts.allowMissingKeys ?? true).findResults(data), opts.outputJson ?? false);
  } catch (e) {
    throw new Error(
      `error executing jsonpath ${goQuote(template)}: Error executing template: ${(e as Error).message}. ` +
        'Printing more information for debugging the template:\n' +
        `\ttemplate was:\n\t\t${template}\n` +
        `\tobject given to jsonpath engine was:\n\t\t${goSharpV(data)}\n\n`,
    );
  }
}

/** Runs a template with the engine's raw errors (for tests and custom-columns). */
export function evaluateJsonPath(template: string, data: unknown, opts: JsonPathOptions = {}): string {
  return printResults(new Evaluator(parseJsonPath(template), opts.allowMissingKeys ?? true).findResults(data), opts.outputJson ?? false);
}
