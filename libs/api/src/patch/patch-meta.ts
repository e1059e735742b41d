// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes' `patchStrategy` / `patchMergeKey` struct tags, as data, for the kinds Berth serves.
 * Strategic merge patch needs them to know which lists merge by key, which merge as sets of
 * primitives, which are replaced wholesale and which maps clear unlisted keys ($retainKeys).
 * The values mirror k8s.io/api (core/v1, apps/v1, batch/v1, ...) types.go.
 */

/** How one field is patched: Kubernetes' patchStrategy tag plus its patchMergeKey. */
export interface FieldPatchMeta {
  strategy: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';
  mergeKey?: string;
}

/** The patch metadata of one field, and the schema of its value (list element for lists). */
export interface PatchField {
  meta?: FieldPatchMeta;
  schema?: PatchSchema;
}

/** A walkable view of one struct type's fields (the analogue of k8s' LookupPatchMeta). */
export interface PatchSchema {
  readonly name: string;
  field(key: string): PatchField;
}

/** One field in a type table: its meta and the name of its value's (or element's) type. */
export interface FieldDef {
  meta?: FieldPatchMeta;
  type?: string;
}

/** A table of struct types: type name → json field name → definition. */
export type TypeTable = Record<string, Record<string, FieldDef>>;

const merge = (mergeKey?: string): FieldPatchMeta => (mergeKey ? { strategy: 'merge', mergeKey } : { strategy: 'merge' });
const mergeRetain = (mergeKey: string): FieldPatchMeta => ({ strategy: 'merge,retainKeys', mergeKey });
const replace: FieldPatchMeta = { strategy: 'replace' };
const retainKeys: FieldPatchMeta = { strategy: 'retainKeys' };

/** Fields every top-level object has. */
const objectRoot = (fields: Record<string, FieldDef> = {}): Record<string, FieldDef> => ({ metadata: { type: 'ObjectMeta' }, ...fields });

const conditionsByType: FieldDef = { meta: merge('type') };

const TYPES: TypeTable = {
  ObjectMeta: {
    finalizers: { meta: merge() },
    ownerReferences: { meta: merge('uid') },
    labels: { meta: merge() },
    annotations: { meta: merge() },
    managedFields: { meta: replace },
  },
  LabelSelector: { matchLabels: { meta: merge() }, matchExpressions: { meta: replace } },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  PodSpec: {
    volumes: { meta: mergeRetain('name'), type: 'Volume' },
    initContainers: { meta: merge('name'), type: 'Container' },
    containers: { meta: merge('name'), type: 'Container' },
    ephemeralContainers: { meta: merge('name'), type: 'Container' },
    imagePullSecrets: { meta: merge('name') },
    tolerations: { meta: replace },
    hostAliases: { meta: merge('ip') },
    topologySpreadConstraints: { meta: merge('topologyKey') },
    schedulingGates: { meta: merge('name') },
    resourceClaims: { meta: mergeRetain('name') },
    readinessGates: { meta: replace },
    nodeSelector: { meta: merge() },
  },
  Container: {
    ports: { meta: merge('containerPort') },
    env: { meta: merge('name') },
    volumeMounts: { meta: merge('mountPath') },
    volumeDevices: { meta: merge('devicePath') },
    envFrom: { meta: replace },
    command: { meta: replace },
    args: { meta: replace },
  },
  Volume: {},
  PodStatus: {
    conditions: conditionsByType,
    podIPs: { meta: merge('ip') },
    hostIPs: { meta: merge('ip') },
    containerStatuses: { meta: replace },
    initContainerStatuses: { meta: replace },
    ephemeralContainerStatuses: { meta: replace },
    resourceClaimStatuses: { meta: mergeRetain('name') },
  },
  StatusWithConditions: { conditions: conditionsByType },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'JobSpec' } },
  JobSpec: { template: { type: 'PodTemplateSpec' }, selector: { type: 'LabelSelector' } },
  WorkloadSpec: { template: { type: 'PodTemplateSpec' }, selector: { type: 'LabelSelector' } },
  DeploymentSpec: {
    template: { type: 'PodTemplateSpec' },
    selector: { type: 'LabelSelector' },
    strategy: { meta: retainKeys },
  },
  StatefulSetSpec: {
    template: { type: 'PodTemplateSpec' },
    selector: { type: 'LabelSelector' },
    volumeClaimTemplates: { meta: replace },
  },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec' } },
  CronJobStatus: { active: { meta: replace } },
  ServiceSpec: { ports: { meta: merge('port') }, selector: { meta: merge() } },
  NodeSpec: { podCIDRs: { meta: merge() }, taints: { meta: replace } },
  NodeStatus: {
    conditions: conditionsByType,
    addresses: { meta: merge('type') },
    images: { meta: replace },
    volumesAttached: { meta: replace },
    volumesInUse: { meta: replace },
  },

  // Kinds.
  Pod: objectRoot({ spec: { type: 'PodSpec' }, status: { type: 'PodStatus' } }),
  PodTemplate: objectRoot({ template: { type: 'PodTemplateSpec' } }),
  Deployment: objectRoot({ spec: { type: 'DeploymentSpec' }, status: { type: 'StatusWithConditions' } }),
  ReplicaSet: objectRoot({ spec: { type: 'WorkloadSpec' }, status: { type: 'StatusWithConditions' } }),
  ReplicationController: objectRoot({ spec: { type: 'WorkloadSpec' }, status: { type: 'StatusWithConditions' } }),
  StatefulSet: objectRoot({ spec: { type: 'StatefulSetSpec' }, status: { type: 'StatusWithConditions' } }),
  DaemonSet: objectRoot({ spec: { type: 'WorkloadSpec' }, status: { type: 'StatusWithConditions' } }),
  Job: objectRoot({ spec: { type: 'JobSpec' }, status: { type: 'StatusWithConditions' } }),
  CronJob: objectRoot({ spec: { type: 'CronJobSpec' }, status: { type: 'CronJobStatus' } }),
  Service: objectRoot({ spec: { type: 'ServiceSpec' }, status: { type: 'StatusWithConditions' } }),
  Node: objectRoot({ spec: { type: 'NodeSpec' }, status: { type: 'NodeStatus' } }),
  Endpoints: objectRoot({ subsets: { meta: replace } }),
  Secret: objectRoot({ data: { meta: merge() }, stringData: { meta: merge() } }),
  ConfigMap: objectRoot({ data: { meta: merge() }, binaryData: { meta: merge() } }),
  Role: objectRoot({ rules: { meta: replace } }),
  ClusterRole: objectRoot({ rules: { meta: replace } }),
  RoleBinding: objectRoot({ subjects: { meta: replace } }),
  ClusterRoleBinding: objectRoot({ subjects: { meta: replace } }),
  ServiceAccount: objectRoot({ secrets: { meta: merge('name') }, imagePullSecrets: { meta: replace } }),
  Namespace: objectRoot({ status: { type: 'StatusWithConditions' } }),
  PersistentVolumeClaim: objectRoot({ status: { type: 'StatusWithConditions' } }),
  PersistentVolume: objectRoot(),
  HorizontalPodAutoscaler: objectRoot({ status: { type: 'StatusWithConditions' } }),
  PodDisruptionBudget: objectRoot({ status: { type: 'StatusWithConditions' } }),
  Ingress: objectRoot(),
  IngressClass: objectRoot(),
  NetworkPolicy: objectRoot(),
  LimitRange: objectRoot(),
  ResourceQuota: objectRoot(),
  StorageClass: objectRoot(),
  PriorityClass: objectRoot(),
  Event: objectRoot(),
  Lease: objectRoot(),
  EndpointSlice: objectRoot(),
};

/** Kinds whose object root is a type in TYPES (the kinds strategic merge patch is served for). */
const KINDS = new Set([
  'Pod', 'PodTemplate', 'Deployment', 'ReplicaSet', 'ReplicationController', 'StatefulSet', 'DaemonSet', 'Job',
  'CronJob', 'Service', 'Node', 'Endpoints', 'Secret', 'ConfigMap', 'Role', 'ClusterRole', 'RoleBinding',
  'ClusterRoleBinding', 'ServiceAccount', 'Namespace', 'PersistentVolumeClaim', 'PersistentVolume',
  'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress', 'IngressClass', 'NetworkPolicy', 'LimitRange',
  'ResourceQuota', 'StorageClass', 'PriorityClass', 'Event', 'Lease', 'EndpointSlice',
]);

/** A schema with no fields: every map merges, every list is replaced. */
const EMPTY_FIELD: PatchField = {};

/** Builds a PatchSchema over a type table, starting at `root`. Unknown fields have no meta. */
export function schemaFromTypes(types: TypeTable, root: string): PatchSchema {
  const cache = new Map<string, PatchSchema>();
  const make = (name: string): PatchSchema => {
    const hit = cache.get(name);
    if (hit) return hit;
    const fields = types[name] ?? {};
    const schema: PatchSchema = {
      name,
      field(key: string): PatchField {
        const def = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
        if (!def) return EMPTY_FIELD;
        return { ...(def.meta ? { meta: def.meta } : {}), ...(def.type ? { schema: make(def.type) } : {}) };
      },
    };
    cache.set(name, schema);
    return schema;
  };
  return make(root);
}

const KIND_SCHEMAS = new Map<string, PatchSchema>();

/** The patch schema of a served kind, or undefined when the kind has no patch metadata. */
export function patchSchemaFor(kind: string): PatchSchema | undefined {
  if (!KINDS.has(kind)) return undefined;
  let schema = KIND_SCHEMAS.get(kind);
  if (!schema) {
    schema = schemaFromTypes(TYPES, kind);
    KIND_SCHEMAS.set(kind, schema);
  }
  return schema;
}

/** True when `kind` is one whose patches Kubernetes treats strategically (a built-in kind). */
export function hasPatchMeta(kind: string): boolean {
  return KINDS.has(kind);
}

/**
 * The patch metadata of the field at `path` (object keys from the root, list indices omitted),
 * e.g. ('Deployment', ['spec','template','spec','containers']) → {strategy:'merge', mergeKey:'name'}.
 * Undefined for unknown kinds and for fields without a patch strategy.
 */
export function patchMetaFor(kind: string, path: string[]): FieldPatchMeta | undefined {
  let schema = patchSchemaFor(kind);
  let meta: FieldPatchMeta | undefined;
  for (const key of path) {
    if (!schema) return undefined;
    const f = schema.field(key);
    meta = f.meta;
    schema = f.schema;
  }
  return meta;
}
