// SPDX-License-Identifier: Apache-2.0
// The bootstrap RBAC policy: the ClusterRoles and ClusterRoleBindings every cluster starts
// with, after Kubernetes 1.30's plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go.
// Where Berth differs (no Node authorizer, one identity for all
// controllers, its own lease and service-account names) the comment at the role says so.
import type { KubeObject } from '@berth/api';
import { deepCopy } from '@berth/api';

const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';
const LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const ANNOTATIONS = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];
const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const CORE = '';
const APPS = 'apps';
const AUTHENTICATION = 'authentication.k8s.io';
const AUTHORIZATION = 'authorization.k8s.io';
const AUTOSCALING = 'autoscaling';
const BATCH = 'batch';
const CERTIFICATES = 'certificates.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const EVENTS = 'events.k8s.io';
const EXTENSIONS = 'extensions';
const METRICS = 'metrics.k8s.io';
const NETWORKING = 'networking.k8s.io';
const NODE = 'node.k8s.io';
const POLICY = 'policy';
const RBAC = 'rbac.authorization.k8s.io';
const STORAGE = 'storage.k8s.io';

const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

/** A PolicyRule as the API holds it: absent lists are left out. */
interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** A resource rule; lists are sorted, as Kubernetes' rule builder sorts them. */
function rule(verbs: readonly string[], groups: string | readonly string[], resources: readonly string[], resourceNames?: readonly string[]): Rule {
  return {
    verbs: sorted(verbs),
    apiGroups: sorted(typeof groups === 'string' ? [groups] : groups),
    resources: sorted(resources),
    ...(resourceNames ? { resourceNames: sorted(resourceNames) } : {}),
  };
}

/** A non-resource rule (URL paths). */
function urls(verbs: readonly string[], paths: readonly string[]): Rule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(paths) };
}

/** Kubernetes' eventsRule(). Berth's components publish events to NATS, not through the API; kept for other clients. */
function eventsRule(): Rule {
  return rule(['create', 'update', 'patch'], [CORE, EVENTS], ['events']);
}

function clusterRole(name: string, rules: Rule[], opts: { labels?: Record<string, string>; aggregateFrom?: string } = {}): KubeObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...LABELS, ...opts.labels }, annotations: { ...ANNOTATIONS } },
    ...(opts.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [opts.aggregateFrom]: 'true' } }] } } : {}),
    rules,
  };
}

function clusterRoleBinding(role: string, subjects: Subject[]): KubeObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name: role, labels: { ...LABELS }, annotations: { ...ANNOTATIONS } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects,
  };
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC, name });
const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

/**
 * What the clusterrole-aggregation controller writes into a role with an aggregationRule:
 * the rules of every role carrying `label`, roles in name order, each rule once. admin, edit
 * and view start with them filled in, so they are right before a controller-manager runs
 * and the controller, finding nothing to change, does not rewrite them at start.
 */
function aggregate(label: string, roles: readonly KubeObject[]): Rule[] {
  const out: Rule[] = [];
  const seen = new Set<string>();
  const name = (r: KubeObject): string => r.metadata?.name ?? '';
  // byte order, as Go's sort of the names
  const selected = roles.filter((r) => r.metadata?.labels?.[label] === 'true').sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  for (const r of selected) {
    for (const x of r['rules'] as Rule[]) {
      const key = JSON.stringify(x);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(deepCopy(x));
    }
  }
  return out;
}

/** admin, edit and view with their aggregated rules filled in, and the roles they aggregate. */
function userFacingRoles(): KubeObject[] {
  const aggregateToAdmin = clusterRole(
    'system:aggregate-to-admin',
    [
      // what admin adds to edit: granting (roles and bindings in its namespace) and asking who may do what
      rule(['create'], AUTHORIZATION, ['localsubjectaccessreviews']),
      rule(READ_WRITE, RBAC, ['roles', 'rolebindings']),
    ],
    { labels: { [AGGREGATE_TO_ADMIN]: 'true' } },
  );
  const aggregateToEdit = clusterRole(
    'system:aggregate-to-edit',
    [
      // read on the escalating resources view leaves out
      rule(READ, CORE, ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      rule(['impersonate'], CORE, ['serviceaccounts']),
      rule(WRITE, CORE, ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(['create'], CORE, ['pods/eviction']),
      rule(WRITE, CORE, ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      rule(['create'], CORE, ['serviceaccounts/token']),
      rule(WRITE, APPS, ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      rule(WRITE, AUTOSCALING, ['horizontalpodautoscalers']),
      rule(WRITE, BATCH, ['jobs', 'cronjobs']),
      rule(WRITE, EXTENSIONS, [
        'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies',
      ]),
      rule(WRITE, POLICY, ['poddisruptionbudgets']),
      rule(WRITE, NETWORKING, ['networkpolicies', 'ingresses']),
      rule(READ_WRITE, COORDINATION, ['leases']),
    ],
    { labels: { [AGGREGATE_TO_EDIT]: 'true' } },
  );
  const aggregateToView = clusterRole(
    'system:aggregate-to-view',
    [
      // no secrets, no pods/exec and the like: reading those is as good as acting as the pod's service account
      rule(READ, CORE, [
        'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps',
      ]),
      rule(READ, CORE, ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      // reading namespaces in a binding's namespace reads that one namespace: a hint of where one has access
      rule(READ, CORE, ['namespaces']),
      rule(READ, DISCOVERY, ['endpointslices']),
      rule(READ, APPS, [
        'controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status',
        'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale',
      ]),
      rule(READ, AUTOSCALING, ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, BATCH, ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(READ, EXTENSIONS, [
        'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status',
        'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies',
      ]),
      rule(READ, POLICY, ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, NETWORKING, ['networkpolicies', 'ingresses', 'ingresses/status']),
    ],
    { labels: { [AGGREGATE_TO_VIEW]: 'true' } },
  );
  // Not policy.go's: metrics-server's manifest adds it, and `top` is part of what viewers see.
  const metricsReader = clusterRole('system:aggregated-metrics-reader', [rule(READ, METRICS, ['pods', 'nodes'])], {
    labels: { [AGGREGATE_TO_ADMIN]: 'true', [AGGREGATE_TO_EDIT]: 'true', [AGGREGATE_TO_VIEW]: 'true' },
  });

  // view is aggregated into edit, and edit into admin (their labels), so fill them in that order.
  const sources = [aggregateToAdmin, aggregateToEdit, aggregateToView, metricsReader];
  const view = clusterRole('view', aggregate(AGGREGATE_TO_VIEW, sources), { labels: { [AGGREGATE_TO_EDIT]: 'true' }, aggregateFrom: AGGREGATE_TO_VIEW });
  const edit = clusterRole('edit', aggregate(AGGREGATE_TO_EDIT, [...sources, view]), { labels: { [AGGREGATE_TO_ADMIN]: 'true' }, aggregateFrom: AGGREGATE_TO_EDIT });
  const admin = clusterRole('admin', aggregate(AGGREGATE_TO_ADMIN, [...sources, edit]), { aggregateFrom: AGGREGATE_TO_ADMIN });
  return [admin, edit, view, ...sources];
}

/**
 * system:node. Kubernetes ≥1.8 binds nobody to it and lets the Node authorizer scope each
 * kubelet to its own node; Berth has no Node authorizer, so it is bound to system:nodes as in
 * Kubernetes ≤1.7, and any node may do this for any node.
 */
function nodeRules(): Rule[] {
  return [
    rule(['create'], AUTHENTICATION, ['tokenreviews']),
    rule(['create'], AUTHORIZATION, ['subjectaccessreviews', 'localsubjectaccessreviews']),
    // kubelet-core Kubelet: the services informer, for the pods' service env vars
    rule(READ, CORE, ['services']),
    // kubelet-core NodeAgent.register: get, create, or patch our labels into the Node; the
    // pod-network routes controller watches all nodes; hollow-nodes register the same way
    rule(['create', 'get', 'list', 'watch'], CORE, ['nodes']),
    // NodeAgent.updateStatus (patch), hollow-nodes (update)
    rule(['update', 'patch'], CORE, ['nodes/status']),
    rule(['update', 'patch'], CORE, ['nodes']),
    rule(['create', 'update', 'patch'], CORE, ['events']),
    // the pods informer (spec.nodeName field selector; hollow-nodes watch every pod)
    rule(READ, CORE, ['pods']),
    // create: Kubernetes' mirror pods; delete: PodWorker removes a pod once its containers are gone
    rule(['create', 'delete'], CORE, ['pods']),
    // PodWorker.writeStatus, hollow-nodes' Running status (patch)
    rule(['update', 'patch'], CORE, ['pods/status']),
    rule(['create'], CORE, ['pods/eviction']),
    // the configmaps and secrets informers, for volumes and env
    rule(READ, CORE, ['secrets', 'configmaps']),
    rule(['get'], CORE, ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['get'], CORE, ['endpoints']),
    rule(['create', 'get', 'list', 'watch'], CERTIFICATES, ['certificatesigningrequests']),
    // NodeAgent.renewLease: patch, or create, the node's Lease in kube-node-lease; hollow-nodes delete theirs
    rule(['get', 'create', 'update', 'patch', 'delete'], COORDINATION, ['leases']),
    rule(['get'], STORAGE, ['volumeattachments']),
    rule(['create'], CORE, ['serviceaccounts/token']),
    rule(['get', 'update', 'patch'], CORE, ['persistentvolumeclaims/status']),
    rule(['get', 'watch', 'list'], STORAGE, ['csidrivers']),
    rule(['get', 'create', 'update', 'patch', 'delete'], STORAGE, ['csinodes']),
    rule(READ, NODE, ['runtimeclasses']),
  ];
}

/**
 * system:kube-controller-manager. Kubernetes gives this user only what it needs to start the
 * per-controller service accounts (--use-service-account-credentials), each bound to a
 * system:controller:* role (controller_policy.go). Berth runs every controller under this one
 * identity, so the role also holds those roles' rules for each controller Berth has
 * (libs/controllers), plus what Berth's versions do beyond Kubernetes'.
 */
function controllerManagerRules(): Rule[] {
  return [
    eventsRule(),
    // leader election (libs/client LeaderElector): the Lease in kube-system, Berth's name and Kubernetes'
    rule(['create'], COORDINATION, ['leases']),
    rule(['get', 'update'], COORDINATION, ['leases'], ['berth-controller-manager', 'kube-controller-manager']),
    // the token controller (serviceaccount/tokens-controller.ts): token Secrets, and their refs in the ServiceAccount
    rule(['create'], CORE, ['secrets', 'serviceaccounts']),
    rule(['delete'], CORE, ['secrets']),
    rule(['get'], CORE, ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
    rule(['update'], CORE, ['secrets', 'serviceaccounts']),
    rule(['create'], AUTHENTICATION, ['tokenreviews']),
    rule(['create'], AUTHORIZATION, ['subjectaccessreviews']),
    // every controller's informers (InformerFactory): list and watch, of anything
    rule(['list', 'watch'], ['*'], ['*']),
    rule(['create'], CORE, ['serviceaccounts/token']),

    // replicaset/: pods created, deleted, adopted and released (ownerReferences patch); the owner's status
    rule(['get', 'list', 'watch', 'update'], APPS, ['replicasets']),
    rule(['update'], APPS, ['replicasets/status', 'replicasets/finalizers']),
    rule(['get', 'list', 'watch', 'update'], CORE, ['replicationcontrollers']),
    rule(['update'], CORE, ['replicationcontrollers/status', 'replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], CORE, ['pods']),
    // deployment/: ReplicaSets created, scaled, adopted and pruned; the revision annotation is a patch of the Deployment
    rule(['get', 'list', 'watch', 'update', 'patch'], APPS, ['deployments']),
    rule(['update'], APPS, ['deployments/status', 'deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], APPS, ['replicasets']),
    // statefulset/: pods, their claims, and the ControllerRevisions (shared with daemonset/)
    rule(['get', 'list', 'watch'], APPS, ['statefulsets']),
    rule(['update'], APPS, ['statefulsets/status', 'statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], CORE, ['pods']),
    rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], APPS, ['controllerrevisions']),
    rule(['get', 'create', 'list', 'watch', 'update', 'delete'], CORE, ['persistentvolumeclaims']),
    rule(['update'], CORE, ['pods/finalizers']),
    // daemonset/: daemon pods per eligible node (the scheduler binds them)
    rule(['get', 'list', 'watch'], APPS, ['daemonsets']),
    rule(['update'], APPS, ['daemonsets/status', 'daemonsets/finalizers']),
    rule(['list', 'watch'], CORE, ['nodes']),
    // job/ and cronjob/
    rule(['get', 'list', 'watch', 'update', 'patch'], BATCH, ['jobs']),
    rule(['update'], BATCH, ['jobs/status', 'jobs/finalizers']),
    rule(['get', 'list', 'watch', 'update'], BATCH, ['cronjobs']),
    rule(['update'], BATCH, ['cronjobs/status', 'cronjobs/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], BATCH, ['jobs']),
    // endpoints/ and endpointslice/
    rule(READ, CORE, ['services', 'pods', 'nodes']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], CORE, ['endpoints']),
    rule(['create'], CORE, ['endpoints/restricted']),
    rule(['update'], CORE, ['services/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], DISCOVERY, ['endpointslices']),
    // garbage-collector/: reads owners, deletes orphans, patches ownerReferences, updates finalizers, of any kind
    rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
    // namespace/: empties a namespace being deleted (every namespaced resource), writes its
    // conditions, then drops the `kubernetes` finalizer with an update of the Namespace itself
    rule(['get', 'list', 'watch', 'delete', 'update'], CORE, ['namespaces']),
    rule(['update'], CORE, ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    // serviceaccount/: the `default` ServiceAccount of every namespace (create, above)
    // node-ipam/ (spec.podCIDR patch) and node-lifecycle/ (Ready Unknown, taints, taint eviction)
    rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], CORE, ['nodes']),
    rule(['patch', 'update'], CORE, ['nodes/status']),
    rule(['patch', 'update'], CORE, ['pods/status']),
    rule(['list', 'watch', 'get', 'delete'], CORE, ['pods']),
    // clusterrole-aggregation/: writes the rules of aggregated ClusterRoles (admin, edit, view).
    // escalate: those rules include ones this role does not hold, which the apiserver's
    // escalation check refuses otherwise (Kubernetes' clusterrole-aggregation-controller role)
    rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], RBAC, ['clusterroles']),
  ];
}

/** system:kube-scheduler; the lease names add Berth's default, --lease-name berth-scheduler. */
function schedulerRules(): Rule[] {
  return [
    eventsRule(),
    // leader election (apps/scheduler main.ts)
    rule(['create'], COORDINATION, ['leases']),
    rule(['get', 'update'], COORDINATION, ['leases'], ['berth-scheduler', 'kube-scheduler']),
    // the informers of scheduler-framework Scheduler: pods, nodes, claims, services
    rule(READ, CORE, ['nodes']),
    rule(['get', 'list', 'watch', 'delete'], CORE, ['pods']),
    // DefaultBinder posts pods/binding
    rule(['create'], CORE, ['pods/binding', 'bindings']),
    // the PodScheduled=False condition of an unschedulable pod (strategic merge patch)
    rule(['patch', 'update'], CORE, ['pods/status']),
    rule(READ, CORE, ['services', 'replicationcontrollers']),
    rule(READ, [APPS, EXTENSIONS], ['replicasets']),
    rule(READ, APPS, ['statefulsets']),
    rule(READ, POLICY, ['poddisruptionbudgets']),
    rule(READ, CORE, ['persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], AUTHENTICATION, ['tokenreviews']),
    rule(['create'], AUTHORIZATION, ['subjectaccessreviews']),
    rule(READ, STORAGE, ['csinodes']),
    rule(READ, CORE, ['namespaces']),
    rule(READ, STORAGE, ['csidrivers']),
    rule(READ, STORAGE, ['csistoragecapacities']),
  ];
}

/** The ClusterRoles every cluster starts with. */
export function bootstrapClusterRoles(): KubeObject[] {
  const signerApprover = (name: string, signer: string): KubeObject =>
    clusterRole(`system:certificates.k8s.io:${name}`, [rule(['approve'], CERTIFICATES, ['signers'], [signer])]);
  return [
    // a "root" role which can do absolutely anything
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    // just enough to find out whether the server is ready and which API versions it serves
    clusterRole('system:discovery', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
    // what any user may learn about themselves (`auth can-i`, `auth can-i --list`, `auth whoami`)
    clusterRole('system:basic-user', [
      rule(['create'], AUTHORIZATION, ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], AUTHENTICATION, ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    ...userFacingRoles(),
    clusterRole('system:heapster', [rule(READ, CORE, ['events', 'pods', 'nodes', 'namespaces']), rule(READ, EXTENSIONS, ['deployments'])]),
    clusterRole('system:node', nodeRules()),
    clusterRole('system:node-problem-detector', [rule(['get'], CORE, ['nodes']), rule(['patch'], CORE, ['nodes/status']), eventsRule()]),
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], CERTIFICATES, ['certificatesigningrequests'])]),
    clusterRole('system:auth-delegator', [rule(['create'], AUTHENTICATION, ['tokenreviews']), rule(['create'], AUTHORIZATION, ['subjectaccessreviews'])]),
    clusterRole('system:kube-aggregator', [rule(READ, CORE, ['services', 'endpoints'])]),
    clusterRole('system:kube-controller-manager', controllerManagerRules()),
    // the cluster DNS (apps/dns): services, and endpointslices (or endpoints on an API without
    // them), all namespaces; Berth's DNS reads endpointslices, which Kubernetes' kube-dns did not
    clusterRole('system:kube-dns', [rule(['list', 'watch'], CORE, ['endpoints', 'services']), rule(['list', 'watch'], DISCOVERY, ['endpointslices'])]),
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], CORE, ['persistentvolumes']),
      // update sets the lock annotations on claims
      rule(['get', 'list', 'watch', 'update'], CORE, ['persistentvolumeclaims']),
      rule(READ, STORAGE, ['storageclasses']),
      rule(['watch'], CORE, ['events']),
      eventsRule(),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], CERTIFICATES, ['certificatesigningrequests/nodeclient'])]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], CERTIFICATES, ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:volume-scheduler', [
      rule(READ_UPDATE, CORE, ['persistentvolumes']),
      rule(READ, STORAGE, ['storageclasses']),
      rule(READ_UPDATE, CORE, ['persistentvolumeclaims']),
    ]),
    signerApprover('legacy-unknown-approver', 'kubernetes.io/legacy-unknown'),
    signerApprover('kubelet-serving-approver', 'kubernetes.io/kubelet-serving'),
    signerApprover('kube-apiserver-client-approver', 'kubernetes.io/kube-apiserver-client'),
    signerApprover('kube-apiserver-client-kubelet-approver', 'kubernetes.io/kube-apiserver-client-kubelet'),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    clusterRole('system:kubelet-api-admin', [
      rule(READ, CORE, ['nodes']),
      rule(['proxy'], CORE, ['nodes']),
      rule(['*'], CORE, ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    // kube-proxy (apps/kube-proxy): the services, endpointslices and nodes informers
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], CORE, ['services', 'endpoints']),
      rule(READ, CORE, ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], DISCOVERY, ['endpointslices']),
    ]),
    clusterRole('system:kube-scheduler', schedulerRules()),
  ];
}

/** The ClusterRoleBindings every cluster starts with; Berth's components authenticate as these users. */
export function bootstrapClusterRoleBindings(): KubeObject[] {
  return [
    clusterRoleBinding('cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterRoleBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterRoleBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    // Kubernetes' kube-dns account, and Berth's (deploy/addons/dns.yaml, its certificate's user)
    clusterRoleBinding('system:kube-dns', [serviceAccount('kube-system', 'kube-dns'), serviceAccount('kube-system', 'berth-dns')]),
    clusterRoleBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    // every kubelet (user system:node:<name>, group system:nodes): see nodeRules for why a group
    clusterRoleBinding('system:node', [group('system:nodes')]),
    clusterRoleBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
}
