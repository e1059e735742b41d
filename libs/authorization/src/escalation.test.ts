// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compactRuleString, uncoveredRules } from './escalation';
import type { PolicyRule } from './rbac-rules';

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames: string[] = []): PolicyRule => ({ verbs, apiGroups, resources, resourceNames, nonResourceURLs: [] });
const url = (verbs: string[], urls: string[]): PolicyRule => ({ verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: urls });

describe('uncoveredRules', () => {
  test('the owner’s rules may be split differently from the requested ones', () => {
    const owner = [rule(['get', 'list'], [''], ['pods']), rule(['watch'], ['', 'apps'], ['pods', 'deployments'])];
    assert.deepEqual(uncoveredRules(owner, [rule(['get', 'list', 'watch'], [''], ['pods'])]), []);
  });

  test('what is missing comes back one verb, group and resource at a time', () => {
    const owner = [rule(['get'], [''], ['pods'])];
    assert.deepEqual(uncoveredRules(owner, [rule(['get', 'delete'], [''], ['pods', 'secrets'])]).map(compactRuleString), [
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["delete"]}',
    ]);
  });

  test('"*" covers everything; "*/scale" covers every scale subresource', () => {
    assert.deepEqual(uncoveredRules([rule(['*'], ['*'], ['*'])], [rule(['delete'], ['apps'], ['deployments/scale'])]), []);
    assert.deepEqual(uncoveredRules([rule(['update'], ['apps'], ['*/scale'])], [rule(['update'], ['apps'], ['deployments/scale'])]), []);
    assert.equal(uncoveredRules([rule(['update'], ['apps'], ['deployments'])], [rule(['update'], ['apps'], ['deployments/scale'])]).length, 1);
  });

  test('a rule on named objects is covered by one on all objects, not the other way round', () => {
    assert.deepEqual(uncoveredRules([rule(['get'], [''], ['configmaps'])], [rule(['get'], [''], ['configmaps'], ['a'])]), []);
    assert.equal(uncoveredRules([rule(['get'], [''], ['configmaps'], ['a'])], [rule(['get'], [''], ['configmaps'])]).length, 1);
  });

  test('non-resource URLs, with trailing wildcards', () => {
    assert.deepEqual(uncoveredRules([url(['get'], ['/api/*'])], [url(['get'], ['/api/v1'])]), []);
    assert.deepEqual(uncoveredRules([url(['get'], ['/api/*'])], [url(['get', 'post'], ['/api/v1'])]).map(compactRuleString), ['{NonResourceURLs:["/api/v1"], Verbs:["post"]}']);
  });
});
