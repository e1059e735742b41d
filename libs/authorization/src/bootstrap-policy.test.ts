// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allResources, forbiddenReason, type AuthorizationAttributes, type KubeObject, type UserInfo } from '@berth/api';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy';
import { ruleAllows, rulesOf as rulesOfObject, subjectMatches, subjectsOf as subjectsOfObject, type PolicyRule } from './rbac-rules';

const roles = bootstrapClusterRoles();
const bindings = bootstrapClusterRoleBindings();
const roleByName = new Map(roles.map((r) => [r.metadata?.name ?? '', r]));
const roleRefName = (b: KubeObject): string => (b['roleRef'] as { name: string }).name;
// KubeObject declares no `rules` or `subjects`, so hand the helpers just that field.
const rulesOf = (role: KubeObject | undefined): PolicyRule[] => rulesOfObject({ rules: role?.['rules'] });
const subjectsOf = (binding: KubeObject): ReturnType<typeof subjectsOfObject> => subjectsOfObject({ subjects: binding['subjects'] });

/** verb, apiGroup, resource, subresource, namespace, name: one request a component makes. */
type Request = [verb: string, apiGroup: string, resource: string, subresource: string, namespace: string, name: string];

function attrs(user: UserInfo, [verb, apiGroup, resource, subresource, namespace, name]: Request): AuthorizationAttributes {
  return { user, verb, resourceRequest: true, apiGroup, resource, subresource, namespace, name, path: '' };
}

function pathAttrs(user: UserInfo, verb: string, path: string): AuthorizationAttributes {
  return { user, verb, resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path };
}

/** RBAC over the bootstrap policy alone: some ClusterRoleBinding of the user binds a role with a rule allowing it. */
function allowed(a: AuthorizationAttributes): boolean {
  return bindings.some(
    (b) => subjectsOf(b).some((s) => subjectMatches(s, a.user, '')) && rulesOf(roleByName.get(roleRefName(b))).some((r) => ruleAllows(r, a)),
  );
}

function roleAllows(role: string, request: Request): boolean {
  const a = attrs({ name: 'someone', groups: [] }, request);
  return rulesOf(roleByName.get(role)).some((r) => ruleAllows(r, a));
}

function assertAllowed(user: UserInfo, requests: Request[]): void {
  const denied = requests.map((r) => attrs(user, r)).filter((a) => !allowed(a));
  assert.deepEqual(denied.map(forbiddenReason), []);
}

function assertDenied(user: UserInfo, requests: Request[]): void {
  for (const r of requests) assert.equal(allowed(attrs(user, r)), false, `${user.name} may ${r.join(' ')}`);
}

/** The verbs `kubectl describe clusterrole` prints for one resource (rules naming it exactly). */
function describedVerbs(role: string, group: string, resource: string): string[] {
  const verbs = new Set<string>();
  for (const r of rulesOf(roleByName.get(role))) {
    if (r.apiGroups.includes(group) && r.resources.includes(resource)) r.verbs.forEach((v) => verbs.add(v));
  }
  return [...verbs].sort();
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const key = (r: PolicyRule): string => JSON.stringify(r);

describe('bootstrap policy objects', () => {
  test('names are unique and every binding references a role that exists', () => {
    assert.equal(roleByName.size, roles.length);
    assert.equal(new Set(bindings.map((b) => b.metadata?.name)).size, bindings.length);
    for (const b of bindings) {
      assert.ok(roleByName.has(roleRefName(b)), `${b.metadata?.name} references ${roleRefName(b)}`);
      assert.deepEqual(b['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleRefName(b) });
      assert.ok(subjectsOf(b).length > 0, `${b.metadata?.name} has subjects`);
    }
  });

  test('every object is labeled and annotated as a bootstrap object of rbac/v1', () => {
    for (const o of [...roles, ...bindings]) {
      assert.equal(o.apiVersion, 'rbac.authorization.k8s.io/v1');
      assert.equal(o.metadata?.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata?.name);
      assert.equal(o.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', o.metadata?.name);
    }
    assert.ok(roles.every((r) => r.kind === 'ClusterRole'));
    assert.ok(bindings.every((b) => b.kind === 'ClusterRoleBinding'));
  });

  test('every rule is either a resource rule or a non-resource rule, with verbs', () => {
    for (const role of roles) {
      for (const r of rulesOf(role)) {
        assert.ok(r.verbs.length > 0, role.metadata?.name);
        const resource = r.apiGroups.length > 0 && r.resources.length > 0;
        const nonResource = r.nonResourceURLs.length > 0;
        assert.ok(resource !== nonResource, `${role.metadata?.name}: ${JSON.stringify(r)}`);
      }
    }
  });

  test('each call returns fresh objects', () => {
    const a = bootstrapClusterRoles();
    (a[0]!['rules'] as unknown[]).length = 0;
    assert.ok(rulesOf(bootstrapClusterRoles()[0]).length > 0);
  });
});

describe('user-facing roles (the book\'s describe clusterrole rows)', () => {
  test('view reads pods and never secrets or the pods/exec family', () => {
    assert.deepEqual(describedVerbs('view', '', 'pods'), ['get', 'list', 'watch']);
    for (const verb of ALL_VERBS) {
      assert.equal(roleAllows('view', [verb, '', 'secrets', '', 'default', 'db']), false, `view ${verb} secrets`);
      assert.equal(roleAllows('view', [verb, '', 'pods', 'exec', 'default', 'db']), false, `view ${verb} pods/exec`);
    }
  });

  test('edit has the full verb set on pods and their exec, attach, portforward, proxy; read on log and status', () => {
    for (const resource of ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']) {
      assert.deepEqual(describedVerbs('edit', '', resource), ALL_VERBS, resource);
    }
    assert.deepEqual(describedVerbs('edit', '', 'pods/log'), ['get', 'list', 'watch']);
    assert.deepEqual(describedVerbs('edit', '', 'pods/status'), ['get', 'list', 'watch']);
    for (const verb of ALL_VERBS) assert.ok(roleAllows('edit', [verb, '', 'pods', 'exec', 'default', 'db']), verb);
    assert.equal(roleAllows('edit', ['create', 'rbac.authorization.k8s.io', 'roles', '', 'default', '']), false);
  });

  test('admin adds roles, rolebindings and localsubjectaccessreviews, and cannot change its Namespace or ResourceQuotas', () => {
    assert.deepEqual(describedVerbs('admin', 'rbac.authorization.k8s.io', 'roles'), ALL_VERBS);
    assert.deepEqual(describedVerbs('admin', 'rbac.authorization.k8s.io', 'rolebindings'), ALL_VERBS);
    assert.deepEqual(describedVerbs('admin', 'authorization.k8s.io', 'localsubjectaccessreviews'), ['create']);
    for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection']) {
      assert.equal(roleAllows('admin', [verb, '', 'namespaces', '', 'default', 'default']), false, `admin ${verb} namespaces`);
      assert.equal(roleAllows('admin', [verb, '', 'namespaces', 'status', 'default', 'default']), false, `admin ${verb} namespaces/status`);
      assert.equal(roleAllows('admin', [verb, '', 'resourcequotas', '', 'default', 'quota']), false, `admin ${verb} resourcequotas`);
      assert.equal(roleAllows('admin', [verb, '', 'resourcequotas', 'status', 'default', 'quota']), false, `admin ${verb} resourcequotas/status`);
    }
    assert.ok(roleAllows('admin', ['get', '', 'resourcequotas', '', 'default', 'quota']));
    assert.ok(roleAllows('admin', ['get', '', 'namespaces', '', 'default', 'default']));
  });

  test('view ⊆ edit ⊆ admin, each with the metrics.k8s.io reader rule, as aggregation makes them', () => {
    const rules = (name: string): Set<string> => new Set(rulesOf(roleByName.get(name)).map(key));
    for (const r of rules('view')) assert.ok(rules('edit').has(r), `edit has ${r}`);
    for (const r of rules('edit')) assert.ok(rules('admin').has(r), `admin has ${r}`);
    for (const r of rules('system:aggregate-to-edit')) assert.ok(rules('edit').has(r), `edit has ${r}`);
    for (const r of rules('system:aggregate-to-admin')) assert.ok(rules('admin').has(r), `admin has ${r}`);
    for (const role of ['view', 'edit', 'admin']) {
      assert.deepEqual(describedVerbs(role, 'metrics.k8s.io', 'pods'), ['get', 'list', 'watch'], role);
      assert.deepEqual(describedVerbs(role, 'metrics.k8s.io', 'nodes'), ['get', 'list', 'watch'], role);
    }
    assert.deepEqual(roleByName.get('view')?.['aggregationRule'], { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    assert.equal(roleByName.get('view')?.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
    assert.equal(roleByName.get('edit')?.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
  });
});

describe('general bindings', () => {
  test('system:masters may do anything', () => {
    const admin = { name: 'admin', groups: ['system:masters'] };
    assertAllowed(admin, [['delete', '', 'namespaces', '', '', 'kube-system'], ['escalate', 'rbac.authorization.k8s.io', 'clusterroles', '', '', 'x']]);
    assert.ok(allowed(pathAttrs(admin, 'get', '/metrics')));
  });

  test('an authenticated user learns about itself and discovers the API; an anonymous one only sees health and version', () => {
    const jdoe = { name: 'jdoe', groups: ['system:authenticated'] };
    assertAllowed(jdoe, [
      ['create', 'authorization.k8s.io', 'selfsubjectaccessreviews', '', '', ''],
      ['create', 'authorization.k8s.io', 'selfsubjectrulesreviews', '', '', ''],
      ['create', 'authentication.k8s.io', 'selfsubjectreviews', '', '', ''],
    ]);
    assertDenied(jdoe, [['list', '', 'pods', '', 'default', '']]);
    assert.ok(allowed(pathAttrs(jdoe, 'get', '/apis/apps/v1')));
    const anonymous = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    assert.ok(allowed(pathAttrs(anonymous, 'get', '/healthz')));
    assert.ok(allowed(pathAttrs(anonymous, 'get', '/version')));
    assert.equal(allowed(pathAttrs(anonymous, 'get', '/api')), false);
  });
});

// The users are those of Berth's client certificates (deploy/local/cluster.sh): CN and O only.
describe('Berth components have what they use', () => {
  test('scheduler (apps/scheduler, scheduler-framework)', () => {
    const scheduler = { name: 'system:kube-scheduler', groups: [] };
    assertAllowed(scheduler, [
      ['get', 'coordination.k8s.io', 'leases', '', 'kube-system', 'berth-scheduler'],
      ['create', 'coordination.k8s.io', 'leases', '', 'kube-system', ''],
      ['update', 'coordination.k8s.io', 'leases', '', 'kube-system', 'berth-scheduler'],
      ['list', '', 'pods', '', '', ''],
      ['watch', '', 'pods', '', '', ''],
      ['list', '', 'nodes', '', '', ''],
      ['watch', '', 'nodes', '', '', ''],
      ['list', '', 'persistentvolumeclaims', '', '', ''],
      ['watch', '', 'persistentvolumeclaims', '', '', ''],
      ['list', '', 'services', '', '', ''],
      ['watch', '', 'services', '', '', ''],
      ['create', '', 'pods', 'binding', 'default', 'web-1'],
      ['patch', '', 'pods', 'status', 'default', 'web-1'],
    ]);
    assertDenied(scheduler, [
      ['update', 'coordination.k8s.io', 'leases', '', 'kube-system', 'berth-controller-manager'],
      ['get', '', 'secrets', '', 'default', 'db'],
      ['create', '', 'pods', '', 'default', ''],
    ]);
  });

  test('controller-manager: leader election, informers and every controller in libs/controllers', () => {
    const cm = { name: 'system:kube-controller-manager', groups: [] };
    const informed: Array<[string, string]> = [
      ['', 'pods'], ['', 'nodes'], ['', 'namespaces'], ['', 'services'], ['', 'endpoints'], ['', 'serviceaccounts'], ['', 'secrets'],
      ['', 'persistentvolumeclaims'], ['', 'configmaps'], ['', 'replicationcontrollers'], ['apps', 'replicasets'], ['apps', 'deployments'],
      ['apps', 'statefulsets'], ['apps', 'daemonsets'], ['apps', 'controllerrevisions'], ['batch', 'jobs'], ['batch', 'cronjobs'],
      ['discovery.k8s.io', 'endpointslices'],
    ];
    const requests: Request[] = [
      // libs/client LeaderElector
      ['get', 'coordination.k8s.io', 'leases', '', 'kube-system', 'berth-controller-manager'],
      ['create', 'coordination.k8s.io', 'leases', '', 'kube-system', ''],
      ['update', 'coordination.k8s.io', 'leases', '', 'kube-system', 'berth-controller-manager'],
      // informers, all namespaces; node-lifecycle's leases in kube-node-lease; the token controller's secrets
      ...informed.flatMap(([g, r]): Request[] => [['list', g, r, '', '', ''], ['watch', g, r, '', '', '']]),
      ['list', 'coordination.k8s.io', 'leases', '', 'kube-node-lease', ''],
      ['watch', 'coordination.k8s.io', 'leases', '', 'kube-node-lease', ''],
      // replicaset/ (ReplicaSets and ReplicationControllers)
      ['create', '', 'pods', '', 'default', ''],
      ['delete', '', 'pods', '', 'default', 'web-abc12'],
      ['patch', '', 'pods', '', 'default', 'web-abc12'],
      ['get', 'apps', 'replicasets', '', 'default', 'web-5d4f'],
      ['update', 'apps', 'replicasets', 'status', 'default', 'web-5d4f'],
      ['get', '', 'replicationcontrollers', '', 'default', 'web'],
      ['update', '', 'replicationcontrollers', 'status', 'default', 'web'],
      // deployment/
      ['get', 'apps', 'deployments', '', 'default', 'web'],
      ['patch', 'apps', 'deployments', '', 'default', 'web'],
      ['update', 'apps', 'deployments', 'status', 'default', 'web'],
      ['create', 'apps', 'replicasets', '', 'default', ''],
      ['update', 'apps', 'replicasets', '', 'default', 'web-5d4f'],
      ['patch', 'apps', 'replicasets', '', 'default', 'web-5d4f'],
      ['delete', 'apps', 'replicasets', '', 'default', 'web-5d4f'],
      // statefulset/ and daemonset/ (ControllerRevisions via controller-history)
      ['update', 'apps', 'statefulsets', 'status', 'default', 'db'],
      ['create', '', 'persistentvolumeclaims', '', 'default', ''],
      ['create', 'apps', 'controllerrevisions', '', 'default', ''],
      ['get', 'apps', 'controllerrevisions', '', 'default', 'db-7c9'],
      ['update', 'apps', 'controllerrevisions', '', 'default', 'db-7c9'],
      ['delete', 'apps', 'controllerrevisions', '', 'default', 'db-7c9'],
      ['update', 'apps', 'daemonsets', 'status', 'kube-system', 'fluentd'],
      // job/ and cronjob/
      ['update', 'batch', 'jobs', 'status', 'default', 'pi'],
      ['get', 'batch', 'jobs', '', 'default', 'hello-2840'],
      ['create', 'batch', 'jobs', '', 'default', ''],
      ['delete', 'batch', 'jobs', '', 'default', 'hello-2840'],
      ['update', 'batch', 'cronjobs', 'status', 'default', 'hello'],
      // endpoints/ and endpointslice/
      ['create', '', 'endpoints', '', 'default', ''],
      ['update', '', 'endpoints', '', 'default', 'web'],
      ['delete', '', 'endpoints', '', 'default', 'web'],
      ['create', 'discovery.k8s.io', 'endpointslices', '', 'default', ''],
      ['update', 'discovery.k8s.io', 'endpointslices', '', 'default', 'web-x7k2p'],
      ['delete', 'discovery.k8s.io', 'endpointslices', '', 'default', 'web-x7k2p'],
      // garbage-collector/: owners read by kind, orphans deleted, ownerReferences patched, finalizers removed
      ['get', 'apps', 'deployments', '', 'default', 'web'],
      ['get', '', 'nodes', '', '', 'node-1'],
      ['delete', 'discovery.k8s.io', 'endpointslices', '', 'default', 'web-x7k2p'],
      ['delete', 'apps', 'controllerrevisions', '', 'default', 'db-7c9'],
      ['delete', 'coordination.k8s.io', 'leases', '', 'kube-node-lease', 'node-1'],
      ['patch', '', 'configmaps', '', 'default', 'cfg'],
      ['update', 'apps', 'deployments', '', 'default', 'web'],
      ['update', '', 'services', '', 'default', 'web'],
      // namespace/: conditions, the finalizer, and emptying the namespace
      ['get', '', 'namespaces', '', '', 'dev'],
      ['update', '', 'namespaces', '', '', 'dev'],
      ['update', '', 'namespaces', 'status', '', 'dev'],
      ...allResources()
        .filter((r) => r.namespaced && r.verbs.includes('list') && (r.verbs.includes('delete') || r.verbs.includes('deletecollection')))
        .flatMap((r): Request[] => [
          ['list', r.group, r.resource, '', 'dev', ''],
          ['deletecollection', r.group, r.resource, '', 'dev', ''],
          ['delete', r.group, r.resource, '', 'dev', 'x'],
        ]),
      // serviceaccount/: `default` accounts, and the token controller's Secrets
      ['create', '', 'serviceaccounts', '', 'dev', ''],
      ['get', '', 'serviceaccounts', '', 'dev', 'default'],
      ['update', '', 'serviceaccounts', '', 'dev', 'default'],
      ['get', '', 'secrets', '', 'dev', 'default-token-x2k9z'],
      ['create', '', 'secrets', '', 'dev', ''],
      ['update', '', 'secrets', '', 'dev', 'default-token-x2k9z'],
      ['delete', '', 'secrets', '', 'dev', 'default-token-x2k9z'],
      // node-ipam/ and node-lifecycle/
      ['patch', '', 'nodes', '', '', 'node-1'],
      ['update', '', 'nodes', '', '', 'node-1'],
      ['update', '', 'nodes', 'status', '', 'node-1'],
      ['delete', '', 'pods', '', 'default', 'web-abc12'],
      // clusterrole-aggregation/: the informer, and updates of aggregated roles holding rules the controller-manager lacks
      ...['get', 'list', 'watch', 'update', 'patch', 'escalate'].map((verb): Request => [verb, 'rbac.authorization.k8s.io', 'clusterroles', '', '', verb === 'list' || verb === 'watch' ? '' : 'admin']),
    ];
    assertAllowed(cm, requests);
    assertDenied(cm, [
      ['create', 'rbac.authorization.k8s.io', 'clusterrolebindings', '', '', ''],
      ['create', '', 'namespaces', '', '', ''],
      ['create', 'rbac.authorization.k8s.io', 'clusterroles', '', '', ''],
      ['bind', 'rbac.authorization.k8s.io', 'clusterroles', '', '', 'cluster-admin'],
      ['escalate', 'rbac.authorization.k8s.io', 'roles', '', 'default', 'x'],
    ]);
  });

  test('kube-proxy (apps/kube-proxy)', () => {
    const proxy = { name: 'system:kube-proxy', groups: [] };
    assertAllowed(proxy, [
      ['list', '', 'services', '', '', ''],
      ['watch', '', 'services', '', '', ''],
      ['list', 'discovery.k8s.io', 'endpointslices', '', '', ''],
      ['watch', 'discovery.k8s.io', 'endpointslices', '', '', ''],
      ['list', '', 'nodes', '', '', ''],
      ['watch', '', 'nodes', '', '', ''],
    ]);
    assertDenied(proxy, [['list', '', 'secrets', '', '', ''], ['list', '', 'pods', '', '', ''], ['update', '', 'services', '', 'default', 'web']]);
  });

  test('cluster DNS (apps/dns) as the berth-dns service account, and as Kubernetes\' kube-dns', () => {
    const requests: Request[] = [
      ['list', '', 'services', '', '', ''],
      ['watch', '', 'services', '', '', ''],
      ['list', 'discovery.k8s.io', 'endpointslices', '', '', ''],
      ['watch', 'discovery.k8s.io', 'endpointslices', '', '', ''],
      ['list', '', 'endpoints', '', '', ''],
      ['watch', '', 'endpoints', '', '', ''],
    ];
    assertAllowed({ name: 'system:serviceaccount:kube-system:berth-dns', groups: [] }, requests);
    assertAllowed({ name: 'system:serviceaccount:kube-system:kube-dns', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] }, requests);
    assertDenied({ name: 'system:serviceaccount:default:berth-dns', groups: [] }, requests.slice(0, 1));
    assertDenied({ name: 'system:serviceaccount:kube-system:berth-dns', groups: [] }, [['get', '', 'secrets', '', 'kube-system', 'x'], ['list', '', 'pods', '', '', '']]);
  });

  test('kubelet (apps/kubelet, kubelet-core, pod-network) and hollow nodes as system:nodes', () => {
    const node = { name: 'system:node:node-1', groups: ['system:nodes'] };
    assertAllowed(node, [
      // NodeAgent: registration, status, the heartbeat Lease
      ['get', '', 'nodes', '', '', 'node-1'],
      ['create', '', 'nodes', '', '', ''],
      ['patch', '', 'nodes', '', '', 'node-1'],
      ['patch', '', 'nodes', 'status', '', 'node-1'],
      ['update', '', 'nodes', 'status', '', 'node-1'],
      ['patch', 'coordination.k8s.io', 'leases', '', 'kube-node-lease', 'node-1'],
      ['create', 'coordination.k8s.io', 'leases', '', 'kube-node-lease', ''],
      ['delete', 'coordination.k8s.io', 'leases', '', 'kube-node-lease', 'node-1'],
      // Kubelet's informers; the pod routes controller's nodes
      ['list', '', 'pods', '', '', ''],
      ['watch', '', 'pods', '', '', ''],
      ['list', '', 'configmaps', '', '', ''],
      ['watch', '', 'configmaps', '', '', ''],
      ['list', '', 'secrets', '', '', ''],
      ['watch', '', 'secrets', '', '', ''],
      ['list', '', 'services', '', '', ''],
      ['watch', '', 'services', '', '', ''],
      ['list', '', 'nodes', '', '', ''],
      ['watch', '', 'nodes', '', '', ''],
      // PodWorker
      ['patch', '', 'pods', 'status', 'default', 'web-abc12'],
      ['delete', '', 'pods', '', 'default', 'web-abc12'],
    ]);
    // No Node authorizer: nothing scopes a node to its own objects, but nodes never manage the cluster.
    assertDenied(node, [
      ['delete', '', 'nodes', '', '', 'node-2'],
      ['create', '', 'secrets', '', 'default', ''],
      ['delete', '', 'namespaces', '', '', 'default'],
      ['create', 'apps', 'deployments', '', 'default', ''],
    ]);
  });
});
