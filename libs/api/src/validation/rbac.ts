// SPDX-License-Identifier: Apache-2.0
/**
 * RBAC validation (Kubernetes' pkg/apis/rbac/validation): rules need verbs (and groups and
 * resources, or non-resource URLs), bindings need a valid roleRef and subjects.
 */
import type { FieldError } from '../errors';
import type { LabelSelector } from '../object';
import { isValidPathSegmentName, nameIsDnsSubdomain } from './names';
import { validateLabelSelector } from './object-meta';
import { arr, check, goQuote, goValue, idx, invalid, isObj, notSupported, obj, required, str, type Json } from './field';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: Json, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (arr(rule['verbs']).length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = arr(rule['nonResourceURLs']);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (arr(rule['apiGroups']).length > 0 || arr(rule['resources']).length > 0 || arr(rule['resourceNames']).length > 0) {
      errs.push(invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (arr(rule['apiGroups']).length === 0) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (arr(rule['resources']).length === 0) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

/** ValidateRole / ValidateClusterRole. */
export function validateRole(role: Json, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arr(role['rules']).forEach((r, i) => errs.push(...validatePolicyRule(obj(r), namespaced, idx('rules', i))));
  if (!namespaced && isObj(role['aggregationRule'])) {
    const sels = arr(role['aggregationRule']['clusterRoleSelectors']);
    if (sels.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    // The clusterrole-aggregation controller matches roles with these: a bad one must not be stored.
    sels.forEach((sel, i) => errs.push(...validateLabelSelector(obj(sel) as LabelSelector, idx('aggregationRule.clusterRoleSelectors', i))));
  }
  return errs;
}

/** ValidateRoleBinding / ValidateClusterRoleBinding. */
export function validateRoleBinding(rb: Json, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = obj(rb['roleRef']);
  if (str(ref['apiGroup']) !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', str(ref['apiGroup']), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref['kind']))) errs.push(notSupported('roleRef.kind', str(ref['kind']), kinds));
  const name = str(ref['name']);
  if (name === '') errs.push(required('roleRef.name'));
  else errs.push(...check(isValidPathSegmentName(name), 'roleRef.name', name));
  arr(rb['subjects']).forEach((s, i) => errs.push(...validateSubject(obj(s), namespaced, idx('subjects', i))));
  return errs;
}

/** ValidateRoleBindingSubject. */
function validateSubject(s: Json, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s['name']);
  if (name === '') errs.push(required(`${path}.name`));
  const apiGroup = str(s['apiGroup']);
  switch (str(s['kind'])) {
    case 'ServiceAccount':
      if (name) errs.push(...check(nameIsDnsSubdomain(name), `${path}.name`, name));
      if (apiGroup !== '') errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !str(s['namespace'])) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, str(s['kind']), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** ValidateRoleBindingUpdate: roleRef can't change. */
export function validateRoleBindingUpdate(next: Json, prev: Json, namespaced: boolean): FieldError[] {
  const errs = validateRoleBinding(next, namespaced);
  const a = obj(next['roleRef']);
  const b = obj(prev['roleRef']);
  if (str(a['apiGroup']) !== str(b['apiGroup']) || str(a['kind']) !== str(b['kind']) || str(a['name']) !== str(b['name'])) {
    const repr = `rbac.RoleRef{APIGroup:${goQuote(str(a['apiGroup']))}, Kind:${goQuote(str(a['kind']))}, Name:${goQuote(str(a['name']))}}`;
    errs.push(invalid('roleRef', goValue(repr), 'cannot change roleRef'));
  }
  return errs;
}
