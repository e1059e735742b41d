// SPDX-License-Identifier: Apache-2.0
// The authorization.k8s.io reviews as the registry answers them: never stored, validated
// as Kubernetes validates them, answered by the authorizer it was given.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusError, type AuthorizationAttributes, type Authorizer, type ResourceRef } from '@berth/api';
import { MemoryStorage } from '@berth/storage';
import { Registry } from './registry';

const GROUP = 'authorization.k8s.io';
const ref = (resource: string, namespace = '', name = ''): ResourceRef => ({ group: GROUP, version: 'v1', resource, namespace, name, subresource: '' });
const asked: AuthorizationAttributes[] = [];
/** Allows exactly jdoe's reads of pods. */
const authorizer: Authorizer = {
  authorize: (a) => {
    asked.push(a);
    return a.user.name === 'jdoe' && a.resource === 'pods' && ['get', 'list'].includes(a.verb) ? { allowed: true, reason: 'pods reader' } : { allowed: false, reason: '' };
  },
  rulesFor: (user, ns) => ({ resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: [`pods-of-${user.name}-in-${ns}`], resourceNames: [] }], nonResourceRules: [], incomplete: false, evaluationError: '' }),
};
const jdoe = { user: { name: 'jdoe', groups: ['system:authenticated'] } };
let registry: Registry;

async function invalid(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StatusError && e.reason === 'Invalid' && e.message === message);
}

before(async () => {
  registry = new Registry({ storage: new MemoryStorage(), authorizer });
  await registry.start();
});
after(() => registry.stop());

describe('access reviews', () => {
  test('a SelfSubjectAccessReview is answered for the caller, with the authorizer’s reason', async () => {
    const body = { apiVersion: `${GROUP}/v1`, kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } };
    const { object } = await registry.create(jdoe, ref('selfsubjectaccessreviews'), body, {});
    assert.deepEqual(object['status'], { allowed: true, reason: 'pods reader' });
    assert.equal(asked.at(-1)?.namespace, 'default');
    const other = await registry.create({ user: { name: 'bob', groups: [] } }, ref('selfsubjectaccessreviews'), body, {});
    assert.deepEqual(other.object['status'], { allowed: false });
  });

  test('a SubjectAccessReview asks about the user of its spec', async () => {
    const { object } = await registry.create({}, ref('subjectaccessreviews'), { apiVersion: `${GROUP}/v1`, kind: 'SubjectAccessReview', spec: { user: 'jdoe', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'x' } } }, {});
    assert.equal((object['status'] as { allowed: boolean }).allowed, true);
    await invalid(
      registry.create({}, ref('subjectaccessreviews'), { apiVersion: `${GROUP}/v1`, kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }, {}),
      'SubjectAccessReview "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  });

  test('bad questions are refused naming the field', async () => {
    await invalid(
      registry.create(jdoe, ref('selfsubjectaccessreviews'), { apiVersion: `${GROUP}/v1`, kind: 'SelfSubjectAccessReview', spec: {} }, {}),
      'SelfSubjectAccessReview "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    await invalid(
      registry.create({}, ref('localsubjectaccessreviews', 'dev'), { apiVersion: `${GROUP}/v1`, kind: 'LocalSubjectAccessReview', metadata: { namespace: 'dev' }, spec: { user: 'jdoe', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'prod' } } }, {}),
      'LocalSubjectAccessReview "" is invalid: spec.resourceAttributes.namespace: Invalid value: "prod": must match metadata.namespace',
    );
    await assert.rejects(
      registry.create(jdoe, ref('selfsubjectaccessreviews'), { apiVersion: `${GROUP}/v1`, kind: 'SelfSubjectAccessReview', spec: { resourceAttribute: {} } }, { fieldValidation: 'Strict' }),
      /unknown field "spec.resourceAttribute"/,
    );
  });

  test('a SelfSubjectRulesReview lists the caller’s rules in the namespace', async () => {
    const { object } = await registry.create(jdoe, ref('selfsubjectrulesreviews'), { apiVersion: `${GROUP}/v1`, kind: 'SelfSubjectRulesReview', spec: { namespace: 'dev' } }, {});
    assert.deepEqual((object['status'] as { resourceRules: Array<{ resources: string[] }> }).resourceRules[0]?.resources, ['pods-of-jdoe-in-dev']);
  });

  test('reviews are not stored: they can be created, nothing else', async () => {
    await assert.rejects(registry.list(jdoe, ref('selfsubjectaccessreviews'), {}), (e: unknown) => e instanceof StatusError && e.reason === 'MethodNotAllowed');
    await assert.rejects(registry.get(jdoe, ref('subjectaccessreviews', '', 'x'), {}), (e: unknown) => e instanceof StatusError && e.reason === 'MethodNotAllowed');
  });
});
