// SPDX-License-Identifier: Apache-2.0
import { allFiles } from '@berth/api-types';
import { createRegistry, type DescMessage } from '@bufbuild/protobuf';

/**
 * ResourceInfo describes one resource kind the API serves: its group/version/kind,
 * its REST-style resource names, and the generated message that holds its objects.
 */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural, lower case: 'pods'. */
  resource: string;
  /** Singular, lower case: 'pod'. */
  singular: string;
  /** Short names typed on the CLI: ['po']. */
  shortNames: string[];
  namespaced: boolean;
  /** Full name of the generated message: 'berth.core.v1.Pod'. */
  messageName: string;
  /** Subresources served: 'status', 'scale', 'binding', 'log'... */
  subresources: string[];
  /** Verbs as `kubectl api-resources -o wide` prints them. */
  verbs: string[];
  /** Categories, e.g. ['all'] for what `get all` lists. */
  categories: string[];
  /** Older apiVersions whose manifests are accepted (and converted) for this kind. */
  legacyVersions: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface Entry {
  group?: string;
  version?: string;
  kind: string;
  resource: string;
  shortNames?: string[];
  namespaced: boolean;
  pkg: string;
  subresources?: string[];
  verbs?: string[];
  categories?: string[];
  legacyVersions?: string[];
}

const APPS_LEGACY_V1BETA2 = ['apps/v1beta2', 'extensions/v1beta1'];
const RBAC_LEGACY = ['rbac.authorization.k8s.io/v1beta1'];
const POD_SUBRESOURCES = ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers'];

// The table, grouped as `kubectl api-resources` lists it. Short names, verbs and
// categories follow kubectl's; `all` also takes in horizontalpodautoscalers as kubectl does.
const ENTRIES: Entry[] = [
  // core/v1
  { kind: 'Binding', resource: 'bindings', namespaced: true, pkg: 'core', verbs: ['create'] },
  { kind: 'ComponentStatus', resource: 'componentstatuses', shortNames: ['cs'], namespaced: false, pkg: 'core', verbs: ['get', 'list'] },
  { kind: 'ConfigMap', resource: 'configmaps', shortNames: ['cm'], namespaced: true, pkg: 'core' },
  { kind: 'Endpoints', resource: 'endpoints', shortNames: ['ep'], namespaced: true, pkg: 'core' },
  { kind: 'Event', resource: 'events', shortNames: ['ev'], namespaced: true, pkg: 'core' },
  { kind: 'LimitRange', resource: 'limitranges', shortNames: ['limits'], namespaced: true, pkg: 'core' },
  {
    kind: 'Namespace', resource: 'namespaces', shortNames: ['ns'], namespaced: false, pkg: 'core',
    subresources: ['status', 'finalize'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  { kind: 'Node', resource: 'nodes', shortNames: ['no'], namespaced: false, pkg: 'core', subresources: ['status', 'proxy'] },
  { kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', shortNames: ['pvc'], namespaced: true, pkg: 'core', subresources: ['status'] },
  { kind: 'PersistentVolume', resource: 'persistentvolumes', shortNames: ['pv'], namespaced: false, pkg: 'core', subresources: ['status'] },
  { kind: 'Pod', resource: 'pods', shortNames: ['po'], namespaced: true, pkg: 'core', subresources: POD_SUBRESOURCES, categories: ['all'] },
  { kind: 'PodTemplate', resource: 'podtemplates', namespaced: true, pkg: 'core' },
  {
    kind: 'ReplicationController', resource: 'replicationcontrollers', shortNames: ['rc'], namespaced: true, pkg: 'core',
    subresources: ['status', 'scale'], categories: ['all'],
  },
  { kind: 'ResourceQuota', resource: 'resourcequotas', shortNames: ['quota'], namespaced: true, pkg: 'core', subresources: ['status'] },
  { kind: 'Secret', resource: 'secrets', namespaced: true, pkg: 'core' },
  { kind: 'ServiceAccount', resource: 'serviceaccounts', shortNames: ['sa'], namespaced: true, pkg: 'core', subresources: ['token'] },
  { kind: 'Service', resource: 'services', shortNames: ['svc'], namespaced: true, pkg: 'core', subresources: ['status', 'proxy'], categories: ['all'] },
  // apps/v1
  { group: 'apps', kind: 'ControllerRevision', resource: 'controllerrevisions', namespaced: true, pkg: 'apps', legacyVersions: ['apps/v1beta1', 'apps/v1beta2'] },
  {
    group: 'apps', kind: 'DaemonSet', resource: 'daemonsets', shortNames: ['ds'], namespaced: true, pkg: 'apps',
    subresources: ['status'], categories: ['all'], legacyVersions: APPS_LEGACY_V1BETA2,
  },
  {
    group: 'apps', kind: 'Deployment', resource: 'deployments', shortNames: ['deploy'], namespaced: true, pkg: 'apps',
    subresources: ['status', 'scale'], categories: ['all'], legacyVersions: ['apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1'],
  },
  {
    group: 'apps', kind: 'ReplicaSet', resource: 'replicasets', shortNames: ['rs'], namespaced: true, pkg: 'apps',
    subresources: ['status', 'scale'], categories: ['all'], legacyVersions: APPS_LEGACY_V1BETA2,
  },
  {
    group: 'apps', kind: 'StatefulSet', resource: 'statefulsets', shortNames: ['sts'], namespaced: true, pkg: 'apps',
    subresources: ['status', 'scale'], categories: ['all'], legacyVersions: ['apps/v1beta1', 'apps/v1beta2'],
  },
  // authorization.k8s.io/v1: questions to the authorizer, answered and never stored
  { group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', namespaced: true, pkg: 'authorization', verbs: ['create'] },
  { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', namespaced: false, pkg: 'authorization', verbs: ['create'] },
  { group: 'authorization.k8s.io', kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', namespaced: false, pkg: 'authorization', verbs: ['create'] },
  { group: 'authorization.k8s.io', kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false, pkg: 'authorization', verbs: ['create'] },
  // autoscaling/v1
  {
    group: 'autoscaling', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], namespaced: true,
    pkg: 'autoscaling', subresources: ['status'], categories: ['all'],
  },
  // batch/v1
  {
    group: 'batch', kind: 'CronJob', resource: 'cronjobs', shortNames: ['cj'], namespaced: true, pkg: 'batch',
    subresources: ['status'], categories: ['all'], legacyVersions: ['batch/v1beta1'],
  },
  { group: 'batch', kind: 'Job', resource: 'jobs', namespaced: true, pkg: 'batch', subresources: ['status'], categories: ['all'] },
  // certificates.k8s.io/v1
  {
    group: 'certificates.k8s.io', kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests', shortNames: ['csr'],
    namespaced: false, pkg: 'certificates', subresources: ['status', 'approval'], legacyVersions: ['certificates.k8s.io/v1beta1'],
  },
  // coordination.k8s.io/v1
  { group: 'coordination.k8s.io', kind: 'Lease', resource: 'leases', namespaced: true, pkg: 'coordination', legacyVersions: ['coordination.k8s.io/v1beta1'] },
  // discovery.k8s.io/v1
  {
    group: 'discovery.k8s.io', kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true, pkg: 'discovery',
    legacyVersions: ['discovery.k8s.io/v1beta1'],
  },
  // networking.k8s.io/v1
  {
    group: 'networking.k8s.io', kind: 'IngressClass', resource: 'ingressclasses', namespaced: false, pkg: 'networking',
    legacyVersions: ['networking.k8s.io/v1beta1'],
  },
  {
    group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingresses', shortNames: ['ing'], namespaced: true, pkg: 'networking',
    subresources: ['status'], legacyVersions: ['extensions/v1beta1', 'networking.k8s.io/v1beta1'],
  },
  {
    group: 'networking.k8s.io', kind: 'NetworkPolicy', resource: 'networkpolicies', shortNames: ['netpol'], namespaced: true,
    pkg: 'networking', legacyVersions: ['extensions/v1beta1'],
  },
  // policy/v1
  {
    group: 'policy', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', shortNames: ['pdb'], namespaced: true, pkg: 'policy',
    subresources: ['status'], legacyVersions: ['policy/v1beta1'],
  },
  // rbac.authorization.k8s.io/v1
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false, pkg: 'rbac', legacyVersions: RBAC_LEGACY },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, pkg: 'rbac', legacyVersions: RBAC_LEGACY },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', resource: 'rolebindings', namespaced: true, pkg: 'rbac', legacyVersions: RBAC_LEGACY },
  { group: 'rbac.authorization.k8s.io', kind: 'Role', resource: 'roles', namespaced: true, pkg: 'rbac', legacyVersions: RBAC_LEGACY },
  // storage.k8s.io/v1
  {
    group: 'storage.k8s.io', kind: 'StorageClass', resource: 'storageclasses', shortNames: ['sc'], namespaced: false, pkg: 'storage',
    legacyVersions: ['storage.k8s.io/v1beta1'],
  },
];

const RESOURCES: readonly ResourceInfo[] = Object.freeze(
  ENTRIES.map((e): ResourceInfo => {
    const version = e.version ?? 'v1';
    return Object.freeze({
      group: e.group ?? '',
      version,
      kind: e.kind,
      resource: e.resource,
      singular: e.kind.toLowerCase(),
      shortNames: e.shortNames ?? [],
      namespaced: e.namespaced,
      messageName: `berth.${e.pkg}.${version}.${e.kind}`,
      subresources: e.subresources ?? [],
      verbs: e.verbs ?? ALL_VERBS,
      categories: e.categories ?? [],
      legacyVersions: e.legacyVersions ?? [],
    });
  }),
);

/** Every resource the API serves, in `kubectl api-resources` order (by group, then name). */
export function allResources(): readonly ResourceInfo[] {
  return RESOURCES;
}

/** 'v1' for the core group, '<group>/<version>' otherwise. */
export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** The plural qualified by its group, as errors name it: 'pods', 'deployments.apps'. */
export function qualifiedResource(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** The kind qualified by its group: 'Pod', 'Deployment.apps'. */
export function qualifiedKind(info: ResourceInfo): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

/** Splits an apiVersion into group and version: 'apps/v1' → ['apps', 'v1'], 'v1' → ['', 'v1']. */
function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** Groups this resource is also known under through its legacy versions ('extensions' for deployments). */
function legacyGroups(info: ResourceInfo): string[] {
  return info.legacyVersions.map((v) => splitApiVersion(v)[0]);
}

/**
 * The resource of a manifest's apiVersion and kind, accepting the kind's legacy
 * versions (apps/v1beta2 Deployment → deployments.apps v1). Kinds are case-sensitive.
 */
export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find(
    (r) => r.kind === kind && (apiVersionOf(r) === apiVersion || r.legacyVersions.includes(apiVersion)),
  );
}

/**
 * The resource with this group and plural. A legacy group also finds it
 * ('extensions', 'deployments' → deployments.apps), as RBAC rules written for it expect.
 */
export function resourceFor(group: string, resource: string): ResourceInfo | undefined {
  return (
    RESOURCES.find((r) => r.group === group && r.resource === resource) ??
    RESOURCES.find((r) => r.resource === resource && legacyGroups(r).includes(group))
  );
}

function matchesName(info: ResourceInfo, name: string): boolean {
  return (
    info.resource === name ||
    info.singular === name ||
    info.kind.toLowerCase() === name ||
    info.shortNames.includes(name)
  );
}

const VERSION_PREFIX = /^v\d+(?:(?:alpha|beta)\d+)?\./;

/**
 * Resolves what a user types on the CLI: plural, singular, short name or kind, in any
 * case ('po', 'pods', 'Pod'), optionally qualified by group ('deployments.apps',
 * 'deploy.apps') or by version and group ('deployments.v1.apps'). Legacy groups
 * resolve too ('deployments.extensions').
 */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.trim().toLowerCase();
  if (!lower) return undefined;
  const unqualified = RESOURCES.find((r) => matchesName(r, lower));
  if (unqualified) return unqualified;
  const dot = lower.indexOf('.');
  if (dot <= 0) return undefined;
  const base = lower.slice(0, dot);
  let rest = lower.slice(dot + 1);
  let version: string | undefined;
  const versioned = VERSION_PREFIX.exec(rest);
  if (versioned) {
    version = versioned[0].slice(0, -1);
    rest = rest.slice(versioned[0].length);
  }
  const group = rest;
  const candidates = RESOURCES.filter((r) => matchesName(r, base));
  return (
    candidates.find((r) => r.group === group && (!version || r.version === version)) ??
    candidates.find((r) =>
      r.legacyVersions.some((v) => {
        const [g, ver] = splitApiVersion(v);
        return g === group && (!version || ver === version);
      }),
    )
  );
}

let registry: ReturnType<typeof createRegistry> | undefined;

/** The descriptor of a message by full name, from every generated file. */
export function messageByName(typeName: string): DescMessage | undefined {
  registry ??= createRegistry(...allFiles);
  return registry.getMessage(typeName);
}

/** The descriptor of the message that holds this resource's objects. */
export function messageSchema(info: ResourceInfo): DescMessage {
  const desc = messageByName(info.messageName);
  if (!desc) throw new Error(`scheme: message ${info.messageName} of ${qualifiedResource(info)} is not generated`);
  return desc;
}

// Subresources whose body is not the resource's own kind.
const SUBRESOURCE_MESSAGES: Record<string, string> = {
  scale: 'berth.autoscaling.v1.Scale',
  binding: 'berth.core.v1.Binding',
  eviction: 'berth.policy.v1.Eviction',
  token: 'berth.authentication.v1.TokenRequest',
};

/**
 * The message a subresource reads and writes: Scale for 'scale', Binding for pods'
 * 'binding', Eviction for 'eviction', TokenRequest for service accounts' 'token', the resource's own message for 'status' and
 * 'approval'; undefined for streaming subresources (log, exec...) and unknown ones.
 */
export function subresourceSchema(info: ResourceInfo, subresource: string): DescMessage | undefined {
  if (!info.subresources.includes(subresource)) return undefined;
  if (subresource === 'status' || subresource === 'approval' || subresource === 'finalize') return messageSchema(info);
  const name = SUBRESOURCE_MESSAGES[subresource];
  return name ? messageByName(name) : undefined;
}
