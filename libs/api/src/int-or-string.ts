// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes' intstr.IntOrString: a field that holds either an integer or a string, most
 * often a percentage ('25%') as in a Deployment's maxSurge and maxUnavailable.
 */

/** An int or a string, as the JSON carries it. */
export type IntOrString = number | string;

/**
 * The value of an int-or-percent field scaled against total, as Kubernetes'
 * GetScaledValueFromIntOrPercent: numbers are returned as they are, 'N%' becomes
 * N% of total rounded up or down. Anything else throws with Kubernetes' message.
 */
export function intOrStringValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') throw new Error('invalid value for IntOrString: invalid type: neither int nor percentage');
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  const n = atoi(digits);
  if (typeof n === 'string') throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}: ${n}`);
  const scaled = (n * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** Go's strconv.Atoi on a 64-bit platform: the number, or its error text. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const big = BigInt(s);
  if (big > (1n << 63n) - 1n || big < -(1n << 63n)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return Number(big);
}

/** Whether v is a percentage string Kubernetes accepts ('25%'; IsValidPercent). */
export function isPercent(v: unknown): boolean {
  return typeof v === 'string' && /^[0-9]+%$/.test(v);
}
