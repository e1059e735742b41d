// SPDX-License-Identifier: Apache-2.0
/**
 * How Go prints the values of decoded JSON (what kubectl works with: unstructured maps,
 * slices, strings, int64/float64 numbers, bools and nil), so that jsonpath, custom-columns
 * and -o json print exactly what kubectl prints. Integral JSON numbers are int64 in kubectl
 * (its unstructured decoder keeps integers as integers); others are float64.
 */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's map key order for fmt and encoding/json: byte-wise on the UTF-8 text. */
export function goSortedKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** strconv.FormatFloat(f, 'g', -1, 64), the %v of a float64: `1.5`, `1e+06`, `1e-05`. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant = '0', expText = '0'] = f.toExponential().split('e');
  const exp = Number(expText);
  // Shortest formatting switches to %e when the exponent is < -4 or >= 6 (eprec 6).
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mant}e${sign}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(f);
}

/** A JSON number as kubectl holds it: int64 when integral, float64 otherwise. */
export function goNumber(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  return goFloat(n);
}

/** fmt's %v of a decoded JSON value: `map[a:1 b:x]`, `[a b]`, `<nil>`. */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  if (isPlainObject(v)) return `map[${goSortedKeys(v).map((k) => `${k}:${goValueString(v[k])}`).join(' ')}]`;
  return String(v);
}

/** Go's strconv.Quote for the strings JSON carries. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** fmt's %#v of a decoded JSON value, as kubectl's jsonpath errors show the object. */
export function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if (isPlainObject(v)) {
    return `map[string]interface {}{${goSortedKeys(v).map((k) => `${goQuote(k)}:${goSharpV(v[k])}`).join(', ')}}`;
  }
  return String(v);
}

/** The Go type name of a decoded JSON value, as `%v is not array or slice` errors print it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** encoding/json's string encoding: HTML-safe (`<` → `\u003c`) and U+2028/2029 escaped. */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}

function jsonNumber(n: number): string {
  return Number.isFinite(n) ? JSON.stringify(n) : 'null';
}

/**
 * encoding/json's Marshal (indent '') or MarshalIndent(v, '', indent) of a decoded JSON value:
 * map keys sorted, `{}`/`[]` for empty containers.
 */
export function goJson(v: unknown, indent = '', level = 0): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'boolean') return String(v);
  const nl = indent ? '\n' + indent.repeat(level + 1) : '';
  const end = indent ? '\n' + indent.repeat(level) : '';
  const colon = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((x) => nl + goJson(x, indent, level + 1)).join(',')}${end}]`;
  }
  if (isPlainObject(v)) {
    const keys = goSortedKeys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => nl + goJsonString(k) + colon + goJson(v[k], indent, level + 1)).join(',')}${end}}`;
  }
  return 'null';
}
