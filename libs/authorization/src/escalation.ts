// SPDX-License-Identifier: Apache-2.0
// Privilege-escalation prevention, as Kubernetes' rbac/validation does it: a user may only
// write a role, or bind one, whose every permission the user already holds.
import { breakdownRule, type PolicyRule } from '@berth/api';

const ALL = '*';

/** The requested rules no owner rule covers (empty: the owner holds them all). */
export function uncoveredRules(owner: PolicyRule[], requested: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of requested) {
    for (const sub of breakdownRule(rule)) {
      if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return missing;
}

/** Whether `owner` allows everything `sub` allows (Kubernetes' ruleCovers). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(ALL) || sub.verbs.every((v) => owner.verbs.includes(v));
  const groups = owner.apiGroups.includes(ALL) || sub.apiGroups.every((g) => owner.apiGroups.includes(g));
  const names = sub.resourceNames.length === 0 ? owner.resourceNames.length === 0 : owner.resourceNames.length === 0 || sub.resourceNames.every((n) => owner.resourceNames.includes(n));
  return verbs && groups && resourcesCovered(owner.resources, sub.resources) && names && urlsCovered(owner.nonResourceURLs, sub.nonResourceURLs);
}

function resourcesCovered(owner: string[], sub: string[]): boolean {
  if (owner.includes(ALL)) return true;
  return sub.every((r) => {
    if (owner.includes(r)) return true;
    const slash = r.indexOf('/');
    return slash >= 0 && owner.includes(`*/${r.slice(slash + 1)}`);
  });
}

function urlsCovered(owner: string[], sub: string[]): boolean {
  return sub.every((u) => owner.some((o) => o === ALL || o === u || (o.endsWith('*') && u.startsWith(o.slice(0, -1)))));
}

/** A rule as Kubernetes prints it in an escalation error: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactRuleString(r: PolicyRule): string {
  const q = (xs: string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups.length > 0) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources.length > 0) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames.length > 0) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs.length > 0) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
