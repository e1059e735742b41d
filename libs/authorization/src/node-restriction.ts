// SPDX-License-Identifier: Apache-2.0
// Kubernetes' NodeRestriction admission, for the writes RBAC's system:node role allows any
// node: a kubelet may change only its own Node and Lease, and only pods bound to it.
import { forbidden, type KubeObject, type ResourceRef, type StatusError, type UserInfo } from '@berth/api';

const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** A pod by namespace and name as the apiserver has it (undefined when there is none). */
export type PodLookup = (namespace: string, name: string) => Promise<KubeObject | undefined>;

/** The node a user speaks for: `system:node:<name>` in the group system:nodes. */
export function nodeNameOf(user: UserInfo): string | undefined {
  return user.name.startsWith(NODE_PREFIX) && user.groups.includes(NODES_GROUP) ? user.name.slice(NODE_PREFIX.length) : undefined;
}

/**
 * Refuses a node's write to another node's objects, with NodeRestriction's messages; other
 * users and reads pass. `body` is the object of a create (for its name).
 */
export async function checkNodeRestriction(user: UserInfo, verb: string, ref: ResourceRef, body: unknown, pods: PodLookup): Promise<void> {
  const node = nodeNameOf(user);
  if (node === undefined || !WRITES.has(verb)) return;
  const name = ref.name || ((body as KubeObject | undefined)?.metadata?.name ?? '');
  if (ref.group === '' && ref.resource === 'nodes') {
    if (verb === 'deletecollection' || name !== node) throw refused('nodes', name, `node "${node}" is not allowed to modify node "${name}"`);
    return;
  }
  if (ref.group === 'coordination.k8s.io' && ref.resource === 'leases' && ref.namespace === 'kube-node-lease') {
    if (verb === 'deletecollection' || name !== node) throw refused('leases.coordination.k8s.io', name, 'can only access node lease with the same name as the requesting node');
    return;
  }
  if (ref.group === '' && ref.resource === 'pods') {
    if (verb === 'create' && !ref.subresource) throw refused('pods', name, `node "${node}" can not create pods`);
    if (verb === 'deletecollection') throw refused('pods', '', `node "${node}" can not delete collections of pods`);
    const pod = await pods(ref.namespace, name);
    // A pod already gone: the write fails with NotFound on its own.
    if (!pod) return;
    const boundTo = (pod['spec'] as { nodeName?: string } | undefined)?.nodeName ?? '';
    if (boundTo !== node) {
      const what = ref.subresource === 'status' ? 'update pod status' : ref.subresource ? `${verb} pods/${ref.subresource}` : `${verb} pods`;
      throw refused('pods', name, `node "${node}" can only ${what} for pods with spec.nodeName set to itself`);
    }
  }
}

function refused(resource: string, name: string, why: string): StatusError {
  const dot = resource.indexOf('.');
  return forbidden({ resource, name, group: dot < 0 ? '' : resource.slice(dot + 1) }, why);
}
