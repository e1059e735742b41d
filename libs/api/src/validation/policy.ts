// SPDX-License-Identifier: Apache-2.0
/**
 * LimitRange and ResourceQuota validation (Kubernetes' ValidateLimitRange /
 * ValidateResourceQuota), with its messages.
 */
import type { FieldError } from '../errors';
import type { Quantity } from '../quantity';
import { arr, duplicate, forbidden, goValue, idx, invalid, key, notSupported, obj, str, type Json } from './field';
import { validateResourceName, validateResourceQuantity } from './pod-spec';

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];
const STANDARD_QUOTA_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);
const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating', 'VolumeAttributesClass'];

/** A quantity as Kubernetes prints it inside these messages (its String(), unquoted). */
const qv = (q: Quantity): unknown => goValue(q.toString());

/** ValidateLimitRange. */
export function validateLimitRange(lr: Json): FieldError[] {
  const errs: FieldError[] = [];
  const seenTypes = new Set<string>();
  arr(obj(lr['spec'])['limits']).forEach((raw, i) => {
    const item = obj(raw);
    const p = idx('spec.limits', i);
    const type = str(item['type']);
    errs.push(...validateResourceName(type, `${p}.type`));
    if (!LIMIT_TYPES.includes(type)) errs.push(notSupported(`${p}.type`, type, LIMIT_TYPES));
    if (seenTypes.has(type)) errs.push(duplicate(`${p}.type`, type));
    seenTypes.add(type);

    const read = (f: string): Map<string, Quantity> => {
      const out = new Map<string, Quantity>();
      for (const [name, v] of Object.entries(obj(item[f]))) {
        const fp = key(`${p}.${f}`, name);
        errs.push(...validateResourceName(name, fp));
        const { q, errs: qErrs } = validateResourceQuantity(name, v, fp);
        errs.push(...qErrs);
        if (q) out.set(name, q);
      }
      return out;
    };
    const max = read('max');
    const min = read('min');
    const defaults = read('default');
    const defaultRequests = read('defaultRequest');
    const ratios = read('maxLimitRequestRatio');
    if (type === 'Pod') {
      if (defaults.size > 0) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (defaultRequests.size > 0) errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    const keys = new Set([...max.keys(), ...min.keys(), ...defaults.keys(), ...defaultRequests.keys(), ...ratios.keys()]);
    for (const k of keys) {
      const mn = min.get(k);
      const mx = max.get(k);
      const df = defaults.get(k);
      const dr = defaultRequests.get(k);
      const ratio = ratios.get(k);
      if (mn && mx && mn.cmp(mx) > 0) errs.push(invalid(key(`${p}.min`, k), qv(mn), `min value ${mn} is greater than max value ${mx}`));
      if (dr && mn && mn.cmp(dr) > 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), qv(dr), `min value ${mn} is greater than default request value ${dr}`));
      }
      if (dr && mx && dr.cmp(mx) > 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), qv(dr), `default request value ${dr} is greater than max value ${mx}`));
      }
      if (dr && df && dr.cmp(df) > 0) {
        errs.push(invalid(key(`${p}.defaultRequest`, k), qv(dr), `default request value ${dr} is greater than default limit value ${df}`));
      }
      if (df && mn && mn.cmp(df) > 0) errs.push(invalid(key(`${p}.default`, k), qv(mn), `min value ${mn} is greater than default value ${df}`));
      if (df && mx && df.cmp(mx) > 0) errs.push(invalid(key(`${p}.default`, k), qv(mx), `default value ${df} is greater than max value ${mx}`));
      if (ratio && ratio.milliValue() < 1000) {
        errs.push(invalid(key(`${p}.maxLimitRequestRatio`, k), qv(ratio), `ratio ${ratio} is less than 1`));
      }
      if (ratio && mx && mn && ratio.milliValue() > 0) {
        const maxRatio = (mx.milliValue() / Math.max(mn.milliValue(), 1)) * 1000;
        if (mn.milliValue() > 0 && ratio.milliValue() > maxRatio) {
          errs.push(invalid(key(`${p}.maxLimitRequestRatio`, k), qv(ratio), `ratio ${ratio} is greater than max/min = ${(maxRatio / 1000).toFixed(6)}`));
        }
      }
    }
  });
  return errs;
}

/** validateResourceQuotaResourceName: a standard quota resource, or a domain-prefixed one. */
function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !STANDARD_QUOTA_RESOURCES.has(name) && !name.startsWith('hugepages-') && !name.startsWith('requests.hugepages-')) {
    errs.push(invalid(path, name, 'must be a standard resource for quota'));
  }
  return errs;
}

/** ValidateResourceQuota's spec rules. */
export function validateResourceQuota(rq: Json): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(rq['spec']);
  for (const [name, v] of Object.entries(obj(spec['hard']))) {
    const p = key('spec.hard', name);
    const nameErrs = validateQuotaResourceName(name, p);
    errs.push(...nameErrs);
    // Object counts ("count/pods", "pods") must be whole numbers: validateResourceQuantity knows which.
    errs.push(...validateResourceQuantity(name, v, p).errs);
  }
  arr(spec['scopes']).forEach((s, i) => {
    if (!QUOTA_SCOPES.includes(str(s))) errs.push(notSupported(idx('spec.scopes', i), s, QUOTA_SCOPES));
  });
  for (const f of ['hard', 'used']) {
    for (const [name, v] of Object.entries(obj(obj(rq['status'])[f]))) {
      errs.push(...validateResourceQuantity(name, v, key(`status.${f}`, name)).errs);
    }
  }
  return errs;
}
