// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCronSchedule } from './cron-schedule';

describe('parseCronSchedule', () => {
  const from = '2024-01-01T10:07:30Z'; // a Monday
  const cases: Array<[string, string, string]> = [
    ['every minute', '* * * * *', '2024-01-01T10:08:00.000Z'],
    ['every 15 minutes', '*/15 * * * *', '2024-01-01T10:15:00.000Z'],
    ['list', '5,40 * * * *', '2024-01-01T10:40:00.000Z'],
    ['range with step', '0-30/10 11 * * *', '2024-01-01T11:00:00.000Z'],
    ['N/step means N-max/step', '50/5 * * * *', '2024-01-01T10:50:00.000Z'],
    ['@hourly', '@hourly', '2024-01-01T11:00:00.000Z'],
    ['@daily', '@daily', '2024-01-02T00:00:00.000Z'],
    ['@weekly (Sunday)', '@weekly', '2024-01-07T00:00:00.000Z'],
    ['@monthly', '@monthly', '2024-02-01T00:00:00.000Z'],
    ['@yearly', '@yearly', '2025-01-01T00:00:00.000Z'],
    ['weekday names', '0 9 * * fri', '2024-01-05T09:00:00.000Z'],
    ['month names', '0 0 1 mar *', '2024-03-01T00:00:00.000Z'],
    ['dom OR dow when both restricted', '0 0 15 * 3', '2024-01-03T00:00:00.000Z'],
    ['dom AND dow when one is *', '0 0 * * 3', '2024-01-03T00:00:00.000Z'],
    ['leap day', '0 0 29 2 *', '2024-02-29T00:00:00.000Z'],
    ['@every', '@every 90s', '2024-01-01T10:09:00.000Z'],
  ];
  for (const [name, spec, want] of cases) {
    test(name, () => assert.equal(parseCronSchedule(spec).next(new Date(from)).toISOString(), want));
  }
  test('errors read as robfig/cron reports them', () => {
    assert.throws(() => parseCronSchedule('* * *'), /expected exactly 5 fields, found 3/);
    assert.throws(() => parseCronSchedule('61 * * * *'), /end of range \(61\) above maximum \(59\)/);
    assert.throws(() => parseCronSchedule('@often'), /unrecognized descriptor/);
    assert.throws(() => parseCronSchedule('x * * * *'), /failed to parse int from x/);
  });
});
