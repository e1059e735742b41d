// SPDX-License-Identifier: Apache-2.0
// The apiserver's authorizer as the registry (SubjectAccessReviews) and the authorizing
// layer in front of it see it: Kubernetes' authorizer.Attributes and RuleResolver.

/** Who is asking: the authenticated (or impersonated) user. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** The group every authenticated caller is in. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
/** Members of this group may do anything, whatever the RBAC policy says (Kubernetes' privileged group). */
export const MASTERS_GROUP = 'system:masters';

/** One request as authorization sees it (authorizer.AttributesRecord). */
export interface AuthorizationAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, impersonate, bind, escalate... */
  verb: string;
  /** False for a request on a URL path that is no resource (`path` then says which). */
  resourceRequest: boolean;
  apiGroup: string;
  /** Plural resource name: "pods". */
  resource: string;
  /** "log", "exec", "status"... or "". */
  subresource: string;
  /** "" for cluster-scoped resources and requests across all namespaces. */
  namespace: string;
  /** "" for collections (list, watch, create without a name). */
  name: string;
  /** The URL path of a non-resource request. */
  path: string;
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** Why: which binding allowed it, or "" when nothing did. */
  reason: string;
}

/** A rule the caller holds, as a SelfSubjectRulesReview lists it. */
export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface SubjectRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when some rules could not be resolved (a binding to a missing role). */
  incomplete: boolean;
  evaluationError: string;
}

/** Decides requests and lists what a user may do in a namespace. */
export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): AuthorizationDecision;
  rulesFor(user: UserInfo, namespace: string): SubjectRules;
}

/** Everything is allowed: the apiserver without --authorization-mode RBAC. */
export const alwaysAllow: Authorizer = {
  authorize: () => ({ allowed: true, reason: '' }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
    evaluationError: '',
  }),
};

/**
 * The text of a refusal, as Kubernetes 1.9 words it (the book's sessions):
 * `User "jdoe" cannot list pods in the namespace "default"`,
 * `User "jdoe" cannot create pods/exec in the namespace "default"`,
 * `User "jdoe" cannot list nodes at the cluster scope`.
 */
export function forbiddenReason(attrs: AuthorizationAttributes): string {
  const user = attrs.user.name;
  if (!attrs.resourceRequest) return `User ${JSON.stringify(user)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  let resource = attrs.resource;
  if (attrs.apiGroup) resource += `.${attrs.apiGroup}`;
  if (attrs.subresource) resource += `/${attrs.subresource}`;
  return attrs.namespace
    ? `User ${JSON.stringify(user)} cannot ${attrs.verb} ${resource} in the namespace ${JSON.stringify(attrs.namespace)}`
    : `User ${JSON.stringify(user)} cannot ${attrs.verb} ${resource} at the cluster scope`;
}
