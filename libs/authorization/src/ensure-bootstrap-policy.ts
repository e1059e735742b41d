// SPDX-License-Identifier: Apache-2.0
import { isAlreadyExists, isConflict, isNotFound, type ApiBackend, type KubeObject, type ResourceRef } from '@berth/api';
import { uncoveredRules } from './escalation';
import { rulesOf, subjectsOf } from './rbac-rules';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

function ref(resource: string, name: string): ResourceRef {
  return { group: 'rbac.authorization.k8s.io', version: 'v1', resource, namespace: '', name, subresource: '' };
}

/**
 * Makes the default ClusterRoles and ClusterRoleBindings exist, as kube-apiserver's RBAC
 * post-start hook does: a missing one is created; one still annotated autoupdate=true
 * gets the permissions and subjects it lacks (what a user added stays), except the rules
 * of an aggregated role, which the clusterrole-aggregation controller keeps. An apiserver
 * starting beside another may lose a race on an object: the other one wrote it.
 */
export async function ensureBootstrapPolicy(backend: ApiBackend, roles: KubeObject[], bindings: KubeObject[]): Promise<void> {
  for (const role of roles) {
    await reconcile(backend, 'clusterroles', role, (current) => {
      // An aggregated role's rules belong to the aggregation controller (as in Kubernetes).
      if (current['aggregationRule']) return undefined;
      const missing = uncoveredRules(rulesOf(current), rulesOf(role));
      if (missing.length === 0) return undefined;
      const extra = ((current['rules'] as unknown[] | undefined) ?? []).filter((r) => uncoveredRules(rulesOf(role), rulesOf({ rules: [r] })).length > 0);
      return { ...current, rules: [...((role['rules'] as unknown[] | undefined) ?? []), ...extra] };
    });
  }
  for (const binding of bindings) {
    await reconcile(backend, 'clusterrolebindings', binding, (current) => {
      const have = subjectsOf(current);
      const want = (binding['subjects'] as Array<Record<string, unknown>> | undefined) ?? [];
      const add = want.filter((w) => !have.some((h) => h.kind === w['kind'] && h.name === w['name'] && (h.namespace ?? '') === (w['namespace'] ?? '')));
      if (add.length === 0) return undefined;
      return { ...current, subjects: [...((current['subjects'] as unknown[] | undefined) ?? []), ...add] };
    });
  }
}

async function reconcile(backend: ApiBackend, resource: string, want: KubeObject, repair: (current: KubeObject) => KubeObject | undefined): Promise<void> {
  const name = want.metadata?.name ?? '';
  let current: KubeObject;
  try {
    current = await backend.get({}, ref(resource, name), {});
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await backend.create({}, ref(resource, ''), want, {}).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
    return;
  }
  if (current.metadata?.annotations?.[AUTOUPDATE] !== 'true') return;
  const next = repair(current);
  if (!next) return;
  await backend.update({}, ref(resource, name), next, {}).catch((err: unknown) => {
    if (!isConflict(err)) throw err;
  });
}
