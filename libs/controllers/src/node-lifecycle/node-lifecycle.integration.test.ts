// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { coreV1 } from '@berth/api-types';
import { isAlreadyExists, isNotFound } from '@berth/api';
import { InformerFactory, silentLogger } from '@berth/client';
import type { GrpcApiClient } from '@berth/grpc';
import { startControlPlane, type TestControlPlane, waitFor } from '@berth/testing';
import { nodeLifecycleController } from './index';
import { LEASES, NODE_LEASE_NAMESPACE, NODES, PODS } from './node-lifecycle-controller';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

describe('node lifecycle controller against a real apiserver', () => {
  let cp: TestControlPlane;
  let client: GrpcApiClient;
  const ac = new AbortController();
  before(async () => {
    cp = await startControlPlane();
    client = cp.client();
  });
  after(async () => {
    ac.abort();
    client?.close();
    await cp?.stop();
  });

  test('a node with a stale lease becomes Unknown and tainted, and its pods go after a 1 s toleration', async () => {
    try {
      await client.create(NAMESPACES, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NODE_LEASE_NAMESPACE } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const created = await client.create<coreV1.NodeJson>(NODES, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.update(NODES, '', { ...created, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] } }, { subresource: 'status' });
    await client.create(LEASES, NODE_LEASE_NAMESPACE, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z' } });
    const pod = (name: string, tolerations: coreV1.TolerationJson[]): coreV1.PodJson => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], tolerations },
    });
    await client.create(PODS, 'default', pod('short', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }]));
    await client.create(PODS, 'default', pod('forever', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]));

    const informers = new InformerFactory(client);
    await nodeLifecycleController.start({
      client,
      informers,
      recorder: () => ({ event: () => {}, eventf: () => {} }),
      logger: silentLogger,
      signal: ac.signal,
      options: { nodeMonitorGracePeriodSeconds: 1, nodeMonitorPeriodMs: 200 },
    });
    informers.start(ac.signal);

    const node = await waitFor('node n1 Unknown and tainted', async () => {
      const n = await client.get<coreV1.NodeJson>(NODES, '', 'n1');
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'Unknown' && n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
    });
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'NodeStatusUnknown');
    await waitFor('pod short evicted', async () => {
      try {
        const p = await client.get<coreV1.PodJson>(PODS, 'default', 'short');
        return p.metadata?.deletionTimestamp ? true : undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    const forever = await client.get<coreV1.PodJson>(PODS, 'default', 'forever');
    assert.equal(forever.metadata?.deletionTimestamp, undefined, 'a pod that tolerates forever stays');
  });
});
