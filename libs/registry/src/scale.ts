// SPDX-License-Identifier: Apache-2.0
import { badRequest, formatLabelSelector, type KubeObject, type LabelSelector } from '@berth/api';

type Json = Record<string, unknown>;

/** The autoscaling/v1 Scale view of a scalable object (deployments, replicasets, statefulsets, rc). */
export function scaleOf(obj: KubeObject): KubeObject {
  const spec = (obj['spec'] ?? {}) as Json;
  const status = (obj['status'] ?? {}) as Json;
  const selector = spec['selector'];
  // ReplicationControllers use a plain map selector; the others a LabelSelector.
  const sel =
    selector && typeof selector === 'object' && !('matchLabels' in selector) && !('matchExpressions' in selector)
      ? formatLabelSelector({ matchLabels: selector as Record<string, string> })
      : formatLabelSelector(selector as LabelSelector | undefined);
  const meta = obj.metadata ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: (spec['replicas'] as number | undefined) ?? 0 },
    status: { replicas: (status['replicas'] as number | undefined) ?? 0, selector: sel === '<none>' ? '' : sel },
  };
}

/** spec.replicas from a Scale written by a client; negative or missing is a field error. */
export function replicasFromScale(scale: unknown): number {
  const replicas = ((scale as Json | undefined)?.['spec'] as Json | undefined)?.['replicas'];
  const n = replicas === undefined ? 0 : replicas;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest('spec.replicas: Invalid value: must be an integer');
  return n;
}
