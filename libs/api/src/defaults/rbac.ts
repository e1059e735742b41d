// SPDX-License-Identifier: Apache-2.0
/**
 * RBAC defaults (Kubernetes' pkg/apis/rbac/v1/defaults.go): the roleRef's and the User and
 * Group subjects' apiGroup.
 */
import { ensureObj, objects, setDefault, type Json } from './util';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding and SetDefaults_Subject. */
export function setRoleBindingDefaults(rb: Json): void {
  setDefault(ensureObj(rb, 'roleRef'), 'apiGroup', RBAC_GROUP);
  for (const s of objects(rb['subjects'])) {
    if (s['apiGroup'] !== undefined && s['apiGroup'] !== '') continue;
    if (s['kind'] === 'ServiceAccount') s['apiGroup'] = '';
    else if (s['kind'] === 'User' || s['kind'] === 'Group') s['apiGroup'] = RBAC_GROUP;
  }
}
