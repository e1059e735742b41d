// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sprintf } from './sprintf';

describe('sprintf', () => {
  test('formats the verbs event messages use', () => {
    assert.equal(sprintf('Successfully assigned %s to %s', 'db', 'minikube'), 'Successfully assigned db to minikube');
    assert.equal(sprintf('Scaled up replica set %s to %d', 'go-demo-2-db-75fbcbb5cd', 1.9), 'Scaled up replica set go-demo-2-db-75fbcbb5cd to 1');
    assert.equal(sprintf('pulling image %q', 'mongo:3.3'), 'pulling image "mongo:3.3"');
    assert.equal(sprintf('Error creating: %v', new Error('exceeded quota')), 'Error creating: exceeded quota');
    assert.equal(sprintf('%v', { a: 1 }), '{"a":1}');
    assert.equal(sprintf('100%%'), '100%');
  });

  test('reports missing and extra arguments like Go', () => {
    assert.equal(sprintf('a %s b %s', 'x'), 'a x b %!s(MISSING)');
    assert.equal(sprintf('a', 'x', 2), 'a%!(EXTRA x, 2)');
  });
});
