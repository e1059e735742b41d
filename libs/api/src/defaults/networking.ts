// SPDX-License-Identifier: Apache-2.0
/**
 * Ingress and IngressClass defaults (networking.k8s.io/v1).
 */
import { isObj, setDefault, type Json } from './util';

/** SetDefaults_IngressClass: a parameters reference is cluster-scoped unless it says otherwise. */
export function setIngressClassDefaults(ic: Json): void {
  const spec = isObj(ic['spec']) ? ic['spec'] : undefined;
  if (spec && isObj(spec['parameters'])) setDefault(spec['parameters'], 'scope', 'Cluster');
}

/** Ingress has no v1 defaults; status.loadBalancer is present as Kubernetes returns it. */
export function setIngressDefaults(ing: Json): void {
  if (!isObj(ing['status'])) ing['status'] = { loadBalancer: {} };
}
