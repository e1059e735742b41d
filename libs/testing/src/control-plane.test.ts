// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startControlPlane } from './control-plane';

describe('startControlPlane', () => {
  test('runs a real apiserver on etcd and NATS that survives a restart', async () => {
    const cp = await startControlPlane();
    const client = cp.client();
    try {
      await client.create({ group: '', version: 'v1', resource: 'configmaps' }, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } });
      await cp.stopApiserver();
      await cp.startApiserver();
      const got = await client.get({ group: '', version: 'v1', resource: 'configmaps' }, 'default', 'kept');
      assert.equal(got.metadata?.name, 'kept');
    } finally {
      client.close();
      await cp.stop();
    }
  });
});
