// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEventAge, timestampSince } from './event-age';

describe('formatEventAge', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');

  test('a single occurrence shows the time since it happened', () => {
    assert.equal(formatEventAge('2024-05-01T11:59:50Z', '2024-05-01T11:59:50Z', 1, now), '10s');
  });

  test('a repeated event shows last seen, count and span like kubectl describe', () => {
    assert.equal(formatEventAge('2024-05-01T11:54:00Z', '2024-05-01T11:55:00Z', 3, now), '5m (x3 over 6m)');
    assert.equal(formatEventAge(new Date(now - 90_000), now - 30_000, 12, now), '30s (x12 over 90s)');
  });

  test('a missing timestamp is <unknown>', () => {
    assert.equal(formatEventAge(undefined, undefined, 1, now), '<unknown>');
    assert.equal(timestampSince('', now), '<unknown>');
  });
});
