// SPDX-License-Identifier: Apache-2.0
/**
 * The columns and cells of `kubectl get` for every kind the API serves, ported from the
 * server-side printers (k8s.io/kubernetes/pkg/printers/internalversion/printers.go) that
 * kubectl 1.33 shows. Kinds without a printer there get the API server's default table
 * (NAME, CREATED AT); kinds unknown to the scheme get kubectl's NAME, AGE.
 */
import { labelSelectorFromObject, Quantity, formatLabelSelector, type KubeObject } from '@berth/api';
import type {
  appsV1, autoscalingV1, batchV1, certificatesV1, coordinationV1, coreV1, discoveryV1, networkingV1, policyV1, rbacV1, storageV1,
} from '@berth/api-types';
import { humanDuration } from '@berth/events';
import { translateTimestampSince } from './age';
import { podCells } from './pod-status';

/** One column of a kind's table. */
export interface TableColumn {
  /** The header as printed (kubectl upper-cases the column definition's name). */
  name: string;
  /** 0: always shown; 1: only with -o wide. */
  priority: number;
  /** 'name' marks the column that `pod/x` prefixes apply to. */
  format?: 'name';
}

/** A kind's table: its columns and a row of cells per object, one cell per column. */
export interface KindTable {
  columns: TableColumn[];
  /** `wide` lets cells that kubectl cuts short outside -o wide (EXTERNAL-IP, ADDRESS) keep their full text. */
  row(obj: KubeObject, now: Date, wide?: boolean): string[];
}

const NAME: TableColumn = { name: 'NAME', priority: 0, format: 'name' };
const AGE: TableColumn = { name: 'AGE', priority: 0 };
const col = (name: string, priority = 0): TableColumn => ({ name, priority });
const wide = (name: string): TableColumn => col(name, 1);

const nameOf = (o: KubeObject): string => o.metadata?.name ?? '';
const ageOf = (o: KubeObject, now: Date): string => translateTimestampSince(o.metadata?.creationTimestamp, now);

/** labels.FormatLabels: `k=v` sorted by key, comma-joined; `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(',');
}

/** Selector.String() of a LabelSelector ('' when it selects everything or nothing; `<invalid>` when invalid). */
function selectorString(sel: unknown): string {
  try {
    return labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0]).toString();
  } catch {
    return '<invalid>';
  }
}

/** Container names and images of a pod template, comma-joined. */
function containerCells(containers: coreV1.ContainerJson[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

function quantityString(v: string | number | undefined): string {
  if (v === undefined || v === '') return '0';
  try {
    return Quantity.parse(v).toString();
  } catch {
    return String(v);
  }
}

/** An IntOrString as Go's IntOrString.String() prints it. */
function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(v) : String(v ?? '');
}

function printBoolPtr(v: boolean | undefined): string {
  return v === undefined ? '<unset>' : v ? 'True' : 'False';
}

/** `a,b,c + 2 more...` with at most three entries; `<unset>` when empty. */
function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** The load balancer addresses (IP, else hostname), sorted, cut to 16 characters unless wide. */
function loadBalancerStatus(ingress: { ip?: string; hostname?: string }[] | undefined, isWide: boolean): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  let r = [...set].sort().join(',');
  if (!isWide && r.length > 16) r = r.slice(0, 13) + '...';
  return r;
}

/** Timestamps as the API server's default table prints CREATED AT: RFC 3339 in UTC, no fraction. */
function rfc3339(ts: string | undefined): string {
  const ms = ts ? Date.parse(ts) : NaN;
  if (Number.isNaN(ms)) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];
function accessModes(modes: string[] | undefined): string {
  return ACCESS_MODES.filter(([m]) => (modes ?? []).includes(m)).map(([, s]) => s).join(',');
}

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

function formatEndpoints(ep: coreV1.EndpointsJson): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // headless services without ports
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip ?? '');
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        const ip = a.ip ?? '';
        list.push(`${ip.includes(':') ? `[${ip}]` : ip}:${port.port ?? 0}`);
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function formatHosts(rules: networkingV1.IngressRuleJson[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${(rules ?? []).length - max} more...` : ret;
}

function serviceExternalIP(svc: coreV1.ServiceJson, isWide: boolean): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatus(svc.status?.loadBalancer?.ingress, isWide);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each ', '-joined. */
function subjects(list: rbacV1.SubjectJson[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of list ?? []) {
    if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
    else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name ?? ''}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function conditionTrue(conditions: { type?: string; status?: string }[] | undefined, type: string): boolean {
  const c = (conditions ?? []).find((x) => x.type === type);
  return c?.status === 'True';
}

function eventTarget(e: coreV1.EventJson): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

/** The rows of a kind, by kind name. */
const TABLES: Record<string, KindTable> = {
  Pod: {
    columns: [NAME, col('READY'), col('STATUS'), col('RESTARTS'), AGE, wide('IP'), wide('NODE'), wide('NOMINATED NODE'), wide('READINESS GATES')],
    row(o, now) {
      const c = podCells(o as coreV1.PodJson, now);
      return [nameOf(o), c.ready, c.status, c.restarts, ageOf(o, now), c.ip, c.node, c.nominatedNode, c.readinessGates];
    },
  },
  PodTemplate: {
    columns: [NAME, col('CONTAINERS'), col('IMAGES'), col('POD LABELS')],
    row(o) {
      const t = (o as coreV1.PodTemplateJson).template;
      const [names, images] = containerCells(t?.spec?.containers);
      return [nameOf(o), names, images, formatLabels(t?.metadata?.labels)];
    },
  },
  PodDisruptionBudget: {
    columns: [NAME, col('MIN AVAILABLE'), col('MAX UNAVAILABLE'), col('ALLOWED DISRUPTIONS'), AGE],
    row(o, now) {
      const p = o as policyV1.PodDisruptionBudgetJson;
      const min = p.spec?.minAvailable === undefined ? 'N/A' : intOrString(p.spec.minAvailable);
      const max = p.spec?.maxUnavailable === undefined ? 'N/A' : intOrString(p.spec.maxUnavailable);
      return [nameOf(o), min, max, String(p.status?.disruptionsAllowed ?? 0), ageOf(o, now)];
    },
  },
  ReplicationController: {
    columns: [NAME, col('DESIRED'), col('CURRENT'), col('READY'), AGE, wide('CONTAINERS'), wide('IMAGES'), wide('SELECTOR')],
    row(o, now) {
      const rc = o as coreV1.ReplicationControllerJson;
      const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
      return [
        nameOf(o), String(rc.spec?.replicas ?? 1), String(rc.status?.replicas ?? 0), String(rc.status?.readyReplicas ?? 0), ageOf(o, now),
        names, images, formatLabels(rc.spec?.selector),
      ];
    },
  },
  ReplicaSet: {
    columns: [NAME, col('DESIRED'), col('CURRENT'), col('READY'), AGE, wide('CONTAINERS'), wide('IMAGES'), wide('SELECTOR')],
    row(o, now) {
      const rs = o as appsV1.ReplicaSetJson;
      const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
      return [
        nameOf(o), String(rs.spec?.replicas ?? 1), String(rs.status?.replicas ?? 0), String(rs.status?.readyReplicas ?? 0), ageOf(o, now),
        names, images, formatLabelSelector(rs.spec?.selector),
      ];
    },
  },
  DaemonSet: {
    columns: [
      NAME, col('DESIRED'), col('CURRENT'), col('READY'), col('UP-TO-DATE'), col('AVAILABLE'), col('NODE SELECTOR'), AGE,
      wide('CONTAINERS'), wide('IMAGES'), wide('SELECTOR'),
    ],
    row(o, now) {
      const ds = o as appsV1.DaemonSetJson;
      const s = ds.status ?? {};
      const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
      return [
        nameOf(o), String(s.desiredNumberScheduled ?? 0), String(s.currentNumberScheduled ?? 0), String(s.numberReady ?? 0),
        String(s.updatedNumberScheduled ?? 0), String(s.numberAvailable ?? 0), formatLabels(ds.spec?.template?.spec?.nodeSelector), ageOf(o, now),
        names, images, formatLabelSelector(ds.spec?.selector),
      ];
    },
  },
  Job: {
    columns: [NAME, col('STATUS'), col('COMPLETIONS'), col('DURATION'), AGE, wide('CONTAINERS'), wide('IMAGES'), wide('SELECTOR')],
    row(o, now) {
      const job = o as batchV1.JobJson;
      const spec = job.spec ?? {};
      const st = job.status ?? {};
      const succeeded = st.succeeded ?? 0;
      let completions: string;
      if (spec.completions !== undefined && spec.completions !== null) completions = `${succeeded}/${spec.completions}`;
      else if ((spec.parallelism ?? 0) > 1) completions = `${succeeded}/1 of ${spec.parallelism}`;
      else completions = `${succeeded}/1`;
      let duration = '';
      if (st.startTime) {
        const end = st.completionTime ? Date.parse(st.completionTime) : now.getTime();
        duration = humanDuration(end - Date.parse(st.startTime));
      }
      const c = st.conditions;
      let status = 'Running';
      if (conditionTrue(c, 'Complete')) status = 'Complete';
      else if (conditionTrue(c, 'Failed')) status = 'Failed';
      else if (job.metadata?.deletionTimestamp) status = 'Terminating';
      else if (conditionTrue(c, 'Suspended')) status = 'Suspended';
      else if (conditionTrue(c, 'FailureTarget')) status = 'FailureTarget';
      const [names, images] = containerCells(spec.template?.spec?.containers);
      return [nameOf(o), status, completions, duration, ageOf(o, now), names, images, formatLabelSelector(spec.selector)];
    },
  },
  CronJob: {
    columns: [
      NAME, col('SCHEDULE'), col('TIMEZONE'), col('SUSPEND'), col('ACTIVE'), col('LAST SCHEDULE'), AGE,
      wide('CONTAINERS'), wide('IMAGES'), wide('SELECTOR'),
    ],
    row(o, now) {
      const cj = o as batchV1.CronJobJson;
      const spec = cj.spec ?? {};
      const last = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
      const jobSpec = spec.jobTemplate?.spec;
      const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
      return [
        nameOf(o), spec.schedule ?? '', spec.timeZone ?? '<none>', printBoolPtr(spec.suspend), String((cj.status?.active ?? []).length), last,
        ageOf(o, now), names, images, formatLabelSelector(jobSpec?.selector),
      ];
    },
  },
  Service: {
    columns: [NAME, col('TYPE'), col('CLUSTER-IP'), col('EXTERNAL-IP'), col('PORT(S)'), AGE, wide('SELECTOR')],
    row(o, now, isWide) {
      const svc = o as coreV1.ServiceJson;
      const spec = svc.spec ?? {};
      const ports = (spec.ports ?? [])
        .map((p) => (p.nodePort ? `${p.port ?? 0}:${p.nodePort}/${p.protocol || 'TCP'}` : `${p.port ?? 0}/${p.protocol || 'TCP'}`))
        .join(',');
      return [
        nameOf(o), spec.type ?? 'ClusterIP', spec.clusterIPs?.[0] || spec.clusterIP || '<none>', serviceExternalIP(svc, isWide ?? false),
        ports || '<none>', ageOf(o, now), formatLabels(spec.selector),
      ];
    },
  },
  Ingress: {
    columns: [NAME, col('CLASS'), col('HOSTS'), col('ADDRESS'), col('PORTS'), AGE],
    row(o, now, isWide) {
      const ing = o as networkingV1.IngressJson;
      return [
        nameOf(o), ing.spec?.ingressClassName ?? '<none>', formatHosts(ing.spec?.rules), loadBalancerStatus(ing.status?.loadBalancer?.ingress, isWide ?? false),
        (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80', ageOf(o, now),
      ];
    },
  },
  IngressClass: {
    columns: [NAME, col('CONTROLLER'), col('PARAMETERS'), AGE],
    row(o, now) {
      const ic = o as networkingV1.IngressClassJson;
      const p = ic.spec?.parameters;
      let params = '<none>';
      if (p) params = `${p.kind ?? ''}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
      return [nameOf(o), ic.spec?.controller ?? '', params, ageOf(o, now)];
    },
  },
  StatefulSet: {
    columns: [NAME, col('READY'), AGE, wide('CONTAINERS'), wide('IMAGES')],
    row(o, now) {
      const sts = o as appsV1.StatefulSetJson;
      const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
      return [nameOf(o), `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 1}`, ageOf(o, now), names, images];
    },
  },
  Endpoints: {
    columns: [NAME, col('ENDPOINTS'), AGE],
    row: (o, now) => [nameOf(o), formatEndpoints(o as coreV1.EndpointsJson), ageOf(o, now)],
  },
  EndpointSlice: {
    columns: [NAME, col('ADDRESSTYPE'), col('PORTS'), col('ENDPOINTS'), AGE],
    row(o, now) {
      const es = o as discoveryV1.EndpointSliceJson;
      const max = 3;
      const ports: string[] = [];
      let count = 0;
      let more = false;
      for (const p of es.ports ?? []) {
        if (ports.length < max) ports.push(p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined ? p.name : '*');
        else if (ports.length === max) more = true;
        count++;
      }
      const addrs: string[] = [];
      let acount = 0;
      let amore = false;
      for (const ep of es.endpoints ?? []) {
        for (const a of ep.addresses ?? []) {
          if (addrs.length < max) addrs.push(a);
          else if (addrs.length === max) amore = true;
          acount++;
        }
      }
      return [nameOf(o), es.addressType ?? '', listWithMore(ports, more, count, max), listWithMore(addrs, amore, acount, max), ageOf(o, now)];
    },
  },
  Node: {
    columns: [
      NAME, col('STATUS'), col('ROLES'), AGE, col('VERSION'),
      wide('INTERNAL-IP'), wide('EXTERNAL-IP'), wide('OS-IMAGE'), wide('KERNEL-VERSION'), wide('CONTAINER-RUNTIME'),
    ],
    row(o, now) {
      const node = o as coreV1.NodeJson;
      const st = node.status ?? {};
      const status: string[] = [];
      const ready = (st.conditions ?? []).find((c) => c.type === 'Ready');
      if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
      if (status.length === 0) status.push('Unknown');
      if (node.spec?.unschedulable) status.push('SchedulingDisabled');
      const addr = (type: string): string => (st.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
      const info = st.nodeInfo ?? {};
      return [
        nameOf(o), status.join(','), nodeRoles(o.metadata?.labels), ageOf(o, now), info.kubeletVersion ?? '',
        addr('InternalIP'), addr('ExternalIP'), info.osImage || '<unknown>', info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
  Event: {
    columns: [
      col('LAST SEEN'), col('TYPE'), col('REASON'), col('OBJECT'), wide('SUBOBJECT'), wide('SOURCE'), col('MESSAGE'),
      wide('FIRST SEEN'), wide('COUNT'), { name: 'NAME', priority: 1, format: 'name' },
    ],
    row(o, now) {
      const e = o as coreV1.EventJson;
      const first = e.firstTimestamp ? translateTimestampSince(e.firstTimestamp, now) : translateTimestampSince(e.eventTime, now);
      let last = e.lastTimestamp ? translateTimestampSince(e.lastTimestamp, now) : first;
      let count = e.count ?? 0;
      if (e.series) {
        last = translateTimestampSince(e.series.lastObservedTime, now);
        count = e.series.count ?? 0;
      } else if (count === 0) {
        count = 1; // singleton events of the new API carry no count
      }
      const component = e.source?.component || e.reportingComponent || '';
      const host = e.source?.host || e.reportingInstance || '';
      const source = host ? `${component}, ${host}` : component;
      return [
        last, e.type ?? '', e.reason ?? '', eventTarget(e), e.involvedObject?.fieldPath ?? '', source, (e.message ?? '').trim(),
        first, String(count), nameOf(o),
      ];
    },
  },
  Namespace: {
    columns: [NAME, col('STATUS'), AGE],
    row: (o, now) => [nameOf(o), (o as coreV1.NamespaceJson).status?.phase ?? '', ageOf(o, now)],
  },
  Secret: {
    columns: [NAME, col('TYPE'), col('DATA'), AGE],
    row(o, now) {
      const s = o as coreV1.SecretJson;
      return [nameOf(o), s.type ?? '', String(Object.keys(s.data ?? {}).length), ageOf(o, now)];
    },
  },
  ServiceAccount: {
    columns: [NAME, col('SECRETS'), AGE],
    row: (o, now) => [nameOf(o), String(((o as coreV1.ServiceAccountJson).secrets ?? []).length), ageOf(o, now)],
  },
  PersistentVolume: {
    columns: [
      NAME, col('CAPACITY'), col('ACCESS MODES'), col('RECLAIM POLICY'), col('STATUS'), col('CLAIM'), col('STORAGECLASS'),
      col('VOLUMEATTRIBUTESCLASS'), col('REASON'), AGE, wide('VOLUMEMODE'),
    ],
    row(o, now) {
      const pv = o as coreV1.PersistentVolumeJson;
      const spec = pv.spec ?? {};
      const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
      const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
      const cls = pv.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? spec.storageClassName ?? '';
      return [
        nameOf(o), quantityString(spec.capacity?.['storage']), accessModes(spec.accessModes), spec.persistentVolumeReclaimPolicy ?? '', phase, claim,
        cls, spec.volumeAttributesClassName ?? '<unset>', pv.status?.reason ?? '', ageOf(o, now), spec.volumeMode ?? '<unset>',
      ];
    },
  },
  PersistentVolumeClaim: {
    columns: [
      NAME, col('STATUS'), col('VOLUME'), col('CAPACITY'), col('ACCESS MODES'), col('STORAGECLASS'), col('VOLUMEATTRIBUTESCLASS'), AGE,
      wide('VOLUMEMODE'),
    ],
    row(o, now) {
      const pvc = o as coreV1.PersistentVolumeClaimJson;
      const spec = pvc.spec ?? {};
      const phase = pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
      let capacity = '';
      let modes = '';
      if (spec.volumeName) {
        modes = accessModes(pvc.status?.accessModes);
        capacity = quantityString(pvc.status?.capacity?.['storage']);
      }
      const cls = pvc.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? spec.storageClassName ?? '';
      return [
        nameOf(o), phase, spec.volumeName ?? '', capacity, modes, cls, spec.volumeAttributesClassName ?? '<unset>', ageOf(o, now),
        spec.volumeMode ?? '<unset>',
      ];
    },
  },
  ComponentStatus: {
    columns: [NAME, col('STATUS'), col('MESSAGE'), col('ERROR')],
    row(o) {
      const healthy = ((o as coreV1.ComponentStatusJson).conditions ?? []).find((c) => c.type === 'Healthy');
      const status = healthy ? (healthy.status === 'True' ? 'Healthy' : 'Unhealthy') : 'Unknown';
      return [nameOf(o), status, healthy?.message ?? '', healthy?.error ?? ''];
    },
  },
  Deployment: {
    columns: [NAME, col('READY'), col('UP-TO-DATE'), col('AVAILABLE'), AGE, wide('CONTAINERS'), wide('IMAGES'), wide('SELECTOR')],
    row(o, now) {
      const d = o as appsV1.DeploymentJson;
      const s = d.status ?? {};
      const [names, images] = containerCells(d.spec?.template?.spec?.containers);
      return [
        nameOf(o), `${s.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`, String(s.updatedReplicas ?? 0), String(s.availableReplicas ?? 0), ageOf(o, now),
        names, images, selectorString(d.spec?.selector),
      ];
    },
  },
  HorizontalPodAutoscaler: {
    columns: [NAME, col('REFERENCE'), col('TARGETS'), col('MINPODS'), col('MAXPODS'), col('REPLICAS'), AGE],
    row(o, now) {
      const h = o as autoscalingV1.HorizontalPodAutoscalerJson;
      const spec = h.spec ?? {};
      const ref = `${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}`;
      let targets = '<none>';
      if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
        const current = h.status?.currentCPUUtilizationPercentage;
        targets = `cpu: ${current !== undefined && current !== null ? `${current}%` : '<unknown>'}/${spec.targetCPUUtilizationPercentage}%`;
      }
      return [
        nameOf(o), ref, targets, spec.minReplicas !== undefined && spec.minReplicas !== null ? String(spec.minReplicas) : '<unset>',
        String(spec.maxReplicas ?? 0), String(h.status?.currentReplicas ?? 0), ageOf(o, now),
      ];
    },
  },
  ConfigMap: {
    columns: [NAME, col('DATA'), AGE],
    row(o, now) {
      const cm = o as coreV1.ConfigMapJson;
      return [nameOf(o), String(Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length), ageOf(o, now)];
    },
  },
  NetworkPolicy: {
    columns: [NAME, col('POD-SELECTOR'), AGE],
    row: (o, now) => [nameOf(o), formatLabelSelector((o as networkingV1.NetworkPolicyJson).spec?.podSelector ?? {}), ageOf(o, now)],
  },
  RoleBinding: {
    columns: [NAME, col('ROLE'), AGE, wide('USERS'), wide('GROUPS'), wide('SERVICEACCOUNTS')],
    row(o, now) {
      const rb = o as rbacV1.RoleBindingJson;
      return [nameOf(o), `${rb.roleRef?.kind ?? ''}/${rb.roleRef?.name ?? ''}`, ageOf(o, now), ...subjects(rb.subjects)];
    },
  },
  ClusterRoleBinding: {
    columns: [NAME, col('ROLE'), AGE, wide('USERS'), wide('GROUPS'), wide('SERVICEACCOUNTS')],
    row(o, now) {
      const rb = o as rbacV1.ClusterRoleBindingJson;
      return [nameOf(o), `${rb.roleRef?.kind ?? ''}/${rb.roleRef?.name ?? ''}`, ageOf(o, now), ...subjects(rb.subjects)];
    },
  },
  CertificateSigningRequest: {
    columns: [NAME, AGE, col('SIGNERNAME'), col('REQUESTOR'), col('REQUESTEDDURATION'), col('CONDITION')],
    row(o, now) {
      const csr = o as certificatesV1.CertificateSigningRequestJson;
      const conds = csr.status?.conditions ?? [];
      const has = (t: string): boolean => conds.some((c) => c.type === t);
      let status = has('Denied') ? 'Denied' : has('Approved') ? 'Approved' : 'Pending';
      if (has('Failed')) status += ',Failed';
      if (csr.status?.certificate) status += ',Issued';
      const exp = csr.spec?.expirationSeconds;
      return [
        nameOf(o), ageOf(o, now), csr.spec?.signerName || '<none>', csr.spec?.username ?? '',
        exp !== undefined && exp !== null ? humanDuration(exp * 1000) : '<none>', status,
      ];
    },
  },
  Lease: {
    columns: [NAME, col('HOLDER'), AGE],
    row: (o, now) => [nameOf(o), (o as coordinationV1.LeaseJson).spec?.holderIdentity ?? '', ageOf(o, now)],
  },
  StorageClass: {
    columns: [NAME, col('PROVISIONER'), col('RECLAIMPOLICY'), col('VOLUMEBINDINGMODE'), col('ALLOWVOLUMEEXPANSION'), AGE],
    row(o, now) {
      const sc = o as storageV1.StorageClassJson;
      const ann = sc.metadata?.annotations ?? {};
      const isDefault = ann[IS_DEFAULT_CLASS] === 'true' || ann[BETA_IS_DEFAULT_CLASS] === 'true';
      return [
        nameOf(o) + (isDefault ? ' (default)' : ''), sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate',
        String(sc.allowVolumeExpansion ?? false), ageOf(o, now),
      ];
    },
  },
  ControllerRevision: {
    columns: [NAME, col('CONTROLLER'), col('REVISION'), AGE],
    row(o, now) {
      const cr = o as appsV1.ControllerRevisionJson;
      const ref = (o.metadata?.ownerReferences ?? []).find((r) => r.controller);
      let controller = '<none>';
      if (ref) {
        const slash = (ref.apiVersion ?? '').indexOf('/');
        const group = slash < 0 ? '' : (ref.apiVersion ?? '').slice(0, slash);
        controller = `${(ref.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${ref.name ?? ''}`;
      }
      return [nameOf(o), controller, String(cr.revision ?? 0), ageOf(o, now)];
    },
  },
  ResourceQuota: {
    columns: [NAME, col('REQUEST'), col('LIMIT'), AGE],
    row(o, now) {
      const rq = o as coreV1.ResourceQuotaJson;
      const hard = rq.status?.hard ?? {};
      const used = rq.status?.used ?? {};
      const requests: string[] = [];
      const limits: string[] = [];
      for (const resource of Object.keys(hard).sort()) {
        const text = `${resource}: ${quantityString(used[resource])}/${quantityString(hard[resource])}`;
        const pieces = resource.split('.');
        if (pieces.length > 1 && pieces[0] === 'limits') limits.push(text);
        else requests.push(text);
      }
      return [nameOf(o), requests.join(', '), limits.join(', '), ageOf(o, now)];
    },
  },
};

/** The API server's default table, for kinds without a printer (Role, ClusterRole, LimitRange...). */
const CREATED_AT_TABLE: KindTable = {
  columns: [NAME, col('CREATED AT')],
  row: (o) => [nameOf(o), rfc3339(o.metadata?.creationTimestamp)],
};

/** kubectl's own default for kinds it knows nothing about. */
export const DEFAULT_TABLE: KindTable = {
  columns: [NAME, AGE],
  row: (o, now) => [nameOf(o), ageOf(o, now)],
};

/** The table of a kind ('Pod', 'Deployment'...); undefined when there is no specific printer. */
export function kindTable(kind: string): KindTable | undefined {
  return TABLES[kind];
}

/** The table for a kind served by the API but without a printer. */
export function createdAtTable(): KindTable {
  return CREATED_AT_TABLE;
}
