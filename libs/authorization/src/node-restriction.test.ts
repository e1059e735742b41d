// SPDX-License-Identifier: Apache-2.0
// NodeRestriction through the authorizing layer in front of a real Registry: the RBAC role
// lets every node write nodes, leases and pod status; this holds each to its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StatusError, type RequestContext, type ResourceRef, type UserInfo } from '@berth/api';
import { Registry } from '@berth/registry';
import { MemoryStorage } from '@berth/storage';
import { alwaysAllow } from '@berth/api';
import { AuthorizingBackend } from './authorizing-backend';

const ref = (resource: string, namespace: string, name = '', group = '', subresource = ''): ResourceRef => ({ group, version: 'v1', resource, namespace, name, subresource });
const n1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const as = (user: UserInfo): RequestContext => ({ user });
const admin = as({ name: 'admin', groups: ['system:masters'] });
let registry: Registry;
let api: AuthorizingBackend;

async function forbidden(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof StatusError && e.reason === 'Forbidden' && e.message === message);
}

const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name } });

before(async () => {
  registry = new Registry({ storage: new MemoryStorage() });
  await registry.start();
  // Authorization allows everything here: what is tested is the restriction after it.
  api = new AuthorizingBackend(registry, { authorizer: alwaysAllow, nodeRestriction: (ns, name) => registry.lookup('pods', ns, name) });
  await api.create(admin, ref('nodes', ''), node('n2'), {});
  await api.create(admin, ref('pods', 'default'), pod('mine', 'n1'), {});
  await api.create(admin, ref('pods', 'default'), pod('theirs', 'n2'), {});
  await api.create(admin, ref('leases', 'kube-node-lease', '', 'coordination.k8s.io'), lease('n2'), {});
});
after(() => registry.stop());

describe('NodeRestriction', () => {
  test('a node registers and updates its own Node, not another', async () => {
    await api.create(as(n1), ref('nodes', ''), node('n1'), {});
    await api.patch(as(n1), ref('nodes', '', 'n1', '', 'status'), 'application/merge-patch+json', { status: { phase: 'Running' } }, {});
    await forbidden(api.patch(as(n1), ref('nodes', '', 'n2', '', 'status'), 'application/merge-patch+json', { status: {} }, {}), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    await forbidden(api.delete(as(n1), ref('nodes', '', 'n2'), {}), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  });

  test('its own Lease only', async () => {
    await api.create(as(n1), ref('leases', 'kube-node-lease', '', 'coordination.k8s.io'), lease('n1'), {});
    await forbidden(
      api.patch(as(n1), ref('leases', 'kube-node-lease', 'n2', 'coordination.k8s.io'), 'application/merge-patch+json', { spec: { holderIdentity: 'n1' } }, {}),
      'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
    );
  });

  test('status and deletion of the pods bound to it only; no pods of its own making', async () => {
    await api.patch(as(n1), ref('pods', 'default', 'mine', '', 'status'), 'application/merge-patch+json', { status: { phase: 'Running' } }, {});
    await forbidden(
      api.patch(as(n1), ref('pods', 'default', 'theirs', '', 'status'), 'application/merge-patch+json', { status: { phase: 'Failed' } }, {}),
      'pods "theirs" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    await forbidden(api.delete(as(n1), ref('pods', 'default', 'theirs'), {}), 'pods "theirs" is forbidden: node "n1" can only delete pods for pods with spec.nodeName set to itself');
    await forbidden(api.create(as(n1), ref('pods', 'default'), pod('sneaky', 'n1'), {}), 'pods "sneaky" is forbidden: node "n1" can not create pods');
    await api.delete(as(n1), ref('pods', 'default', 'mine'), { gracePeriodSeconds: 0 });
  });

  test('other users are not restricted', async () => {
    await api.patch(admin, ref('pods', 'default', 'theirs', '', 'status'), 'application/merge-patch+json', { status: { phase: 'Running' } }, {});
  });
});
