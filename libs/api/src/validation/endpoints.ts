// SPDX-License-Identifier: Apache-2.0
/**
 * Endpoints (core) and EndpointSlice (discovery.k8s.io) validation, with Kubernetes' messages.
 */
import type { FieldError } from '../errors';
import { isDns1123Label, isValidIp, isValidPortNum } from './names';
import { arr, check, duplicate, idx, invalid, num, obj, notSupported, required, str, type Json } from './field';
import { SUPPORTED_PORT_PROTOCOLS } from './pod-spec';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_SLICE_ENDPOINTS = 1000;

function validatePort(port: Json, requireName: boolean, names: Set<string>, p: string, portRequired: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port['name']);
  if (requireName && name === '') errs.push(required(`${p}.name`));
  else if (name !== '') {
    errs.push(...check(isDns1123Label(name), `${p}.name`, name));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    names.add(name);
  }
  const n = num(port['port']);
  if (n !== undefined || portRequired) errs.push(...check(isValidPortNum(n ?? 0), `${p}.port`, n ?? 0));
  const proto = str(port['protocol']);
  if (proto === '') errs.push(required(`${p}.protocol`));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(proto)) errs.push(notSupported(`${p}.protocol`, proto, SUPPORTED_PORT_PROTOCOLS));
  return errs;
}

/** ValidateEndpoints' subset rules. */
export function validateEndpoints(ep: Json): FieldError[] {
  const errs: FieldError[] = [];
  arr(ep['subsets']).forEach((raw, i) => {
    const ss = obj(raw);
    const p = idx('subsets', i);
    const addresses = arr(ss['addresses']);
    const notReady = arr(ss['notReadyAddresses']);
    if (addresses.length === 0 && notReady.length === 0) {
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    for (const [f, list] of [
      ['addresses', addresses],
      ['notReadyAddresses', notReady],
    ] as const) {
      list.forEach((a, j) => {
        const ip = str(obj(a)['ip']);
        errs.push(...check(isValidIp(ip), `${idx(`${p}.${f}`, j)}.ip`, ip));
        const host = str(obj(a)['hostname']);
        if (host) errs.push(...check(isDns1123Label(host), `${idx(`${p}.${f}`, j)}.hostname`, host));
      });
    }
    const ports = arr(ss['ports']);
    const names = new Set<string>();
    ports.forEach((port, j) => errs.push(...validatePort(obj(port), ports.length > 1, names, idx(`${p}.ports`, j), true)));
  });
  return errs;
}

/** ValidateEndpointSlice. */
export function validateEndpointSlice(slice: Json): FieldError[] {
  const errs: FieldError[] = [];
  const addressType = str(slice['addressType']);
  if (addressType === '') errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported('addressType', addressType, ADDRESS_TYPES));
  const endpoints = arr(slice['endpoints']);
  if (endpoints.length > MAX_SLICE_ENDPOINTS) errs.push({ type: 'TooMany', field: 'endpoints', detail: `must have at most ${MAX_SLICE_ENDPOINTS} items` });
  endpoints.forEach((raw, i) => {
    const p = idx('endpoints', i);
    const addrs = arr(obj(raw)['addresses']);
    if (addrs.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push({ type: 'TooMany', field: `${p}.addresses`, detail: 'must have at most 100 items' });
    addrs.forEach((a, j) => {
      const v = str(a);
      if (addressType === 'IPv4' || addressType === 'IPv6') {
        const msgs = isValidIp(v);
        const family = v.includes(':') ? 'IPv6' : 'IPv4';
        if (msgs.length === 0 && family !== addressType) errs.push(invalid(idx(`${p}.addresses`, j), v, `must be an ${addressType} address`));
        errs.push(...check(msgs, idx(`${p}.addresses`, j), v));
      }
    });
  });
  const ports = arr(slice['ports']);
  const names = new Set<string>();
  ports.forEach((port, j) => errs.push(...validatePort(obj(port), false, names, idx('ports', j), false)));
  return errs;
}
