// SPDX-License-Identifier: Apache-2.0
/**
 * Service validation (Kubernetes' ValidateService / ValidateServiceUpdate), with its
 * messages. NodePort range checks belong to the allocator in the registry; here a nodePort
 * only has to be a port number.
 */
import type { FieldError } from '../errors';
import { isDns1123Label, isDns1123Subdomain, isValidIp, isValidPortNum } from './names';
import { validateLabels } from './object-meta';
import { arr, check, duplicate, forbidden, goStringSlice, goValue, idx, invalid, isObj, num, obj, required, notSupported, str, type Json } from './field';
import { SUPPORTED_PORT_PROTOCOLS, validatePortNumOrName } from './pod-spec';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const KUBELET_PORT = 10250;

/** A headless service: clusterIP "None". */
export const isHeadless = (spec: Json): boolean => str(spec['clusterIP']) === 'None';

/** Whether traffic from outside reaches the service (ExternallyAccessible). */
export function externallyAccessible(spec: Json): boolean {
  const t = str(spec['type']);
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && arr(spec['externalIPs']).length > 0);
}

/** ValidateService. */
export function validateService(svc: Json): FieldError[] {
  const spec = obj(svc['spec']);
  const errs: FieldError[] = [];
  const type = str(spec['type']);
  const ports = arr(spec['ports']);
  const headless = isHeadless(spec);

  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));
  switch (type) {
    case 'LoadBalancer':
      ports.forEach((p, i) => {
        if (num(obj(p)['port']) === KUBELET_PORT) {
          errs.push(invalid(idx('spec.ports', i), KUBELET_PORT, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
        }
      });
      if (headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (str(spec['clusterIP']) !== '' || arr(spec['clusterIPs']).length > 0) {
        errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      }
      const cname = str(spec['externalName']).replace(/\.$/, '');
      if (cname) errs.push(...check(isDns1123Subdomain(cname), 'spec.externalName', cname));
      else errs.push(required('spec.externalName'));
      break;
    }
    default:
      break;
  }

  const names = new Set<string>();
  ports.forEach((raw, i) => errs.push(...validateServicePort(obj(raw), ports.length > 1, names, idx('spec.ports', i))));

  if (isObj(spec['selector'])) errs.push(...validateLabels(spec['selector'] as Record<string, string>, 'spec.selector'));

  const affinity = str(spec['sessionAffinity']);
  if (affinity === '') errs.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'ClientIP') {
    const t = num(obj(obj(spec['sessionAffinityConfig'])['clientIP'])['timeoutSeconds']);
    if (t === undefined || t <= 0 || t > 86400) {
      errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t ?? 0, 'must be greater than 0 and less than 86400'));
    }
  } else if (isObj(spec['sessionAffinityConfig'])) {
    errs.push(invalid('spec.sessionAffinityConfig', spec['sessionAffinityConfig'], `must not be set when session affinity is ${affinity}`));
  }

  errs.push(...validateClusterIPs(spec));
  arr(spec['externalIPs']).forEach((ip, i) => errs.push(...check(isValidIp(str(ip)), idx('spec.externalIPs', i), ip)));

  if (type === '') errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((num(obj(p)['nodePort']) ?? 0) !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }

  // Duplicate NodePorts and Ports, considering (protocol, port) pairs.
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((raw, i) => {
    const p = obj(raw);
    const np = num(p['nodePort']) ?? 0;
    if (np !== 0) {
      const k = `${str(p['protocol'])}/${np}`;
      if (nodePorts.has(k)) errs.push(duplicate(`spec.ports[${i}].nodePort`, np));
      nodePorts.add(k);
    }
    const k = `${str(p['protocol'])}/${num(p['port']) ?? 0}`;
    if (portKeys.has(k)) {
      errs.push(duplicate(idx('spec.ports', i), goValue(goServicePortKey(str(p['protocol']), num(p['port']) ?? 0))));
    }
    portKeys.add(k);
  });

  const etp = str(spec['externalTrafficPolicy']);
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') errs.push(required('spec.externalTrafficPolicy'));
  else if (!TRAFFIC_POLICIES.includes(etp)) errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));

  const itp = spec['internalTrafficPolicy'];
  if (itp !== undefined && itp !== null && !TRAFFIC_POLICIES.includes(str(itp))) {
    errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  const ifp = spec['ipFamilyPolicy'];
  if (ifp !== undefined && ifp !== null && !IP_FAMILY_POLICIES.includes(str(ifp))) {
    errs.push(notSupported('spec.ipFamilyPolicy', ifp, IP_FAMILY_POLICIES));
  }
  arr(spec['ipFamilies']).forEach((f, i) => {
    if (!IP_FAMILIES.includes(str(f))) errs.push(notSupported(idx('spec.ipFamilies', i), f, IP_FAMILIES));
  });
  return errs;
}

/** %#v of the (protocol, port) key Kubernetes reports for a duplicate service port. */
function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

function validateServicePort(sp: Json, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sp['name']);
  if (requireName && name === '') errs.push(required(`${path}.name`));
  else if (name !== '') {
    errs.push(...check(isDns1123Label(name), `${path}.name`, name));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const port = num(sp['port']) ?? 0;
  errs.push(...check(isValidPortNum(port), `${path}.port`, port));
  const proto = str(sp['protocol']);
  if (proto === '') errs.push(required(`${path}.protocol`));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(proto)) errs.push(notSupported(`${path}.protocol`, proto, SUPPORTED_PORT_PROTOCOLS));
  errs.push(...validatePortNumOrName(sp['targetPort'], `${path}.targetPort`));
  const np = num(sp['nodePort']) ?? 0;
  if (np !== 0) errs.push(...check(isValidPortNum(np), `${path}.nodePort`, np));
  return errs;
}

function validateClusterIPs(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const ip = str(spec['clusterIP']);
  const ips = arr(spec['clusterIPs']).map(str);
  if (ip !== '' && ips.length > 0 && ips[0] !== ip) {
    errs.push(invalid('spec.clusterIPs', goValue(goStringSlice(ips)), 'first value must match `clusterIP`'));
  }
  const all = ips.length > 0 ? ips : ip !== '' ? [ip] : [];
  all.forEach((v, i) => {
    if (v === 'None') {
      if (i > 0 || all.length > 1) errs.push(invalid(idx('spec.clusterIPs', i), v, "'None' must be the first and only value"));
      return;
    }
    if (v === '') return;
    errs.push(...check(isValidIp(v), idx('spec.clusterIPs', i), v));
  });
  return errs;
}

/** ValidateServiceUpdate's spec rules: an allocated cluster IP can't change (except to or from ExternalName). */
export function validateServiceUpdate(next: Json, prev: Json): FieldError[] {
  const errs = validateService(next);
  const ns = obj(next['spec']);
  const os = obj(prev['spec']);
  if (str(ns['type']) === 'ExternalName' || str(os['type']) === 'ExternalName') return errs;
  if (isHeadless(ns) && isHeadless(os)) return errs;
  const oldIPs = clusterIPsOf(os);
  const newIPs = clusterIPsOf(ns);
  // An update that leaves clusterIP out keeps the allocated one (the registry copies it over).
  if (newIPs.length === 0) return errs;
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(invalid(idx('spec.clusterIPs', i), goValue(goStringSlice(newIPs)), 'may not change once set'));
    });
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(invalid('spec.clusterIPs[0]', goValue(goStringSlice(newIPs)), 'may not change once set'));
  }
  return errs;
}

function clusterIPsOf(spec: Json): string[] {
  const ips = arr(spec['clusterIPs']).map(str);
  if (ips.length > 0) return ips;
  const ip = str(spec['clusterIP']);
  return ip ? [ip] : [];
}
