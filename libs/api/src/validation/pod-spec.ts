// SPDX-License-Identifier: Apache-2.0
/**
 * PodSpec validation, ported from Kubernetes' pkg/apis/core/validation (ValidatePodSpec and
 * the container, volume, probe, env and resource checks it calls), with its messages. Pods,
 * pod templates and every workload's template go through here.
 */
import type { FieldError } from '../errors';
import type { Quantity } from '../quantity';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDns1123Label,
  isEnvVarName,
  isHttpHeaderName,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDnsSubdomain,
} from './names';
import { validateLabels } from './object-meta';
import {
  arr,
  check,
  child,
  duplicate,
  forbidden,
  idx,
  invalid,
  IS_NEGATIVE_MSG,
  IS_NOT_INTEGER_MSG,
  isObj,
  key,
  nonNegative,
  notFound,
  notSupported,
  num,
  obj,
  parseQuantity,
  quantityValue,
  required,
  str,
  type Json,
} from './field';

/** Port protocols a container or service port may use (sorted, as sets.List prints them). */
export const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const HTTP_SCHEMES = ['HTTP', 'HTTPS'];
const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const MAX_INT32 = 2147483647;

/** Every volume source in the order Kubernetes checks them (the second one found is the one reported). */
export const VOLUME_SOURCES = [
  'emptyDir',
  'hostPath',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'cinder',
  'cephfs',
  'quobyte',
  'downwardAPI',
  'fc',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'storageos',
  'configMap',
  'scaleIO',
  'projected',
  'csi',
  'ephemeral',
  'image',
];

/** ValidatePodSpec: the spec of a Pod or of any pod template, at `path` ("spec", "spec.template.spec"). */
export function validatePodSpec(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const { names: volumes, errs: volErrs } = validateVolumes(arr(spec['volumes']), child(path, 'volumes'));
  errs.push(...volErrs);
  const grace = num(spec['terminationGracePeriodSeconds']);
  errs.push(...validateContainers(arr(spec['containers']), volumes, child(path, 'containers'), grace));
  errs.push(...validateInitContainers(arr(spec['initContainers']), arr(spec['containers']), volumes, child(path, 'initContainers'), grace));
  errs.push(...validateRestartPolicy(spec['restartPolicy'], child(path, 'restartPolicy')));
  errs.push(...validateDnsPolicy(spec['dnsPolicy'], child(path, 'dnsPolicy')));
  if (isObj(spec['nodeSelector'])) errs.push(...validateLabels(spec['nodeSelector'] as Record<string, string>, child(path, 'nodeSelector')));
  const sa = str(spec['serviceAccountName']);
  if (sa) errs.push(...check(nameIsDnsSubdomain(sa), child(path, 'serviceAccountName'), sa));
  const nodeName = str(spec['nodeName']);
  if (nodeName) errs.push(...check(nameIsDnsSubdomain(nodeName), child(path, 'nodeName'), nodeName));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) {
    errs.push(invalid(child(path, 'activeDeadlineSeconds'), ads, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v) errs.push(...check(isDns1123Label(v), child(path, f), v));
  }
  if (Array.isArray(spec['tolerations'])) errs.push(...validateTolerations(spec['tolerations'], child(path, 'tolerations')));
  errs.push(...validateImagePullSecrets(arr(spec['imagePullSecrets']), child(path, 'imagePullSecrets')));
  return errs;
}

function validateRestartPolicy(v: unknown, path: string): FieldError[] {
  const p = str(v);
  if (p === '') return [required(path)];
  return RESTART_POLICIES.includes(p) ? [] : [notSupported(path, v, RESTART_POLICIES)];
}

function validateDnsPolicy(v: unknown, path: string): FieldError[] {
  const p = str(v);
  if (p === '') return [required(path)];
  return DNS_POLICIES.includes(p) ? [] : [notSupported(path, v, DNS_POLICIES)];
}

function validateImagePullSecrets(secrets: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  secrets.forEach((s, i) => {
    if (!str(obj(s)['name'])) errs.push(required(child(idx(path, i), 'name')));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Volumes

/** ValidateVolumes: names unique DNS labels, exactly one source each; returns the names for mounts. */
export function validateVolumes(volumes: unknown[], path: string): { names: Set<string>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((raw, i) => {
    const vol = obj(raw);
    const p = idx(path, i);
    const name = str(vol['name']);
    const namePath = child(p, 'name');
    if (name === '') {
      errs.push(required(namePath));
    } else {
      errs.push(...check(isDns1123Label(name), namePath, name));
    }
    if (name !== '' && names.has(name)) errs.push(duplicate(namePath, name));
    if (name !== '') names.add(name);
    errs.push(...validateVolumeSource(vol, p));
  });
  return { names, errs };
}

/** validateVolumeSource: exactly one source, each checked for its own required fields. */
export function validateVolumeSource(src: Json, path: string, sources: string[] = VOLUME_SOURCES): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const s of sources) {
    if (src[s] === undefined || src[s] === null) continue;
    if (count > 0) {
      errs.push(forbidden(child(path, s), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validateOneSource(s, obj(src[s]), child(path, s)));
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

function validateOneSource(kind: string, s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'emptyDir': {
      if (s['sizeLimit'] !== undefined) {
        const { q, errs: qErrs } = parseQuantity(s['sizeLimit'], child(path, 'sizeLimit'));
        errs.push(...qErrs);
        if (q && q.sign() < 0) errs.push(forbidden(child(path, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath': {
      const p = str(s['path']);
      if (p === '') {
        errs.push(required(child(path, 'path')));
        break;
      }
      errs.push(...validatePathNoBacksteps(p, child(path, 'path')));
      const t = str(s['type']);
      if (!HOST_PATH_TYPES.includes(t)) errs.push(notSupported(child(path, 'type'), s['type'], HOST_PATH_TYPES));
      break;
    }
    case 'gitRepo':
      if (!str(s['repository'])) errs.push(required(child(path, 'repository')));
      errs.push(...validateLocalDescendingPath(str(s['directory']), child(path, 'directory')));
      break;
    case 'awsElasticBlockStore':
    case 'gcePersistentDisk':
    case 'cinder':
    case 'vsphereVolume': {
      const idField = kind === 'gcePersistentDisk' ? 'pdName' : kind === 'vsphereVolume' ? 'volumePath' : 'volumeID';
      if (!str(s[idField])) errs.push(required(child(path, idField)));
      break;
    }
    case 'secret':
      if (!str(s['secretName'])) errs.push(required(child(path, 'secretName')));
      errs.push(...validateFileMode(s['defaultMode'], child(path, 'defaultMode')));
      arr(s['items']).forEach((kp, i) => errs.push(...validateKeyToPath(obj(kp), idx(child(path, 'items'), i))));
      break;
    case 'configMap':
      if (!str(s['name'])) errs.push(required(child(path, 'name')));
      errs.push(...validateFileMode(s['defaultMode'], child(path, 'defaultMode')));
      arr(s['items']).forEach((kp, i) => errs.push(...validateKeyToPath(obj(kp), idx(child(path, 'items'), i))));
      break;
    case 'persistentVolumeClaim':
      if (!str(s['claimName'])) errs.push(required(child(path, 'claimName')));
      break;
    case 'nfs': {
      if (!str(s['server'])) errs.push(required(child(path, 'server')));
      const p = str(s['path']);
      if (p === '') errs.push(required(child(path, 'path')));
      if (!p.startsWith('/')) errs.push(invalid(child(path, 'path'), p, 'must be an absolute path'));
      break;
    }
    case 'downwardAPI':
      errs.push(...validateFileMode(s['defaultMode'], child(path, 'defaultMode')));
      arr(s['items']).forEach((raw, i) => {
        const item = obj(raw);
        const ip = idx(child(path, 'items'), i);
        const p = str(item['path']);
        if (p === '') errs.push(required(child(ip, 'path')));
        errs.push(...validateLocalNonReservedPath(p, child(ip, 'path')));
        errs.push(...validateFileMode(item['mode'], child(ip, 'mode')));
      });
      break;
    case 'projected':
      errs.push(...validateFileMode(s['defaultMode'], child(path, 'defaultMode')));
      break;
    default:
      break;
  }
  return errs;
}

function validateFileMode(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && (v > 0o777 || v < 0) ? [invalid(path, v, FILE_MODE_MSG)] : [];
}

function validateKeyToPath(kp: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(kp['key'])) errs.push(required(child(path, 'key')));
  const p = str(kp['path']);
  if (p === '') errs.push(required(child(path, 'path')));
  errs.push(...validateLocalNonReservedPath(p, child(path, 'path')));
  errs.push(...validateFileMode(kp['mode'], child(path, 'mode')));
  return errs;
}

function validatePathNoBacksteps(p: string, path: string): FieldError[] {
  return p.split('/').includes('..') ? [invalid(path, p, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(p, path));
  return errs;
}

function validateLocalNonReservedPath(p: string, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalid(path, p, "must not start with '..'"));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Containers

/**
 * validateContainers: at least one, names unique, each container checked. `gracePeriod` is
 * the pod's terminationGracePeriodSeconds (a preStop sleep may not outlast it).
 */
export function validateContainers(containers: unknown[], volumes: Set<string>, path: string, gracePeriod?: number): FieldError[] {
  if (containers.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((raw, i) => {
    const ctr = obj(raw);
    const p = idx(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    const name = str(ctr['name']);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    if (ctr['lifecycle'] !== undefined) errs.push(...validateLifecycle(obj(ctr['lifecycle']), gracePeriod, child(p, 'lifecycle')));
    errs.push(...validateProbe(ctr['livenessProbe'], child(p, 'livenessProbe'), true));
    errs.push(...validateProbe(ctr['readinessProbe'], child(p, 'readinessProbe'), false));
    errs.push(...validateProbe(ctr['startupProbe'], child(p, 'startupProbe'), true));
    if (ctr['restartPolicy'] !== undefined) errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(inits: unknown[], containers: unknown[], volumes: Set<string>, path: string, gracePeriod?: number): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(containers.map((c) => str(obj(c)['name'])));
  inits.forEach((raw, i) => {
    const ctr = obj(raw);
    const p = idx(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    const name = str(ctr['name']);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    const sidecar = ctr['restartPolicy'] === 'Always';
    if (ctr['restartPolicy'] !== undefined && !sidecar) errs.push(notSupported(child(p, 'restartPolicy'), ctr['restartPolicy'], ['Always']));
    if (sidecar) {
      if (ctr['lifecycle'] !== undefined) errs.push(...validateLifecycle(obj(ctr['lifecycle']), gracePeriod, child(p, 'lifecycle')));
      errs.push(...validateProbe(ctr['livenessProbe'], child(p, 'livenessProbe'), true));
      errs.push(...validateProbe(ctr['readinessProbe'], child(p, 'readinessProbe'), false));
      errs.push(...validateProbe(ctr['startupProbe'], child(p, 'startupProbe'), true));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (ctr[f] !== undefined) errs.push(forbidden(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

function validateContainerCommon(ctr: Json, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ctr['name']);
  const namePath = child(path, 'name');
  if (name === '') errs.push(required(namePath));
  else errs.push(...check(isDns1123Label(name), namePath, name));
  if (str(ctr['image']) === '') errs.push(required(child(path, 'image')));

  const tmp = str(ctr['terminationMessagePolicy']);
  if (tmp === '') errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) {
    errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(arr(ctr['ports']), child(path, 'ports')));
  errs.push(...validateEnv(arr(ctr['env']), child(path, 'env')));
  errs.push(...validateEnvFrom(arr(ctr['envFrom']), child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(arr(ctr['volumeMounts']), volumes, child(path, 'volumeMounts')));
  const pull = str(ctr['imagePullPolicy']);
  if (pull === '') errs.push(required(child(path, 'imagePullPolicy')));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(child(path, 'imagePullPolicy'), pull, PULL_POLICIES));
  errs.push(...validateResourceRequirements(obj(ctr['resources']), child(path, 'resources')));
  return errs;
}

function validateContainerPorts(ports: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const port = obj(raw);
    const p = idx(path, i);
    const name = str(port['name']);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...check(msgs, child(p, 'name'), name));
      else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
    const cp = num(port['containerPort']) ?? 0;
    if (cp === 0) errs.push(required(child(p, 'containerPort')));
    else errs.push(...check(isValidPortNum(cp), child(p, 'containerPort'), cp));
    const hp = num(port['hostPort']) ?? 0;
    if (hp !== 0) errs.push(...check(isValidPortNum(hp), child(p, 'hostPort'), hp));
    const proto = str(port['protocol']);
    if (proto === '') errs.push(required(child(p, 'protocol')));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(proto)) errs.push(notSupported(child(p, 'protocol'), proto, SUPPORTED_PORT_PROTOCOLS));
  });
  return errs;
}

/** AccumulateUniqueHostPorts: the same hostIP/protocol/hostPort twice in a pod is a conflict. */
function checkHostPortConflicts(containers: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(obj(c)['ports']).forEach((raw, pi) => {
      const port = obj(raw);
      const hp = num(port['hostPort']) ?? 0;
      if (hp === 0) return;
      const k = `${str(port['hostIP'])}/${str(port['protocol'])}/${hp}`;
      if (seen.has(k)) errs.push(duplicate(child(idx(child(idx(path, ci), 'ports'), pi), 'hostPort'), k));
      seen.add(k);
    });
  });
  return errs;
}

function validateEnv(vars: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  vars.forEach((raw, i) => {
    const ev = obj(raw);
    const p = idx(path, i);
    const name = str(ev['name']);
    if (name === '') errs.push(required(child(p, 'name')));
    else errs.push(...check(isEnvVarName(name), child(p, 'name'), name));
    if (ev['valueFrom'] !== undefined && ev['valueFrom'] !== null) errs.push(...validateEnvVarValueFrom(ev, child(p, 'valueFrom')));
  });
  return errs;
}

function validateEnvVarValueFrom(ev: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const from = obj(ev['valueFrom']);
  let sources = 0;
  if (isObj(from['fieldRef'])) {
    sources++;
    errs.push(...validateObjectFieldSelector(from['fieldRef'], child(path, 'fieldRef')));
  }
  if (isObj(from['resourceFieldRef'])) {
    sources++;
    const r = from['resourceFieldRef'];
    if (!str(r['resource'])) errs.push(required(child(path, 'resourceFieldRef', 'resource')));
  }
  for (const [f, label] of [
    ['configMapKeyRef', 'configMapKeyRef'],
    ['secretKeyRef', 'secretKeyRef'],
  ] as const) {
    if (!isObj(from[f])) continue;
    sources++;
    const s = from[f];
    const name = str(s['name']);
    errs.push(...check(nameIsDnsSubdomain(name), child(path, label, 'name'), name));
    const k = str(s['key']);
    if (k === '') errs.push(required(child(path, label, 'key')));
    else errs.push(...check(isConfigMapKey(k), child(path, label, 'key'), k));
  }
  if (sources === 0) {
    errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (str(ev['value']) !== '') {
    errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateObjectFieldSelector(fs: Json, path: string): FieldError[] {
  if (!str(fs['apiVersion'])) return [required(child(path, 'apiVersion'))];
  const fp = str(fs['fieldPath']);
  if (fp === '') return [required(child(path, 'fieldPath'))];
  const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fp);
  if (m) {
    const sub = m[1] === 'metadata.annotations' ? (m[2] ?? '').toLowerCase() : (m[2] ?? '');
    return check(isQualifiedName(sub), path, sub);
  }
  return ENV_FIELD_PATHS.includes(fp) ? [] : [notSupported(child(path, 'fieldPath'), fp, ENV_FIELD_PATHS)];
}

function validateEnvFrom(vars: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  vars.forEach((raw, i) => {
    const ev = obj(raw);
    const p = idx(path, i);
    const prefix = str(ev['prefix']);
    if (prefix) errs.push(...check(isEnvVarName(prefix), child(p, 'prefix'), prefix));
    let sources = 0;
    for (const f of ['configMapRef', 'secretRef']) {
      if (!isObj(ev[f])) continue;
      sources++;
      const name = str(ev[f]['name']);
      if (name === '') errs.push(required(child(p, f, 'name')));
      else errs.push(...check(nameIsDnsSubdomain(name, true), child(p, f, 'name'), name));
    }
    if (sources === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown[], volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  mounts.forEach((raw, i) => {
    const m = obj(raw);
    const p = idx(path, i);
    const name = str(m['name']);
    if (name === '') errs.push(required(child(p, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    const mp = str(m['mountPath']);
    if (mp === '') errs.push(required(child(p, 'mountPath')));
    if (mountPaths.has(mp)) errs.push(invalid(child(p, 'mountPath'), mp, 'must be unique'));
    mountPaths.add(mp);
    const sub = str(m['subPath']);
    if (sub) errs.push(...validateLocalDescendingPath(sub, child(path, 'subPath')));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Probes and lifecycle handlers

function validateProbe(raw: unknown, path: string, successMustBeOne: boolean): FieldError[] {
  if (!isObj(raw)) return [];
  const probe = raw;
  const errs = validateHandler(probe, PROBE_HANDLERS, undefined, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(probe[f], child(path, f)));
  }
  const tgps = num(probe['terminationGracePeriodSeconds']);
  if (tgps !== undefined && tgps <= 0) errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  const st = num(probe['successThreshold']);
  if (successMustBeOne && st !== undefined && st !== 1) errs.push(invalid(child(path, 'successThreshold'), st, 'must be 1'));
  return errs;
}

/** The actions a probe may take, and a lifecycle hook's (tcpSocket is deprecated for hooks and fails at run time, but is valid). */
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

/** validateLifecycle: each hook has exactly one valid action. */
function validateLifecycle(lc: Json, gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    if (isObj(lc[hook])) errs.push(...validateHandler(lc[hook], LIFECYCLE_HANDLERS, gracePeriod, child(path, hook)));
  }
  return errs;
}

/** validateHandler: exactly one of the given actions, each checked (a sleep against the grace period). */
function validateHandler(h: Json, kinds: string[], gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let handlers = 0;
  for (const kind of kinds) {
    if (!isObj(h[kind])) continue;
    if (handlers > 0) {
      errs.push(forbidden(child(path, kind), 'may not specify more than 1 handler type'));
      continue;
    }
    handlers++;
    const a = h[kind];
    const p = child(path, kind);
    if (kind === 'exec' && arr(a['command']).length === 0) errs.push(required(child(p, 'command')));
    if (kind === 'httpGet') {
      if (!str(a['path'])) errs.push(required(child(p, 'path')));
      errs.push(...validatePortNumOrName(a['port'], child(p, 'port')));
      const scheme = str(a['scheme']);
      if (!HTTP_SCHEMES.includes(scheme)) errs.push(notSupported(child(p, 'scheme'), scheme, HTTP_SCHEMES));
      for (const header of arr(a['httpHeaders'])) {
        const name = str(obj(header)['name']);
        errs.push(...check(isHttpHeaderName(name), child(p, 'httpHeaders'), name));
      }
    }
    if (kind === 'tcpSocket') errs.push(...validatePortNumOrName(a['port'], child(p, 'port')));
    if (kind === 'grpc') errs.push(...check(isValidPortNum(num(a['port']) ?? 0), child(p, 'port'), num(a['port']) ?? 0));
    if (kind === 'sleep') errs.push(...validateSleepAction(a, gracePeriod, p));
  }
  if (handlers === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

/**
 * validateSleepAction: 0 < seconds <= the pod's terminationGracePeriodSeconds (no check
 * without a grace period: that is an error of its own).
 */
function validateSleepAction(a: Json, gracePeriod: number | undefined, path: string): FieldError[] {
  const seconds = num(a['seconds']) ?? 0;
  if (gracePeriod === undefined || (seconds > 0 && seconds <= gracePeriod)) return [];
  return [invalid(path, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`)];
}

/** ValidatePortNumOrName: an int port number or an IANA service name. */
export function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return check(isValidPortNum(v), path, v);
  if (typeof v === 'string') return check(isValidPortName(v), path, v);
  return check(isValidPortNum(0), path, 0);
}

// ---------------------------------------------------------------------------------------------
// Resources

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

/** IsNativeResource: no domain, or a kubernetes.io domain. */
const isNativeResource = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');
/** IsOvercommitAllowed: native and not hugepages. */
const isOvercommitAllowed = (name: string): boolean => isNativeResource(name) && !name.startsWith('hugepages-');

/** Whether a resource must be counted in whole units (object counts, extended resources). */
export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || name.startsWith('count/') || !isNativeResource(name);
}

/** validateResourceName: a qualified name. */
export function validateResourceName(name: string, path: string): FieldError[] {
  return check(isQualifiedName(name), path, name);
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
      errs.push(invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && (name.startsWith('requests.') || name.includes('kubernetes.io'))) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue: parses, non-negative, whole for integer resources. */
export function validateResourceQuantity(name: string, v: unknown, path: string): { q?: Quantity; errs: FieldError[] } {
  const { q, errs } = parseQuantity(v, path);
  if (!q) return { errs };
  if (q.sign() < 0) errs.push(invalid(path, quantityValue(q), IS_NEGATIVE_MSG));
  if (isIntegerResourceName(name) && q.milliValue() % 1000 !== 0) errs.push(invalid(path, quantityValue(q), IS_NOT_INTEGER_MSG));
  return { q, errs };
}

/** ValidateResourceRequirements for a container: valid names and quantities, requests ≤ limits. */
export function validateResourceRequirements(res: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  const limits = new Map<string, Quantity>();
  for (const [name, v] of Object.entries(obj(res['limits']))) {
    const p = key(limPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { q, errs: qErrs } = validateResourceQuantity(name, v, p);
    errs.push(...qErrs);
    if (q) limits.set(name, q);
  }
  for (const [name, v] of Object.entries(obj(res['requests']))) {
    const p = key(reqPath, name);
    errs.push(...validateContainerResourceName(name, p));
    const { q, errs: qErrs } = validateResourceQuantity(name, v, p);
    errs.push(...qErrs);
    if (!q) continue;
    const limit = limits.get(name);
    if (limit) {
      // For non-overcommitable resources requests can't be lower than limits either: they must be equal.
      if (q.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, quantityValue(q), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (q.cmp(limit) > 0) {
        errs.push(invalid(reqPath, quantityValue(q), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Tolerations

/** ValidateTolerations. */
export function validateTolerations(tolerations: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((raw, i) => {
    const t = obj(raw);
    const p = idx(path, i);
    const k = str(t['key']);
    const op = str(t['operator']);
    const value = str(t['value']);
    const effect = str(t['effect']);
    if (k) errs.push(...check(isQualifiedName(k), child(p, 'key'), k));
    if (k === '' && op !== 'Exists') {
      errs.push(invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value) errs.push(invalid(child(p, 'operator'), t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(p, 'operator'), op, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) errs.push(notSupported(child(p, 'effect'), effect, TAINT_EFFECTS));
  });
  return errs;
}

/** validateTaintEffect (for Node taints, where the effect is required). */
export function validateTaintEffect(effect: string, path: string): FieldError[] {
  if (effect === '') return [required(path)];
  return TAINT_EFFECTS.includes(effect) ? [] : [notSupported(path, effect, TAINT_EFFECTS)];
}

// ---------------------------------------------------------------------------------------------
// Templates

/** ValidatePodTemplateSpec: template metadata labels, then the pod spec. */
export function validatePodTemplateSpec(template: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj(template['metadata']);
  if (isObj(meta['labels'])) errs.push(...validateLabels(meta['labels'] as Record<string, string>, child(path, 'metadata', 'labels')));
  errs.push(...validatePodSpec(obj(template['spec']), child(path, 'spec')));
  return errs;
}
