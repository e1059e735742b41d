// SPDX-License-Identifier: Apache-2.0
import { humanDuration } from './human-duration';

/** A timestamp as the API carries it (RFC 3339 string), a Date, or epoch milliseconds. */
export type Timestamp = string | Date | number | null | undefined;

function toMillis(t: Timestamp): number | undefined {
  if (t === null || t === undefined || t === '') return undefined;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'number' ? t : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** kubectl's translateTimestampSince: the HumanDuration since `t`, or `<unknown>` without one. */
export function timestampSince(t: Timestamp, now: Date | number = Date.now()): string {
  const ms = toMillis(t);
  if (ms === undefined) return '<unknown>';
  return humanDuration(+now - ms);
}

/**
 * The age kubectl describe prints for an event: `10s` for a single occurrence, and for a
 * repeated one the time since the last occurrence, the count and the time since the
 * first, e.g. `5m (x3 over 6m)`.
 */
export function formatEventAge(first: Timestamp, last: Timestamp, count: number | undefined, now: Date | number = Date.now()): string {
  const sinceFirst = timestampSince(first, now);
  if ((count ?? 0) > 1) return `${timestampSince(last, now)} (x${count} over ${sinceFirst})`;
  return sinceFirst;
}
