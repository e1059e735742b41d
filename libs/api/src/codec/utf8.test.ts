// SPDX-License-Identifier: Apache-2.0
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8 } from './utf8';

test('utf8 reads exactly the bytes of a view that starts inside a larger buffer', () => {
  const whole = Buffer.from('xx{"name":"défaut"}yy');
  const view = whole.subarray(2, whole.length - 2);
  assert.equal(utf8(view), '{"name":"défaut"}');
  assert.equal(utf8(new Uint8Array(0)), '');
});
