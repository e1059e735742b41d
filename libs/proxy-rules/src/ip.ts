// SPDX-License-Identifier: Apache-2.0

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An IPv4 address as an unsigned 32-bit number; NaN when it is not a dotted quad. */
export function ipv4ToNumber(ip: string): number {
  const m = DOTTED_QUAD.exec(ip);
  if (!m) return NaN;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const v = Number(m[i]);
    if (v > 255) return NaN;
    n = n * 256 + v;
  }
  return n;
}

/** True when `ip` lies in `cidr` ("10.244.0.0/16"; a bare address means /32). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, lenText] = cidr.split('/');
  const len = lenText === undefined ? 32 : Number(lenText);
  const a = ipv4ToNumber(ip);
  const b = ipv4ToNumber(base ?? '');
  if (Number.isNaN(a) || Number.isNaN(b) || !(len >= 0 && len <= 32)) return false;
  if (len === 0) return true;
  const shift = 32 - len;
  return Math.floor(a / 2 ** shift) === Math.floor(b / 2 ** shift);
}

/** True for IPv4 dotted quads; the proxy programs IPv4 only. */
export function isIPv4(ip: string | undefined): ip is string {
  return ip !== undefined && !Number.isNaN(ipv4ToNumber(ip));
}
