// SPDX-License-Identifier: Apache-2.0
/**
 * Ingress and IngressClass validation (Kubernetes' pkg/apis/networking/validation, for the
 * networking.k8s.io/v1 shape that older manifests are converted to).
 */
import type { FieldError } from '../errors';
import { isDns1035Label, isDns1123Subdomain, isValidIp, isValidPortName, isValidPortNum } from './names';
import { arr, check, idx, invalid, isObj, notSupported, num, obj, required, str, type Json } from './field';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/** ValidateIngressSpec. */
export function validateIngress(ing: Json): FieldError[] {
  const spec = obj(ing['spec']);
  const errs: FieldError[] = [];
  const rules = arr(spec['rules']);
  if (rules.length === 0 && !isObj(spec['defaultBackend'])) {
    errs.push(invalid('spec', goRulesValue(rules), 'either `defaultBackend` or `rules` must be specified'));
  }
  if (isObj(spec['defaultBackend'])) errs.push(...validateBackend(spec['defaultBackend'], 'spec.defaultBackend'));
  rules.forEach((raw, i) => {
    const rule = obj(raw);
    const p = idx('spec.rules', i);
    const host = str(rule['host']);
    if (host) {
      if (isValidIp(host).length === 0) errs.push(invalid(`${p}.host`, host, 'must be a DNS name, not an IP address'));
      const name = host.startsWith('*.') ? host.slice(2) : host;
      if (host.includes('*') && !host.startsWith('*.')) {
        errs.push(invalid(`${p}.host`, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
      } else errs.push(...check(isDns1123Subdomain(name), `${p}.host`, host));
    }
    if (rule['http'] === undefined) return;
    const paths = arr(obj(rule['http'])['paths']);
    if (paths.length === 0) errs.push(required(`${p}.http.paths`));
    paths.forEach((rp, j) => errs.push(...validateHttpPath(obj(rp), idx(`${p}.http.paths`, j))));
  });
  arr(spec['tls']).forEach((raw, i) => {
    arr(obj(raw)['hosts']).forEach((h, j) => {
      const host = str(h);
      const name = host.startsWith('*.') ? host.slice(2) : host;
      errs.push(...check(isDns1123Subdomain(name), idx(`${idx('spec.tls', i)}.hosts`, j), host));
    });
  });
  const cls = spec['ingressClassName'];
  if (typeof cls === 'string') errs.push(...check(isDns1123Subdomain(cls), 'spec.ingressClassName', cls));
  return errs;
}

const goRulesValue = (rules: unknown[]): unknown => (rules.length === 0 ? null : rules);

function validateHttpPath(path: Json, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = str(path['path']);
  const pathType = path['pathType'];
  if (pathType === undefined || pathType === null) return [required(`${p}.pathType`, 'pathType must be specified')];
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(invalid(`${p}.path`, value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalid(`${p}.path`, value, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(invalid(`${p}.path`, value, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) errs.push(invalid(`${p}.path`, value, 'must be an absolute path'));
      break;
    default:
      errs.push(notSupported(`${p}.pathType`, pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(obj(path['backend']), `${p}.backend`));
  return errs;
}

/** validateIngressBackend: a service (name + port name or number) or a resource, not both. */
function validateBackend(b: Json, p: string): FieldError[] {
  const hasResource = isObj(b['resource']);
  const hasService = isObj(b['service']);
  if (hasResource && hasService) return [invalid(p, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const r = obj(b['resource']);
    const errs: FieldError[] = [];
    if (!str(r['kind'])) errs.push(required(`${p}.resource.kind`));
    if (!str(r['name'])) errs.push(required(`${p}.resource.name`));
    return errs;
  }
  if (!hasService) return [invalid(p, '', 'resource or service backend is required')];
  const svc = obj(b['service']);
  const errs: FieldError[] = [];
  const name = str(svc['name']);
  if (name === '') errs.push(required(`${p}.service.name`));
  else errs.push(...check(isDns1035Label(name), `${p}.service.name`, name));
  const port = obj(svc['port']);
  const portName = str(port['name']);
  const portNumber = num(port['number']) ?? 0;
  if (portName && portNumber) errs.push(invalid(p, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...check(isValidPortName(portName), `${p}.service.port.name`, portName));
  else if (portNumber) errs.push(...check(isValidPortNum(portNumber), `${p}.service.port.number`, portNumber));
  else errs.push(required(p, 'port name or number is required'));
  return errs;
}

/** ValidateIngressClass: a controller that is a domain-prefixed path. */
export function validateIngressClass(ic: Json): FieldError[] {
  const spec = obj(ic['spec']);
  const controller = str(spec['controller']);
  const errs: FieldError[] = [];
  if (controller === '') errs.push(required('spec.controller'));
  else {
    const slash = controller.indexOf('/');
    if (slash <= 0) errs.push(invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else errs.push(...check(isDns1123Subdomain(controller.slice(0, slash)), 'spec.controller', controller));
    if (controller.length > 250) errs.push(invalid('spec.controller', controller, 'must be no more than 250 characters'));
  }
  const params = spec['parameters'];
  if (isObj(params)) {
    if (!str(params['kind'])) errs.push(required('spec.parameters.kind'));
    if (!str(params['name'])) errs.push(required('spec.parameters.name'));
    const scope = params['scope'];
    if (scope !== undefined && scope !== 'Cluster' && scope !== 'Namespace') errs.push(notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
  }
  return errs;
}

/** IngressClass updates may not change the controller. */
export function validateIngressClassUpdate(next: Json, prev: Json): FieldError[] {
  const errs = validateIngressClass(next);
  const a = str(obj(next['spec'])['controller']);
  if (a !== str(obj(prev['spec'])['controller'])) errs.push(invalid('spec.controller', a, 'field is immutable'));
  return errs;
}
