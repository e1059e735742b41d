// SPDX-License-Identifier: Apache-2.0
/** Describers of Role, ClusterRole, RoleBinding and ClusterRoleBinding. */
import { breakdownRule, type KubeObject, type PolicyRule } from '@berth/api';
import { arr, str, strArr } from './json';
import { annotationsOf, goSlice, labelsOf, printAnnotationsMultiline, printLabelsMultiline } from './format';
import { LEVEL_0, LEVEL_1, tabbedString } from './prefix-writer';

export type { PolicyRule } from '@berth/api';

function rule(verbs: string[], apiGroups: string[], resources: string[], resourceNames: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, apiGroups, resources, resourceNames, nonResourceURLs };
}

/**
 * compactRules: rules for one group/resource (and at most one resource name) that differ
 * only by verb become one rule with all the verbs, in the order they were first seen.
 */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = r.resourceNames.length <= 1 && r.nonResourceURLs.length === 0 && r.apiGroups.length === 1 && r.resources.length === 1;
    if (!isSimple) {
      compacted.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames.length > 0, r.resourceNames[0] ?? '']);
    const existing = simple.get(key);
    if (existing) existing.verbs.push(...r.verbs.filter((v) => !existing.verbs.includes(v)));
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...compacted, ...simple.values()];
}

/** The generated PolicyRule.String() kubectl sorts rules by: verbs first, then groups, resources, names, URLs. */
function ruleString(r: PolicyRule): string {
  return (
    `&PolicyRule{Verbs:${goSlice(r.verbs)},APIGroups:${goSlice(r.apiGroups)},Resources:${goSlice(r.resources)},` +
    `ResourceNames:${goSlice(r.resourceNames)},NonResourceURLs:${goSlice(r.nonResourceURLs)},}`
  );
}

/** CombineResourceGroup: `deployments.apps`, `pods/log`, `scale.apps/status`-style names. */
export function combineResourceGroup(resources: string[], groups: string[]): string {
  const first = resources[0];
  if (first === undefined) return '';
  const slash = first.indexOf('/');
  let combine = slash < 0 ? first : first.slice(0, slash);
  const group = groups[0];
  if (group !== undefined && group !== '') combine += `.${group}`;
  if (slash >= 0) combine += `/${first.slice(slash + 1)}`;
  return combine;
}

/**
 * Rules as kubectl tables them (describe role, auth can-i --list): broken down, compacted
 * and sorted by their Go string.
 */
export function tabledRules(rules: PolicyRule[]): PolicyRule[] {
  const keyed = compactRules(rules.flatMap(breakdownRule)).map((r) => ({ r, key: ruleString(r) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.r);
}

/** A rule read from loosely typed JSON (a role's rules[], a rules review's status). */
export function policyRuleOf(r: unknown): PolicyRule {
  return rule(strArr(r, 'verbs'), strArr(r, 'apiGroups'), strArr(r, 'resources'), strArr(r, 'resourceNames'), strArr(r, 'nonResourceURLs'));
}

/** One row of kubectl's PolicyRule table: resource.group, non-resource URLs, resource names, verbs. */
export function policyRuleCells(r: PolicyRule): string[] {
  return [combineResourceGroup(r.resources, r.apiGroups), goSlice(r.nonResourceURLs), goSlice(r.resourceNames), goSlice(r.verbs)];
}

/** The rules of a Role or ClusterRole as kubectl's PolicyRule table lists them. */
export function describedRules(role: KubeObject): PolicyRule[] {
  return tabledRules(arr(role, 'rules').map(policyRuleOf));
}

/** kubectl describe role / clusterrole. */
export function describeRole(role: KubeObject): Promise<string> {
  const rules = describedRules(role);
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(role, 'metadata.name')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(role));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(role));
    w.write(LEVEL_0, 'PolicyRule:\n');
    w.write(LEVEL_1, 'Resources\tNon-Resource URLs\tResource Names\tVerbs\n');
    w.write(LEVEL_1, '---------\t-----------------\t--------------\t-----\n');
    for (const r of rules) w.write(LEVEL_1, `${policyRuleCells(r).join('\t')}\n`);
  });
}

/** kubectl describe rolebinding / clusterrolebinding. */
export function describeRoleBinding(binding: KubeObject): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(binding, 'metadata.name')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(binding));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(binding));
    w.write(LEVEL_0, 'Role:\n');
    w.write(LEVEL_1, `Kind:\t${str(binding, 'roleRef.kind')}\n`);
    w.write(LEVEL_1, `Name:\t${str(binding, 'roleRef.name')}\n`);
    w.write(LEVEL_0, 'Subjects:\n');
    w.write(LEVEL_1, 'Kind\tName\tNamespace\n');
    w.write(LEVEL_1, '----\t----\t---------\n');
    for (const s of arr(binding, 'subjects')) w.write(LEVEL_1, `${str(s, 'kind')}\t${str(s, 'name')}\t${str(s, 'namespace')}\n`);
  });
}
