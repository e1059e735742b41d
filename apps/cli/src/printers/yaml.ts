// SPDX-License-Identifier: Apache-2.0
/**
 * The YAML kubectl prints (-o yaml): sigs.k8s.io/yaml turns the object's JSON into YAML with
 * go-yaml v2, whose emitter (a port of libyaml) decides every detail reproduced here: map
 * keys in go-yaml's "natural" order (a9 before a10), sequences not indented under their key,
 * `{}`/`[]` for empty containers, double quotes for strings that would read back as another
 * type in YAML 1.1 ("on", "0444", "1.0", timestamps), single quotes for strings plain style
 * cannot carry ('a: b', '*'), literal blocks for multi-line strings, and plain or
 * single-quoted strings folded at the first space past column 80.
 */
import { goFloat } from './go-values';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- key order (go-yaml v2 keyList.Less) ----

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
const isDigit = (c: string): boolean => /\p{Nd}/u.test(c);

/** go-yaml v2's map key order: letters after other runes, digit runs compared as numbers. */
export function yamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc;
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j] as string); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai] as string); ai++) an = an * 10n + BigInt((ar[ai] as string).charCodeAt(0) - 48);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi] as string); bi++) bn = bn * 10n + BigInt((br[bi] as string).charCodeAt(0) - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ac < bc;
  }
  return ar.length < br.length;
}

function sortedKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort((a, b) => (yamlKeyLess(a, b) ? -1 : yamlKeyLess(b, a) ? 1 : 0));
}

// ---- resolving plain scalars (go-yaml v2 resolve) ----

const RESOLVE_MAP = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE',
  'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE',
  'null', 'Null', 'NULL', '~',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF',
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_INT = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMPS = [
  /^\d{4}-\d{1,2}-\d{1,2}$/,
  /^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?$/,
];
const GO_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** True when the string, written plain, would read back as a string (not null/bool/number/timestamp). */
function resolvesToString(s: string): boolean {
  if (s === '') return false;
  if (RESOLVE_MAP.has(s)) return false;
  const c = s[0] as string;
  if (c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    if (c >= '0' && c <= '9' && TIMESTAMPS.some((r) => r.test(s))) return false;
    const plain = s.replace(/_/g, '');
    if (GO_INT.test(plain)) return false;
    if (YAML_STYLE_FLOAT.test(plain)) return false;
    if (/^-?0b[01]+$/.test(plain)) return false;
    return true;
  }
  if (c === '.') return !GO_FLOAT.test(s);
  return true;
}

// ---- scalar analysis (libyaml yaml_emitter_analyze_scalar) ----

interface Analysis {
  blockPlain: boolean;
  single: boolean;
  block: boolean;
}

const isBreak = (c: number): boolean => c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;
function isPrintable(c: number): boolean {
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)
  );
}

function analyze(s: string): Analysis {
  const cps = [...s].map((ch) => ch.codePointAt(0) as number);
  const n = cps.length;
  if (n === 0) return { blockPlain: true, single: true, block: false };
  const blankz = (k: number): boolean => k >= n || isBlank(cps[k] as number) || isBreak(cps[k] as number);
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let prevSpace = false;
  let prevBreak = false;
  let preceded = true;
  let followed = blankz(1);
  for (let i = 0; i < n; i++) {
    const c = cps[i] as number;
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      else if ((ch === '?' || ch === ':') && followed) blockIndicators = true;
      else if (ch === '-' && followed) blockIndicators = true;
    } else if (ch === ':' && followed) {
      blockIndicators = true;
    } else if (ch === '#' && preceded) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevBreak = true;
      prevSpace = false;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    preceded = isBlank(c) || isBreak(c);
    followed = blankz(i + 2);
  }
  let blockPlain = true;
  let single = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
  if (trailingSpace) block = false;
  if (breakSpace) blockPlain = single = false;
  if (spaceBreak || special) blockPlain = single = block = false;
  if (lineBreaks) blockPlain = false;
  if (blockIndicators) blockPlain = false;
  return { blockPlain, single, block };
}

// ---- writing scalars ----

type Style = 'plain' | 'single' | 'double' | 'literal';

function selectStyle(s: string, simpleKey: boolean): Style {
  const a = analyze(s);
  let style: Style = s.includes('\n') ? 'literal' : resolvesToString(s) && !BASE60_FLOAT.test(s) ? 'plain' : 'double';
  if (style === 'plain' && !a.blockPlain) style = 'single';
  if (style === 'single' && !a.single) style = 'double';
  if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
  return style;
}

const ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

/** Writes a plain, single- or double-quoted scalar starting at `column`, folding at spaces past column 80. */
function writeFlowScalar(s: string, style: Exclude<Style, 'literal'>, column: number, indent: number, allowBreaks: boolean): string {
  const chars = [...s];
  const n = chars.length;
  let out = '';
  let col = column;
  const put = (t: string): void => {
    out += t;
    col += [...t].length;
  };
  const newline = (): void => {
    out += '\n' + ' '.repeat(indent);
    col = indent;
  };
  if (style === 'single') put("'");
  if (style === 'double') put('"');
  let spaces = false;
  for (let i = 0; i < n; i++) {
    const ch = chars[i] as string;
    const c = ch.codePointAt(0) as number;
    const nextSpace = chars[i + 1] === ' ';
    if (style === 'double' && (!isPrintable(c) || c === 0xfeff || isBreak(c) || ch === '"' || ch === '\\')) {
      const esc = ESCAPES[c];
      if (esc !== undefined) put('\\' + esc);
      else if (c <= 0xff) put('\\x' + c.toString(16).toUpperCase().padStart(2, '0'));
      else if (c <= 0xffff) put('\\u' + c.toString(16).toUpperCase().padStart(4, '0'));
      else put('\\U' + c.toString(16).toUpperCase().padStart(8, '0'));
      spaces = false;
    } else if (ch === ' ') {
      const fold =
        allowBreaks && !spaces && col > BEST_WIDTH &&
        (style === 'plain' ? !nextSpace : style === 'single' ? i > 0 && i < n - 1 && !nextSpace : i !== 0 && i !== n - 1);
      if (fold) {
        newline();
        if (style === 'double' && nextSpace) put('\\');
      } else {
        put(' ');
      }
      spaces = true;
    } else {
      put(style === 'single' && ch === "'" ? "''" : ch);
      spaces = false;
    }
  }
  if (style === 'single') put("'");
  if (style === 'double') put('"');
  return out;
}

/** A literal block scalar (`|`, `|-`, `|+`, with an indentation hint when it starts with a space). */
function writeLiteral(s: string, indent: number): string {
  let header = '|';
  if (s[0] === ' ' || s[0] === '\n') header += String(BEST_INDENT);
  if (!s.endsWith('\n')) header += '-';
  else if (s.length === 1 || s[s.length - 2] === '\n') header += '+';
  const lines = s.split('\n');
  if (s.endsWith('\n')) lines.pop();
  const pad = ' '.repeat(indent);
  return header + '\n' + lines.map((l) => (l ? pad + l : '')).join('\n');
}

function scalarText(v: unknown, column: number, indent: number, simpleKey: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : goFloat(v);
  }
  const s = String(v);
  const style = selectStyle(s, simpleKey);
  if (style === 'literal') return writeLiteral(s, indent);
  return writeFlowScalar(s, style, column, indent, !simpleKey);
}

// ---- block structure ----

function isEmptyContainer(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isPlainObject(v) && sortedKeys(v).length === 0) return '{}';
  return undefined;
}

/** Lines of a block mapping whose keys sit at column `indent`; the first line's indentation may be replaced by a `- ` prefix. */
function mapping(obj: Record<string, unknown>, indent: number): string {
  let out = '';
  for (const key of sortedKeys(obj)) {
    const value = obj[key];
    const prefix = ' '.repeat(indent) + scalarText(key, indent, indent, true) + ':';
    const empty = isEmptyContainer(value);
    if (empty) out += `${prefix} ${empty}\n`;
    else if (isPlainObject(value)) out += prefix + '\n' + mapping(value, indent + BEST_INDENT);
    else if (Array.isArray(value)) out += prefix + '\n' + sequence(value, indent);
    else out += `${prefix} ${scalarText(value, [...prefix].length + 1, indent + BEST_INDENT, false)}\n`;
  }
  return out;
}

/** Lines of a block sequence whose dashes sit at column `indent`. */
function sequence(arr: unknown[], indent: number): string {
  let out = '';
  const dash = ' '.repeat(indent) + '- ';
  for (const item of arr) {
    const empty = isEmptyContainer(item);
    if (empty) out += dash + empty + '\n';
    else if (isPlainObject(item)) out += dash + mapping(item, indent + BEST_INDENT).slice(indent + BEST_INDENT);
    else if (Array.isArray(item)) out += dash + sequence(item, indent + BEST_INDENT).slice(indent + BEST_INDENT);
    else out += dash + scalarText(item, indent + BEST_INDENT, indent + BEST_INDENT, false) + '\n';
  }
  return out;
}

/** A decoded JSON value as `kubectl -o yaml` prints it (sigs.k8s.io/yaml over go-yaml v2). */
export function toKubectlYaml(value: unknown): string {
  const empty = isEmptyContainer(value);
  if (empty) return empty + '\n';
  if (isPlainObject(value)) return mapping(value, 0);
  if (Array.isArray(value)) return sequence(value, 0);
  return scalarText(value, 0, BEST_INDENT, false) + '\n';
}
