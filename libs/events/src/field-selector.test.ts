// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '@berth/api';
import { makeEvent } from './event';
import { eventFieldMatcher, parseEventFieldSelector } from './field-selector';

const ev = makeEvent(
  { kind: 'Pod', namespace: 'default', name: 'db', uid: 'u1', apiVersion: 'v1' },
  { component: 'kubelet', host: 'node-1' },
  'Warning',
  'BackOff',
  'Back-off restarting failed container',
  Date.parse('2024-05-01T12:00:00Z'),
);

describe('event field selectors', () => {
  test('match on involvedObject, reason, type and source', () => {
    assert.equal(eventFieldMatcher('involvedObject.name=db')(ev), true);
    assert.equal(eventFieldMatcher('involvedObject.name=web')(ev), false);
    assert.equal(eventFieldMatcher('involvedObject.kind=Pod,involvedObject.uid=u1,reason=BackOff')(ev), true);
    assert.equal(eventFieldMatcher('type==Warning,source=kubelet')(ev), true);
    assert.equal(eventFieldMatcher('type!=Warning')(ev), false);
    assert.equal(eventFieldMatcher('involvedObject.namespace=default')(ev), true);
    assert.equal(eventFieldMatcher('')(ev), true);
  });

  test('an unsupported field is a BadRequest with the apiserver message', () => {
    assert.throws(
      () => parseEventFieldSelector('spec.nodeName=x'),
      (e: unknown) => isStatusError(e) && e.message === 'field label not supported: spec.nodeName',
    );
    assert.throws(() => parseEventFieldSelector('reason'), (e: unknown) => isStatusError(e));
  });

  test('escaped separators stay in the value', () => {
    assert.deepEqual(parseEventFieldSelector('reason=a\\,b'), [{ field: 'reason', op: '=', value: 'a,b' }]);
  });
});
