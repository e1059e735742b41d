// SPDX-License-Identifier: Apache-2.0
import type { KubeObject, ResourceInfo } from '@berth/api';
import { GenericStrategy, type Strategy } from './strategy';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});

/** Pods start Pending with their QoS class, and terminate gracefully once they run on a node. */
class PodStrategy extends GenericStrategy {
  override prepareForCreate(pod: KubeObject): void {
    super.prepareForCreate(pod);
    pod['status'] = { phase: 'Pending', qosClass: qosClass(pod) };
  }

  override gracePeriodSeconds(pod: KubeObject, requested: number | undefined): number {
    const spec = obj(pod['spec']);
    const phase = obj(pod['status'])['phase'];
    // An unscheduled or finished pod has nothing to stop: delete it at once, as Kubernetes does.
    if (!spec['nodeName'] || phase === 'Succeeded' || phase === 'Failed') return 0;
    if (requested !== undefined) return Math.max(0, requested);
    const fromSpec = spec['terminationGracePeriodSeconds'];
    return typeof fromSpec === 'number' ? fromSpec : 30;
  }
}

/** Namespaces are Active on create; deletion marks them Terminating until the namespace controller empties them. */
class NamespaceStrategy extends GenericStrategy {
  override prepareForCreate(ns: KubeObject): void {
    super.prepareForCreate(ns);
    ns['spec'] = { finalizers: ['kubernetes'] };
    ns['status'] = { phase: 'Active' };
  }
}

/**
 * Services drop the fields of their old type when the type changes and the client left
 * them as they were (Kubernetes' dropTypeDependentFields): NodePort → ClusterIP works
 * without the user clearing nodePorts and externalTrafficPolicy by hand.
 */
class ServiceStrategy extends GenericStrategy {
  override prepareForUpdate(next: KubeObject, prev: KubeObject): void {
    const spec = obj(next['spec']);
    const old = obj(prev['spec']);
    const external = (t: unknown): boolean => t === 'NodePort' || t === 'LoadBalancer';
    if (external(old['type']) && !external(spec['type'])) {
      const oldPorts = new Map(((old['ports'] as Json[] | undefined) ?? []).map((p) => [`${String(p['port'])}/${String(p['protocol'] ?? 'TCP')}`, p['nodePort']]));
      for (const p of (spec['ports'] as Json[] | undefined) ?? []) {
        if (p['nodePort'] !== undefined && p['nodePort'] === oldPorts.get(`${String(p['port'])}/${String(p['protocol'] ?? 'TCP')}`)) delete p['nodePort'];
      }
      for (const f of ['externalTrafficPolicy', 'healthCheckNodePort', 'allocateLoadBalancerNodePorts', 'loadBalancerClass']) {
        if (spec[f] !== undefined && spec[f] === old[f]) delete spec[f];
      }
    }
    super.prepareForUpdate(next, prev);
  }
}

/** Kubernetes' QoS classes: Guaranteed when every container's requests equal its limits, BestEffort with none. */
export function qosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = obj(pod['spec']);
  const containers = [...((spec['containers'] as Json[] | undefined) ?? []), ...((spec['initContainers'] as Json[] | undefined) ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = obj(c['resources']);
    const limits = obj(res['limits']);
    const requests = obj(res['requests']);
    for (const r of ['cpu', 'memory']) {
      if (limits[r] !== undefined || requests[r] !== undefined) any = true;
      if (limits[r] === undefined || (requests[r] !== undefined && requests[r] !== limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The strategy for a resource: a kind-specific one where Kubernetes has special rules, else the generic one. */
export function strategyFor(info: ResourceInfo): Strategy {
  if (info.group === '' && info.resource === 'pods') return new PodStrategy(info);
  if (info.group === '' && info.resource === 'namespaces') return new NamespaceStrategy(info);
  if (info.group === '' && info.resource === 'services') return new ServiceStrategy(info);
  return new GenericStrategy(info);
}
