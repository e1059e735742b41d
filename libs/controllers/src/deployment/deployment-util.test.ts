// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computePodTemplateHash, fnv32a, safeEncodeString } from '../shared/pod-template-hash';
import { maxSurge, maxUnavailable, resolveFenceposts, type Deployment } from './deployment-util';

const d = (replicas: number, maxSurge: number | string, maxUnavailable: number | string): Deployment => ({
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } },
});

describe('deployment rollout arithmetic', () => {
  test('ResolveFenceposts: surge rounds up, unavailable rounds down, both zero → unavailable 1', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts(1, 0, 3), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts('50%', '50%', 1), { surge: 1, unavailable: 0 });
  });

  test('MaxUnavailable never exceeds replicas and is 0 without replicas or for Recreate', () => {
    assert.equal(maxUnavailable(d(2, 0, 5)), 2);
    assert.equal(maxUnavailable(d(0, 1, 1)), 0);
    assert.equal(maxUnavailable({ spec: { replicas: 3, strategy: { type: 'Recreate' } } }), 0);
    assert.equal(maxSurge({ spec: { replicas: 3, strategy: { type: 'Recreate' } } }), 0);
    assert.equal(maxSurge(d(3, '25%', '25%')), 1);
  });

  test('pod-template-hash: FNV-32a, safe alphabet, collision count changes it', () => {
    assert.equal(fnv32a(''), 0x811c9dc5);
    assert.equal(fnv32a('a'), 0xe40c292c);
    assert.equal(safeEncodeString('1234567890'), '56789bcdf4', 'each byte mod 27 into the alphabet, as rand.SafeEncodeString');
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const same = { spec: { containers: [{ image: 'i', name: 'c' }] }, metadata: { labels: { app: 'x' } } };
    assert.equal(computePodTemplateHash(t), computePodTemplateHash(same), 'key order does not matter');
    assert.notEqual(computePodTemplateHash(t), computePodTemplateHash(t, 1));
    assert.match(computePodTemplateHash(t), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});
