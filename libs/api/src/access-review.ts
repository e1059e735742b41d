// SPDX-License-Identifier: Apache-2.0
// The authorization.k8s.io reviews: questions to the authorizer, answered in the status of
// the object that asked them and never stored (Kubernetes' subjectaccessreview REST). Shared
// by the registry and the FakeApi, so both answer alike.
import type { AuthorizationAttributes, Authorizer, UserInfo } from './authorization';
import { invalid, type FieldError } from './errors';
import type { KubeObject } from './object';
import type { ResourceInfo } from './scheme';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

interface ReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  namespace?: string;
}

/**
 * Answers a SelfSubjectAccessReview (for `caller`), SubjectAccessReview or
 * LocalSubjectAccessReview (for the user in the spec), or SelfSubjectRulesReview: the
 * object comes back with its status filled in.
 */
export function answerAccessReview(authorizer: Authorizer, info: ResourceInfo, namespace: string, review: KubeObject, caller: UserInfo): KubeObject {
  const spec = (review['spec'] ?? {}) as ReviewSpec;
  const target = { resource: `${info.resource}.${info.group}`, kind: info.kind, name: review.metadata?.name ?? '' };
  if (info.kind === 'SelfSubjectRulesReview') {
    const ns = spec.namespace ?? '';
    if (!ns) throw invalid(target, [{ type: 'Required', field: 'spec.namespace' }]);
    const rules = authorizer.rulesFor(caller, ns);
    return {
      ...review,
      status: {
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
        ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
      },
    };
  }
  const errors: FieldError[] = [];
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (ra && nra) errors.push({ type: 'Invalid', field: 'spec.nonResourceAttributes', value: 'object', detail: 'cannot be specified in combination with resourceAttributes' });
  if (!ra && !nra) errors.push({ type: 'Invalid', field: 'spec.resourceAttributes', value: 'null', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  let user = caller;
  if (info.kind !== 'SelfSubjectAccessReview') {
    if (!spec.user && (spec.groups ?? []).length === 0) errors.push({ type: 'Invalid', field: 'spec.user', value: spec.user ?? '', detail: 'at least one of user or group must be specified' });
    user = { name: spec.user ?? '', groups: spec.groups ?? [] };
  }
  if (info.kind === 'LocalSubjectAccessReview' && ra && (ra.namespace ?? '') !== namespace) {
    errors.push({ type: 'Invalid', field: 'spec.resourceAttributes.namespace', value: ra.namespace ?? '', detail: `must match metadata.namespace` });
  }
  if (errors.length > 0) throw invalid(target, errors);
  const attrs: AuthorizationAttributes = ra
    ? {
        user,
        verb: ra.verb ?? '',
        resourceRequest: true,
        apiGroup: ra.group ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource ?? '',
        namespace: ra.namespace ?? '',
        name: ra.name ?? '',
        path: '',
      }
    : { user, verb: nra?.verb ?? '', resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: nra?.path ?? '' };
  const decision = authorizer.authorize(attrs);
  return { ...review, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } };
}
