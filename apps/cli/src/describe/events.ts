// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { timestampSince } from '@berth/events';
import { get, has, num, str } from './json';
import { LEVEL_0, LEVEL_1, type PrefixWriter } from './prefix-writer';

function ms(t: string): number {
  const v = Date.parse(t);
  return Number.isNaN(v) ? 0 : v;
}

/** The time kubectl sorts an event by (util/event.SortableEvents): series, last, then event time. */
function eventTime(e: KubeObject): number {
  if (has(e, 'series')) return ms(str(e, 'series.lastObservedTime'));
  const last = str(e, 'lastTimestamp');
  if (last) return ms(last);
  return ms(str(e, 'eventTime'));
}

/** The Age column: `2m`, or `5m (x3 over 6m)` for a repeated event. */
export function eventAge(e: KubeObject, now: Date): string {
  const eventTimeValue = str(e, 'eventTime');
  const first = timestampSince(eventTimeValue || str(e, 'firstTimestamp') || undefined, now);
  if (has(e, 'series')) {
    return `${timestampSince(str(e, 'series.lastObservedTime') || undefined, now)} (x${num(e, 'series.count')} over ${first})`;
  }
  const count = num(e, 'count');
  if (count > 1) return `${timestampSince(str(e, 'lastTimestamp') || undefined, now)} (x${count} over ${first})`;
  return first;
}

/**
 * kubectl's DescribeEvents: `Events:  <none>`, or a table sorted oldest first with the
 * reporting component in From (modern kubectl no longer appends the host).
 */
export function describeEvents(events: readonly KubeObject[], w: PrefixWriter, now: Date): void {
  if (events.length === 0) {
    w.write(LEVEL_0, 'Events:\t<none>\n');
    return;
  }
  w.flush();
  // A stable sort keeps the server's order for events of the same second.
  const sorted = [...events].sort((a, b) => eventTime(a) - eventTime(b));
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const source = str(e, 'source.component') || str(e, 'reportingComponent') || str(e, 'reportingController');
    const message = typeof get(e, 'message') === 'string' ? str(e, 'message') : str(e, 'note');
    w.write(LEVEL_1, `${str(e, 'type')}\t${str(e, 'reason')}\t${eventAge(e, now)}\t${source}\t${message.trim()}\n`);
  }
}
