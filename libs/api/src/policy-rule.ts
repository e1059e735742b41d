// SPDX-License-Identifier: Apache-2.0
// The RBAC PolicyRule as the apiserver's authorizer and the CLI's describers read it.

/** An RBAC PolicyRule with every list present (absent lists read as empty). */
export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/** One rule per group × resource × verb (× name), and per URL × verb (Kubernetes' BreakdownRule). */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const one = (verb: string, group: string, resource: string, names: string[]): PolicyRule => ({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: names, nonResourceURLs: [] });
  for (const group of r.apiGroups) {
    for (const resource of r.resources) {
      for (const verb of r.verbs) {
        if (r.resourceNames.length === 0) out.push(one(verb, group, resource, []));
        else for (const name of r.resourceNames) out.push(one(verb, group, resource, [name]));
      }
    }
  }
  for (const url of r.nonResourceURLs) for (const verb of r.verbs) out.push({ verbs: [verb], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [url] });
  return out;
}
