// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from './duration';

test('Go durations in milliseconds; anything else is undefined', () => {
  assert.equal(parseGoDuration('300s'), 300_000);
  assert.equal(parseGoDuration('5m'), 300_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1h0m0s'), 3_600_000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', '5', 'm', '5 m', '-5m', '5d', '1m30']) assert.equal(parseGoDuration(bad), undefined, bad);
});
