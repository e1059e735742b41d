// SPDX-License-Identifier: Apache-2.0
// serviceaccounts/<name>/token through the registry, with an issuer that records its calls.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusError, type KubeObject, type ResourceRef } from '@berth/api';
import { MemoryStorage } from '@berth/storage';
import { Registry } from './registry';
import type { TokenIssuer } from './token-request';

const issued: Array<{ claims: unknown; audiences: string[]; seconds: number }> = [];
const issuer: TokenIssuer = {
  audiences: ['https://kubernetes.default.svc.cluster.local'],
  issue: async (claims, audiences, seconds) => {
    issued.push({ claims, audiences, seconds });
    return { token: `token-${issued.length}`, expiresAt: new Date(Date.parse('2026-12-07T11:00:00Z')) };
  },
};
const ref = (resource: string, name = '', subresource = ''): ResourceRef => ({ group: '', version: 'v1', resource, namespace: 'default', name, subresource });
const request = (spec: Record<string, unknown> = {}, name = 'builder') => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name }, spec });
let registry: Registry;
let saUid = '';
let podUid = '';

async function rejects(p: Promise<unknown>, reason: string, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StatusError && e.reason === reason && e.message === message);
}

before(async () => {
  registry = new Registry({ storage: new MemoryStorage(), tokenIssuer: issuer });
  await registry.start();
  saUid = (await registry.create({}, ref('serviceaccounts'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } }, {})).object.metadata?.uid ?? '';
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] } };
  podUid = (await registry.create({}, ref('pods'), pod, {})).object.metadata?.uid ?? '';
});
after(() => registry.stop());

describe('serviceaccounts/token', () => {
  test('a token for the account, one hour and the apiserver’s audiences by default', async () => {
    const { object } = await registry.create({}, ref('serviceaccounts', 'builder', 'token'), request(), {});
    assert.deepEqual(object['spec'], { audiences: issuer.audiences, expirationSeconds: 3600 });
    assert.deepEqual(object['status'], { token: 'token-1', expirationTimestamp: '2026-12-07T11:00:00Z' });
    assert.deepEqual(issued.at(-1), { claims: { namespace: 'default', serviceAccount: { name: 'builder', uid: saUid } }, audiences: issuer.audiences, seconds: 3600 });
  });

  test('bound to a pod, for other audiences and a duration', async () => {
    const { object } = await registry.create({}, ref('serviceaccounts', 'builder', 'token'), request({ audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }), {});
    assert.deepEqual(object['spec'], { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: podUid } });
    assert.deepEqual(issued.at(-1)?.claims, { namespace: 'default', serviceAccount: { name: 'builder', uid: saUid }, boundObject: { kind: 'Pod', name: 'p', uid: podUid } });
  });

  test('bad requests name the field; missing objects are NotFound; a stale uid is a Conflict', async () => {
    const create = (body: unknown, name = 'builder') => registry.create({}, ref('serviceaccounts', name, 'token'), body, { fieldValidation: 'Strict' });
    await rejects(create(request({ expirationSeconds: 60 })), 'Invalid', 'TokenRequest.authentication.k8s.io "builder" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    await rejects(
      create(request({ boundObjectRef: { kind: 'Deployment', name: 'd' } })),
      'Invalid',
      'TokenRequest.authentication.k8s.io "builder" is invalid: spec.boundObjectRef.kind: Unsupported value: "Deployment": supported values: "Pod", "Secret"',
    );
    await assert.rejects(create(request({ expirySeconds: 600 })), /strict decoding error: unknown field "spec.expirySeconds"/);
    await rejects(create(request({}, 'nobody'), 'nobody'), 'NotFound', 'serviceaccounts "nobody" not found');
    await rejects(create(request({ boundObjectRef: { kind: 'Pod', name: 'gone' } })), 'NotFound', 'pods "gone" not found');
    await rejects(
      create(request({ boundObjectRef: { kind: 'Pod', name: 'p', uid: 'old-uid' } })),
      'Conflict',
      'Operation cannot be fulfilled on pods "p": the UID in the bound object reference (old-uid) does not match the UID in record. The object might have been deleted and then recreated',
    );
  });

  test('without a signing key the subresource is not served', async () => {
    const plain = new Registry({ storage: new MemoryStorage() });
    await plain.start();
    await assert.rejects(plain.create({}, ref('serviceaccounts', 'builder', 'token'), request(), {}), (e: unknown) => e instanceof StatusError && e.reason === 'NotFound');
    plain.stop();
  });
});
