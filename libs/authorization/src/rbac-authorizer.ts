// SPDX-License-Identifier: Apache-2.0
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer, KubeObject, NonResourceRule, ResourceRule, SubjectRules, UserInfo } from '@berth/api';
import { MASTERS_GROUP } from '@berth/api';
import { ruleAllows, rulesOf, subjectMatches, subjectsOf, type PolicyRule, type Subject } from './rbac-rules';

/**
 * Where the policy is read: the apiserver's watch caches of the four RBAC resources, so a
 * decision costs no storage round trip and a change applies as soon as the cache has it.
 */
export interface PolicySource {
  clusterRoleBindings(): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRole(name: string): KubeObject | undefined;
  role(namespace: string, name: string): KubeObject | undefined;
}

/** A binding that applies to a user, and the rules of the role it grants. */
interface Grant {
  binding: KubeObject;
  subject: Subject;
  rules: PolicyRule[];
  /** Set when the role the binding refers to does not exist. */
  missing?: string;
}

/**
 * Kubernetes' RBAC authorizer: a request is allowed when a ClusterRoleBinding, or a
 * RoleBinding in the request's namespace, grants the user (by name, group or service
 * account) a role with a rule that matches it. Rules only add; nothing denies.
 */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly source: PolicySource) {}

  authorize(attrs: AuthorizationAttributes): AuthorizationDecision {
    for (const grant of this.grants(attrs.user, attrs.namespace)) {
      if (grant.rules.some((rule) => ruleAllows(rule, attrs))) return { allowed: true, reason: allowedBy(grant) };
    }
    return { allowed: false, reason: '' };
  }

  /** Every rule the user holds in the namespace ("" for the cluster-wide ones only). */
  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const { rules, errors } = this.policyRulesFor(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if (r.nonResourceURLs.length > 0) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      else resourceRules.push({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames });
    }
    return { resourceRules, nonResourceRules, incomplete: errors.length > 0, evaluationError: errors.join(', ') };
  }

  /** Rules as PolicyRules (the escalation check's input), and the roles that could not be found. */
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const grant of this.grants(user, namespace)) {
      if (grant.missing) errors.push(grant.missing);
      rules.push(...grant.rules);
    }
    return { rules, errors };
  }

  /** The rules a binding's roleRef grants; undefined when the role does not exist. */
  roleRefRules(roleRef: unknown, bindingNamespace: string): PolicyRule[] | undefined {
    const ref = (roleRef ?? {}) as { kind?: unknown; name?: unknown };
    const name = typeof ref.name === 'string' ? ref.name : '';
    const role = ref.kind === 'Role' ? (bindingNamespace ? this.source.role(bindingNamespace, name) : undefined) : ref.kind === 'ClusterRole' ? this.source.clusterRole(name) : undefined;
    return role ? rulesOf(role) : undefined;
  }

  private *grants(user: UserInfo, namespace: string): Generator<Grant> {
    for (const binding of this.source.clusterRoleBindings()) {
      const subject = matchingSubject(binding, user, '');
      if (subject) yield this.grant(binding, subject, '');
    }
    if (!namespace) return;
    for (const binding of this.source.roleBindings(namespace)) {
      const subject = matchingSubject(binding, user, namespace);
      if (subject) yield this.grant(binding, subject, namespace);
    }
  }

  private grant(binding: KubeObject, subject: Subject, namespace: string): Grant {
    const rules = this.roleRefRules(binding['roleRef'], namespace);
    if (rules) return { binding, subject, rules };
    const ref = (binding['roleRef'] ?? {}) as { kind?: string; name?: string };
    const what = ref.kind === 'Role' ? `role.rbac.authorization.k8s.io "${ref.name ?? ''}"` : `clusterrole.rbac.authorization.k8s.io "${ref.name ?? ''}"`;
    return { binding, subject, rules: [], missing: `${what} not found` };
  }
}

function matchingSubject(binding: KubeObject, user: UserInfo, namespace: string): Subject | undefined {
  return subjectsOf(binding).find((s) => subjectMatches(s, user, namespace));
}

/** Kubernetes' reason for an allowed request: `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "u"`. */
function allowedBy(grant: Grant): string {
  const meta = grant.binding.metadata ?? {};
  const ref = (grant.binding['roleRef'] ?? {}) as { kind?: string; name?: string };
  const binding = meta.namespace ? `RoleBinding "${meta.name ?? ''}/${meta.namespace}"` : `ClusterRoleBinding "${meta.name ?? ''}"`;
  return `RBAC: allowed by ${binding} of ${ref.kind ?? ''} "${ref.name ?? ''}" to ${grant.subject.kind} "${grant.subject.name}"`;
}

/**
 * Members of system:masters may do anything, before RBAC is asked (kube-apiserver's
 * privileged-group authorizer): the admin can always repair a broken policy.
 */
export function withPrivilegedGroup(inner: Authorizer): Authorizer {
  const everything: SubjectRules = {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
    evaluationError: '',
  };
  return {
    authorize: (attrs) => (attrs.user.groups.includes(MASTERS_GROUP) ? { allowed: true, reason: '' } : inner.authorize(attrs)),
    rulesFor: (user, namespace) => (user.groups.includes(MASTERS_GROUP) ? everything : inner.rulesFor(user, namespace)),
  };
}
