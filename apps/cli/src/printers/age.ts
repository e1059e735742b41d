// SPDX-License-Identifier: Apache-2.0
import { humanDuration } from '@berth/events';

/**
 * kubectl's translateTimestampSince: the HumanDuration from `ts` to `now` (`45s`, `5m3s`,
 * `70m`, `3h1m`, `2d1h`), `<unknown>` when the timestamp is missing or unreadable.
 */
export function translateTimestampSince(ts: string | undefined, now: Date): string {
  if (!ts) return '<unknown>';
  const ms = Date.parse(ts);
  if (Number.isNaN(ms)) return '<unknown>';
  return humanDuration(now.getTime() - ms);
}

/** The time between two timestamps as HumanDuration (a job's DURATION column). */
export function humanDurationBetween(from: string, to: string | Date): string {
  const end = to instanceof Date ? to.getTime() : Date.parse(to);
  return humanDuration(end - Date.parse(from));
}
