// SPDX-License-Identifier: Apache-2.0
// Matching of RBAC rules and subjects, as Kubernetes' rbac/v1 helpers do
// (pkg/apis/rbac/v1/evaluation_helpers.go): additive, no deny, "*" matches everything.
import type { AuthorizationAttributes, PolicyRule, UserInfo } from '@berth/api';

export type { PolicyRule } from '@berth/api';

/** A binding's subject. */
export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const ALL = '*';

/** The rules of a Role or ClusterRole object, lists filled in. */
export function rulesOf(role: unknown): PolicyRule[] {
  const field = (role as { rules?: unknown } | undefined)?.rules;
  const rules = Array.isArray(field) ? (field as Array<Record<string, unknown>>) : [];
  return rules.map((r) => ({
    verbs: strings(r['verbs']),
    apiGroups: strings(r['apiGroups']),
    resources: strings(r['resources']),
    resourceNames: strings(r['resourceNames']),
    nonResourceURLs: strings(r['nonResourceURLs']),
  }));
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(ALL) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes(ALL) || rule.apiGroups.includes(group);
}

/**
 * `pods` matches requests on pods; `pods/log` on that subresource; `*` on everything;
 * `* /scale` (written without the space) on the scale subresource of any resource.
 */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources) {
    if (r === ALL || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** An empty resourceNames list matches every name (and collections). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (rule.resourceNames.length === 0) return true;
  return name !== '' && rule.resourceNames.includes(name);
}

/** `/healthz` matches itself, `/api/*` matches every path under /api/, `*` every path. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Whether one rule allows the request. */
export function ruleAllows(rule: PolicyRule, attrs: AuthorizationAttributes): boolean {
  if (!verbMatches(rule, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceURLMatches(rule, attrs.path);
  return apiGroupMatches(rule, attrs.apiGroup) && resourceMatches(rule, attrs.resource, attrs.subresource) && resourceNameMatches(rule, attrs.name);
}

/**
 * Whether a binding's subject is the user. A ServiceAccount subject is the user
 * `system:serviceaccount:<namespace>:<name>`; its namespace defaults to the binding's.
 */
export function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** The subjects of a RoleBinding or ClusterRoleBinding object. */
export function subjectsOf(binding: unknown): Subject[] {
  const field = (binding as { subjects?: unknown } | undefined)?.subjects;
  const subjects = Array.isArray(field) ? (field as Array<Record<string, unknown>>) : [];
  return subjects.map((s) => ({
    kind: typeof s['kind'] === 'string' ? s['kind'] : '',
    name: typeof s['name'] === 'string' ? s['name'] : '',
    ...(typeof s['namespace'] === 'string' ? { namespace: s['namespace'] } : {}),
  }));
}
