// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes' resource.Quantity (k8s.io/apimachinery/pkg/api/resource): '128Mi', '500m',
 * '1.5', '2Gi', '1e3'. Values are held exactly as a count of nano-units (BigInt), which is
 * what Kubernetes rounds every parsed quantity to, so arithmetic and comparison never drift
 * and the canonical string comes out exactly as the Go code prints it.
 */

/** Any failure to parse a quantity; the message is Kubernetes' own. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

/** How a quantity prints: powers of 1024 (Ki, Mi), SI decimal suffixes (m, k, M) or e-notation. */
export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const ERR_FORMAT = `quantities must match the regular expression '${SPLIT_RE}'`;
const ERR_NUMERIC = 'unable to parse numeric part of quantity';
const ERR_SUFFIX = "unable to parse quantity's suffix";

const NANO = 1_000_000_000n;
const MAX_INT64 = (1n << 63n) - 1n;
// Go keeps at most 18 significant digits in its int64 fast path.
const MAX_INT64_FACTORS = 18;
// Exponents beyond this would build absurd BigInts; Kubernetes never stores such values.
const MAX_EXPONENT = 10_000;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map<number, string>([[0, ''], ...Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s] as [number, string])]);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** Port of Go's parseQuantityString: a hand scanner, not the regex (which only names the error). */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  // strip leading zeros; a string of only zeros is 0
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };

  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
    if (pos >= end) return { positive, num, denom, suffix: '' };
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos] as string)) pos++;
  if (pos >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(ERR_FORMAT);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpret(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  const dec = DECIMAL_SUFFIXES[suffix];
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES[suffix];
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const rest = suffix.slice(1);
    if (/^[+-]?[0-9]+$/.test(rest)) {
      const exponent = Number(rest);
      if (Math.abs(exponent) > MAX_EXPONENT) throw new QuantityError(ERR_NUMERIC);
      return { base: 10, exponent, format: 'DecimalExponent' };
    }
  }
  throw new QuantityError(ERR_SUFFIX);
}

/** a / 10^k, rounded away from zero (k > 0). */
function divPow10Up(a: bigint, k: number): bigint {
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const digits = abs.toString().length;
  let q: bigint;
  if (k > digits + 1) {
    q = abs === 0n ? 0n : 1n;
  } else {
    const d = 10n ** BigInt(k);
    q = abs / d;
    if (abs % d !== 0n) q += 1n;
  }
  return neg ? -q : q;
}

/** nanos / unit, rounded away from zero (Kubernetes' ScaledValue). */
function scaleUp(nanos: bigint, unit: bigint): bigint {
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  let q = abs / unit;
  if (abs % unit !== 0n) q += 1n;
  return neg ? -q : q;
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(ERR_FORMAT);
  // String(1e21) is '1e+21', which the scanner reads as an e-notation exponent.
  return String(n);
}

/**
 * An exact amount with a print format, as Kubernetes' resource.Quantity. Immutable:
 * add/sub return new quantities.
 */
export class Quantity {
  readonly format: QuantityFormat;
  /** The amount in units of 10^-9 (Kubernetes rounds every parsed value up to this scale). */
  readonly nanos: bigint;
  // The string as given when it was already canonical (Kubernetes keeps it verbatim).
  readonly #given: string | undefined;

  private constructor(nanos: bigint, format: QuantityFormat, given?: string) {
    this.nanos = nanos;
    this.format = format;
    this.#given = given;
  }

  /** Parses a quantity as Kubernetes' ParseQuantity does (JSON numbers are read as their decimal text). */
  static parse(v: string | number): Quantity {
    const str = typeof v === 'number' ? numberToString(v) : typeof v === 'string' ? v.trim() : '';
    if (str.length === 0) throw new QuantityError(ERR_FORMAT);
    if (str === '0') return new Quantity(0n, 'DecimalSI', '0');

    const { positive, num, denom, suffix } = scan(str);
    const { base, exponent, format: parsedFormat } = interpret(suffix);
    let format = parsedFormat;
    const digits = BigInt(num + denom);

    // Go's int64 fast path keeps the input string when it is already canonical: mirror
    // its conditions so "+1" or "100m" print back exactly as written.
    let given: string | undefined;
    const shifted = num + denom;
    if (base === 10) {
      const scale = exponent - denom.length;
      if (MAX_INT64_FACTORS - shifted.length >= 0 && scale >= -9 && scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0') {
        given = str;
      }
    } else if (denom.length === 0) {
      const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
      const product = digits << BigInt(exponent);
      if (precision >= 0 && product <= MAX_INT64 && (digits & 7n) !== 0n) given = str;
    }

    let nanos: bigint;
    if (base === 10) {
      const shift = exponent - denom.length + 9;
      nanos = shift >= 0 ? digits * 10n ** BigInt(shift) : divPow10Up(digits, -shift);
    } else {
      const scaled = digits << BigInt(exponent);
      const shift = 9 - denom.length;
      nanos = shift >= 0 ? scaled * 10n ** BigInt(shift) : divPow10Up(scaled, -shift);
    }

    if (format === 'BinarySI' && nanos > MAX_INT64 * NANO) {
      nanos = MAX_INT64 * NANO;
      given = undefined;
    }
    // BinarySI cannot print a fraction of one: show such values in decimal.
    if (format === 'BinarySI' && nanos > 0n && nanos < NANO) format = 'DecimalSI';
    return new Quantity(positive ? nanos : -nanos, format, given);
  }

  /** Parses, throwing "cannot parse 'x': ..." like Kubernetes' MustParse. */
  static mustParse(v: string | number): Quantity {
    try {
      return Quantity.parse(v);
    } catch (e) {
      throw new QuantityError(`cannot parse '${String(v)}': ${(e as Error).message}`);
    }
  }

  /** NewQuantity: an integer amount in the given format. */
  static fromValue(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value) * NANO, format);
  }

  /** NewMilliQuantity: value/1000 in the given format (e.g. CPU in millicores). */
  static fromMilliValue(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli) * 1_000_000n, format);
  }

  /** The value rounded up (away from zero) to an integer, as Kubernetes' Value(). */
  value(): number {
    return Number(scaleUp(this.nanos, NANO));
  }

  /** ceil(value × 1000) away from zero, as Kubernetes' MilliValue(). */
  milliValue(): number {
    return Number(scaleUp(this.nanos, 1_000_000n));
  }

  /** The value as a float (may lose precision). */
  asApproximateFloat64(): number {
    return Number(this.nanos) / 1e9;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /** Sum; keeps this quantity's format unless this one is zero (then the other's), like Kubernetes' Add. */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.isZero() ? other.format : this.format);
  }

  /** Difference; format rules as add. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.nanos < 0n ? -1 : this.nanos > 0n ? 1 : 0;
  }

  /** The canonical form Kubernetes prints: '128Mi', '500m', '1500m' for 1.5, '1k', '1e3'. */
  toString(): string {
    return this.#given ?? canonical(this.nanos, this.format);
  }

  toJSON(): string {
    return this.toString();
  }
}

function canonical(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return '0';
  let fmt = format;
  if (fmt === 'BinarySI') {
    const oneK = 1024n * NANO;
    if ((nanos > -oneK && nanos < oneK) || nanos % NANO !== 0n) fmt = 'DecimalSI';
  }
  if (fmt === 'BinarySI') {
    let n = nanos / NANO;
    let exp = 0;
    while (n % 1024n === 0n && exp < 60) {
      n /= 1024n;
      exp += 10;
    }
    return `${n}${BINARY_BY_EXPONENT.get(exp) ?? ''}`;
  }
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (fmt === 'DecimalSI') {
    const suffix = DECIMAL_BY_EXPONENT.get(exponent);
    // Beyond E (10^18) there is no SI suffix: Kubernetes falls back to e-notation.
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}

/** Whether v is a quantity Kubernetes would accept (a string or a finite JSON number). */
export function isValidQuantity(v: unknown): boolean {
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  try {
    Quantity.parse(v);
    return true;
  } catch {
    return false;
  }
}
