// SPDX-License-Identifier: Apache-2.0
/**
 * Node validation (Kubernetes' ValidateNode): pod CIDRs, taints, and capacity quantities.
 */
import type { FieldError } from '../errors';
import { isQualifiedName, isValidCidr, isValidLabelValue } from './names';
import { arr, check, duplicate, idx, key, obj, parseQuantity, required, str, type Json } from './field';
import { validateTaintEffect } from './pod-spec';

/** ValidateNode's spec and status rules. */
export function validateNode(node: Json): FieldError[] {
  const spec = obj(node['spec']);
  const errs: FieldError[] = [];
  const cidr = str(spec['podCIDR']);
  if (cidr) errs.push(...check(isValidCidr(cidr), 'spec.podCIDR', cidr));
  arr(spec['podCIDRs']).forEach((c, i) => errs.push(...check(isValidCidr(str(c)), idx('spec.podCIDRs', i), c)));
  const seen = new Set<string>();
  arr(spec['taints']).forEach((raw, i) => {
    const t = obj(raw);
    const p = idx('spec.taints', i);
    const k = str(t['key']);
    if (k === '') errs.push(required(`${p}.key`));
    else errs.push(...check(isQualifiedName(k), `${p}.key`, k));
    const v = str(t['value']);
    if (v) errs.push(...check(isValidLabelValue(v), `${p}.value`, v));
    errs.push(...validateTaintEffect(str(t['effect']), `${p}.effect`));
    const kk = `${k}:${str(t['effect'])}`;
    if (seen.has(kk)) errs.push(duplicate(p, t));
    seen.add(kk);
  });
  const status = obj(node['status']);
  for (const f of ['capacity', 'allocatable']) {
    for (const [name, v] of Object.entries(obj(status[f]))) errs.push(...parseQuantity(v, key(`status.${f}`, name)).errs);
  }
  return errs;
}
