// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '@berth/api';
import { FakeApi } from '@berth/client/testing';
import { berth, NOW } from './cli.test-helper';
import { parseDuration } from './create-token';

/** A FakeApi whose serviceaccounts/token answers as the apiserver does, remembering the requests. */
function cluster(): { api: FakeApi; requests: KubeObject[] } {
  const requests: KubeObject[] = [];
  const api = new FakeApi({ now: () => NOW });
  api.prependReactor('create', 'serviceaccounts', (a) => {
    if (a.subresource !== 'token' || !a.object) return undefined;
    requests.push(a.object);
    return { object: { ...a.object, status: { token: 'eyJhbGciOiJFUzI1NiJ9.e30.sig', expirationTimestamp: '2026-12-07T11:00:00Z' } } };
  });
  return { api, requests };
}

describe('create token', () => {
  test('prints the token of a TokenRequest for the service account, in the context’s namespace', async () => {
    const { api, requests } = cluster();
    assert.deepEqual(await berth(api, ['create', 'token', 'builder']), { code: 0, stdout: 'eyJhbGciOiJFUzI1NiJ9.e30.sig\n', stderr: '' });
    assert.deepEqual(requests[0], { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'builder', namespace: 'default' }, spec: {} });
  });

  test('duration, audiences and a bound pod go into the spec', async () => {
    const { api, requests } = cluster();
    const r = await berth(api, ['-n', 'ci', 'create', 'token', 'builder', '--duration', '1h30m', '--audience', 'vault', '--audience', 'api', '--bound-object-kind', 'Pod', '--bound-object-name', 'p']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(requests[0]?.['spec'], { audiences: ['vault', 'api'], expirationSeconds: 5400, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } });
    assert.equal(requests[0]?.metadata?.namespace, 'ci');
  });

  test('bad flags are refused before anything is sent', async () => {
    const { api, requests } = cluster();
    const fails = async (args: string[], stderr: string) => assert.deepEqual(await berth(api, ['create', 'token', ...args]), { code: 1, stdout: '', stderr });
    await fails(['builder', '--duration', '10x'], 'error: invalid argument "10x" for "--duration" flag: time: invalid duration "10x"\n');
    await fails(['builder', '--duration', '1500ms'], 'error: --duration cannot be expressed in units less than seconds\n');
    await fails(['builder', '--bound-object-kind', 'Deployment', '--bound-object-name', 'd'], 'error: supported --bound-object-kind values are Pod, Secret\n');
    await fails(['builder', '--bound-object-kind', 'Pod'], 'error: --bound-object-name is required if --bound-object-kind is provided\n');
    assert.equal(requests.length, 0);
  });

  test('parseDuration reads Go durations', () => {
    assert.equal(parseDuration('10m'), 600);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('0s'), 0);
    assert.equal(parseDuration('90'), undefined);
    assert.equal(parseDuration('1h foo'), undefined);
  });
});
