// SPDX-License-Identifier: Apache-2.0
/**
 * Cron schedules as Kubernetes' CronJob controller reads them (robfig/cron's standard
 * parser): five fields — minute, hour, day of month, month, day of week — with `*`, `?`,
 * lists, ranges, steps and month/day names, plus the @yearly/@annually/@monthly/@weekly/
 * @daily/@midnight/@hourly descriptors and `@every <duration>`. Times are computed in UTC.
 */

/** A parsed schedule: answers "when is the next activation strictly after t". */
export interface CronSchedule {
  next(after: Date): Date;
}

const FIELDS: Array<{ min: number; max: number; names?: Record<string, number> }> = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } },
  { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** One field: the allowed values, and whether it was written as `*`/`?` (robfig's starBit). */
interface Field {
  values: Set<number>;
  star: boolean;
}

/** Parses a schedule; throws an Error with robfig/cron's message when it is not valid. */
export function parseCronSchedule(schedule: string): CronSchedule {
  let s = schedule.trim();
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    // Time zones are not supported: the prefix is accepted and the schedule runs in UTC.
    const sp = s.indexOf(' ');
    s = sp < 0 ? '' : s.slice(sp + 1).trim();
  }
  if (s.startsWith('@every ')) return everySchedule(s.slice(7).trim());
  if (s.startsWith('@')) {
    const expanded = DESCRIPTORS[s];
    if (!expanded) throw new Error(`unrecognized descriptor: ${s}`);
    s = expanded;
  }
  const parts = s.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const fields = parts.map((p, i) => parseField(p, FIELDS[i] as (typeof FIELDS)[number]));
  const [minute, hour, dom, month, dow] = fields as [Field, Field, Field, Field, Field];
  const dayMatches = (d: Date): boolean => {
    const domOk = dom.values.has(d.getUTCDate());
    const dowOk = dow.values.has(d.getUTCDay());
    // As robfig/cron (and Vixie cron): when either day field is `*`, both must match;
    // when both are restricted, either may.
    return dom.star || dow.star ? domOk && dowOk : domOk || dowOk;
  };
  return {
    next(after: Date): Date {
      // Start at the next whole minute after `after`.
      const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
      const limit = t.getUTCFullYear() + 5;
      while (t.getUTCFullYear() <= limit) {
        if (!month.values.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!dayMatches(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!hour.values.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!minute.values.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        return t;
      }
      // Unsatisfiable (e.g. 30 February): robfig returns the zero time; "never" is clearer.
      return new Date(8.64e15);
    },
  };
}

function parseField(expr: string, range: (typeof FIELDS)[number]): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of expr.split(',')) {
    const [rangePart = '', stepPart, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`);
    let start: number;
    let end: number;
    let isStar = false;
    if (rangePart === '*' || rangePart === '?') {
      start = range.min;
      end = range.max;
      isStar = true;
    } else {
      const bounds = rangePart.split('-');
      if (bounds.length > 2) throw new Error(`too many hyphens: ${part}`);
      start = parseValue(bounds[0] ?? '', range.names);
      end = bounds.length === 2 ? parseValue(bounds[1] ?? '', range.names) : start;
    }
    let step = 1;
    if (stepPart !== undefined) {
      step = parseValue(stepPart);
      if (step <= 0) throw new Error(`step of range should be a positive number: ${part}`);
      // "N/step" means "N-max/step".
      if (!isStar && !rangePart.includes('-')) end = range.max;
      if (step > 1) isStar = false;
    }
    if (start < range.min) throw new Error(`beginning of range (${start}) below minimum (${range.min}): ${part}`);
    if (end > range.max) throw new Error(`end of range (${end}) above maximum (${range.max}): ${part}`);
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${part}`);
    for (let v = start; v <= end; v += step) values.add(v);
    if (isStar) star = true;
  }
  return { values, star };
}

function parseValue(token: string, names?: Record<string, number>): number {
  const named = names?.[token.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[0-9]+$/.test(token)) throw new Error(`failed to parse int from ${token}: strconv.Atoi: parsing ${JSON.stringify(token)}: invalid syntax`);
  return Number(token);
}

/** `@every 1h30m`: fixed intervals (rounded to whole seconds, at least one), as robfig's ConstantDelaySchedule. */
function everySchedule(duration: string): CronSchedule {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let ms = 0;
  let consumed = 0;
  for (const m of duration.matchAll(re)) {
    ms += Number(m[1]) * (unit[m[2] as string] as number);
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== duration.length) throw new Error(`failed to parse duration @every ${duration}: time: invalid duration ${JSON.stringify(duration)}`);
  const every = Math.max(1000, Math.floor(ms / 1000) * 1000);
  return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + every) };
}
