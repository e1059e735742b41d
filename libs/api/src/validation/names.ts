// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes' string-format checks (k8s.io/apimachinery/pkg/util/validation): each returns
 * the list of problems as detail strings worded exactly as Kubernetes words them, empty
 * when the value is valid. Callers wrap the details into FieldErrors.
 */

/** Length in bytes as Go's len() counts it (UTF-8). */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** "must be no more than N characters" */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** "must be non-empty" */
export function emptyError(): string {
  return 'must be non-empty';
}

/** "must be between lo and hi, inclusive" */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** Kubernetes' RegexError: the message, examples and the regex it checked. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Kubernetes' loop leaves a double space before each " or " (it appends "', " then " or ").
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

/** Max length of a DNS-1123 or DNS-1035 label. */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** Max length of a DNS-1123 subdomain (most object names). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

/** RFC 1123 subdomain: most object names ('example.com'). */
export function isDns1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** RFC 1123 label: namespace names, container names, ('my-name'). */
export function isDns1123Label(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(v)) {
    // A valid subdomain that is not a valid label (length already checked) must have dots.
    if (DNS1123_SUBDOMAIN_RE.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** RFC 1035 label: Service names (must start with a letter). */
export function isDns1035Label(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL_RE.test(v)) errs.push(regexError(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_ERR = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MAX_LENGTH = 63;

/** A qualified name: label and annotation keys, finalizers ('example.com/MyName'). */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (utf8Length(name) > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_ERR = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
/** Max length of a label value. */
export const LABEL_VALUE_MAX_LENGTH = 63;

/** A label value: empty, or up to 63 alphanumerics, '-', '_' and '.'. */
export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** A port number: 1..65535. */
export function isValidPortNum(n: number): string[] {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** Whether n lies in [lo, hi]. */
export function isInRange(n: number, lo: number, hi: number): string[] {
  return n >= lo && n <= hi ? [] : [inclusiveRangeError(lo, hi)];
}

/** An IANA_SVC_NAME port name: up to 15 of [-a-z0-9], at least one letter, no '--', no edge '-'. */
export function isValidPortName(s: string): string[] {
  const errs: string[] = [];
  if (utf8Length(s) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(s)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(s)) errs.push('must contain at least one letter (a-z)');
  if (s.includes('--')) errs.push('must not contain consecutive hyphens');
  if (s.length > 0 && (s.startsWith('-') || s.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

function hasChDirPrefix(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  if (v.startsWith('..')) return ["must not start with '..'"];
  return [];
}

const HTTP_HEADER_NAME_FMT = '[-A-Za-z0-9]+';
const HTTP_HEADER_NAME_ERR = "a valid HTTP header must consist of alphanumeric characters or '-'";

/** An HTTP header name ('X-Header-Name'). */
export function isHttpHeaderName(s: string): string[] {
  return new RegExp(`^${HTTP_HEADER_NAME_FMT}$`).test(s) ? [] : [regexError(HTTP_HEADER_NAME_ERR, HTTP_HEADER_NAME_FMT, 'X-Header-Name')];
}

const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_VAR_NAME_ERR = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";

/** An environment variable name ('MY_ENV.NAME'). */
export function isEnvVarName(s: string): string[] {
  const errs: string[] = [];
  if (!new RegExp(`^${ENV_VAR_NAME_FMT}$`).test(s)) errs.push(regexError(ENV_VAR_NAME_ERR, ENV_VAR_NAME_FMT, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  errs.push(...hasChDirPrefix(s));
  return errs;
}

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_MAP_KEY_ERR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

/** A ConfigMap or Secret data key ('key.name'). */
export function isConfigMapKey(s: string): string[] {
  const errs: string[] = [];
  if (utf8Length(s) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!new RegExp(`^${CONFIG_MAP_KEY_FMT}$`).test(s)) errs.push(regexError(CONFIG_MAP_KEY_ERR, CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  errs.push(...hasChDirPrefix(s));
  return errs;
}

const C_IDENTIFIER_FMT = '[A-Za-z_][A-Za-z0-9_]*';
const C_IDENTIFIER_ERR = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";

/** A C identifier ('my_name'). */
export function isCIdentifier(s: string): string[] {
  return new RegExp(`^${C_IDENTIFIER_FMT}$`).test(s) ? [] : [regexError(C_IDENTIFIER_ERR, C_IDENTIFIER_FMT, 'my_name', 'MY_NAME', 'MyName')];
}

/** A percentage string ('25%'). */
export function isValidPercent(s: string): string[] {
  return /^[0-9]+%$/.test(s) ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%')];
}

/** IPv4 as Kubernetes' ParseIPSloppy reads it: four decimal octets, leading zeros allowed. */
function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** IPv6 as Go's net.ParseIP reads it ('::' compression, optional trailing IPv4, no zone). */
function parseIPv6(s: string): boolean {
  if (s.length === 0) return false;
  let rest = s;
  // an embedded dotted IPv4 at the end stands for the last two groups
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!parseIPv4(s.slice(lastColon + 1))) return false;
    rest = `${s.slice(0, lastColon + 1)}0:0`;
  }
  let groups = 0;
  const dbl = rest.indexOf('::');
  if (dbl >= 0 && rest.indexOf('::', dbl + 1) >= 0) return false;
  const halves = dbl >= 0 ? [rest.slice(0, dbl), rest.slice(dbl + 2)] : [rest];
  for (const half of halves) {
    if (half === '') continue;
    for (const g of half.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
      groups++;
    }
  }
  return dbl >= 0 ? groups <= 7 : groups === 8;
}

function ipFamily(s: string): 4 | 6 | undefined {
  if (parseIPv4(s)) return 4;
  if (s.includes(':') && parseIPv6(s)) return 6;
  return undefined;
}

/** An IPv4 or IPv6 address. */
export function isValidIp(s: string): string[] {
  return ipFamily(s) ? [] : ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
}

/** An IPv4 or IPv6 CIDR ('10.9.8.0/24'). */
export function isValidCidr(s: string): string[] {
  const err = ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
  const slash = s.indexOf('/');
  if (slash < 0) return err;
  const family = ipFamily(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (!family || !/^[0-9]+$/.test(bits)) return err;
  return Number(bits) <= (family === 4 ? 32 : 128) ? [] : err;
}

/**
 * Go's maskTrailingDash, applied before checking a generateName: the prefix may end in '-'
 * because the generated suffix follows it.
 */
export function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

/** NameIsDNSSubdomain: the default object-name check; prefix=true checks a generateName. */
export function nameIsDnsSubdomain(name: string, prefix = false): string[] {
  return isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
}

/** NameIsDNSLabel: names of namespaces and other label-like objects. */
export function nameIsDnsLabel(name: string, prefix = false): string[] {
  return isDns1123Label(prefix ? maskTrailingDash(name) : name);
}

/** NameIsDNS1035Label: Service names. */
export function nameIsDns1035Label(name: string, prefix = false): string[] {
  return isDns1035Label(prefix ? maskTrailingDash(name) : name);
}

/** ValidatePathSegmentName: names that end up in a URL path segment (RBAC objects and others). */
export function isValidPathSegmentName(name: string, prefix = false): string[] {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  return errs;
}
