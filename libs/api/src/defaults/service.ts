// SPDX-License-Identifier: Apache-2.0
/**
 * Service defaults (Kubernetes' SetDefaults_Service, plus the ipFamilies the REST layer
 * fills in for a single-stack IPv4 cluster).
 */
import { ensureObj, isObj, objects, setDefault, type Json } from './util';

/** SetDefaults_Service. */
export function setServiceDefaults(svc: Json): void {
  const spec = ensureObj(svc, 'spec');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') delete spec['sessionAffinityConfig'];
  if (spec['sessionAffinity'] === 'ClientIP') {
    const cfg = ensureObj(spec, 'sessionAffinityConfig');
    const clientIP = ensureObj(cfg, 'clientIP');
    setDefault(clientIP, 'timeoutSeconds', 10800);
  }
  setDefault(spec, 'type', 'ClusterIP');
  for (const p of objects(spec['ports'])) {
    setDefault(p, 'protocol', 'TCP');
    if (p['targetPort'] === undefined || p['targetPort'] === null || p['targetPort'] === 0 || p['targetPort'] === '') p['targetPort'] = p['port'];
  }
  const type = spec['type'];
  const externalIPs = Array.isArray(spec['externalIPs']) ? spec['externalIPs'] : [];
  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (externallyAccessible) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type !== 'ExternalName') {
    // clusterIPs mirrors clusterIP once one is known (the REST layer keeps them in step).
    if (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] !== '' && !Array.isArray(spec['clusterIPs'])) spec['clusterIPs'] = [spec['clusterIP']];
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    if (!Array.isArray(spec['ipFamilies']) || spec['ipFamilies'].length === 0) spec['ipFamilies'] = ['IPv4'];
  }
  if (!isObj(svc['status'])) svc['status'] = { loadBalancer: {} };
}
