// SPDX-License-Identifier: Apache-2.0
/**
 * PersistentVolume, PersistentVolumeClaim and StorageClass validation (Kubernetes' core and
 * storage validation), on create and update.
 */
import type { FieldError } from '../errors';
import { nameIsDnsSubdomain } from './names';
import { validateLabelSelector } from './object-meta';
import {
  arr,
  check,
  deepEqual,
  FIELD_IMMUTABLE_MSG,
  forbidden,
  invalid,
  IS_NOT_POSITIVE_MSG,
  isObj,
  key,
  notSupported,
  obj,
  parseQuantity,
  required,
  str,
  type Json,
} from './field';
import { validateResourceQuantity, validateVolumeSource, VOLUME_SOURCES } from './pod-spec';
import { deepCopy } from '../deep-copy';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const SC_RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** Sources a PV may use (pod-only sources excluded), plus `local`. */
const PV_SOURCES = [...VOLUME_SOURCES.filter((s) => !['emptyDir', 'gitRepo', 'secret', 'configMap', 'downwardAPI', 'projected', 'persistentVolumeClaim', 'ephemeral', 'image'].includes(s)), 'local'];

function validateAccessModes(modes: unknown[], path: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  if (modes.length === 0) errs.push(required(path, requiredDetail));
  for (const m of modes) if (!ACCESS_MODES.includes(str(m))) errs.push(notSupported(path, m, ACCESS_MODES));
  return errs;
}

/** ValidatePersistentVolume's spec rules. */
export function validatePersistentVolume(pv: Json): FieldError[] {
  const spec = obj(pv['spec']);
  const errs: FieldError[] = [];
  errs.push(...validateAccessModes(arr(spec['accessModes']), 'spec.accessModes', ''));
  const policy = str(spec['persistentVolumeReclaimPolicy']);
  if (!RECLAIM_POLICIES.includes(policy)) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  const capacity = obj(spec['capacity']);
  const names = Object.keys(capacity);
  if (names.length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in capacity) || names.length > 1) errs.push(notSupported('spec.capacity', capacity, ['storage']));
  for (const [r, v] of Object.entries(capacity)) {
    const { q, errs: qErrs } = parseQuantity(v, key('spec.capacity', r));
    errs.push(...qErrs);
    if (q && q.sign() <= 0) errs.push(invalid(key('spec.capacity', r), q.toString(), IS_NOT_POSITIVE_MSG));
  }
  errs.push(...validateVolumeSource(spec, 'spec', PV_SOURCES));
  if (isObj(spec['local'])) {
    const p = str(spec['local']['path']);
    if (p === '') errs.push(required('spec.local.path'));
    if (!isObj(spec['nodeAffinity'])) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  const vm = spec['volumeMode'];
  if (vm !== undefined && vm !== null && !VOLUME_MODES.includes(str(vm))) errs.push(notSupported('spec.volumeMode', vm, VOLUME_MODES));
  const sc = str(spec['storageClassName']);
  if (sc) errs.push(...check(nameIsDnsSubdomain(sc), 'spec.storageClassName', sc));
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source and volumeMode are immutable. */
export function validatePersistentVolumeUpdate(next: Json, prev: Json): FieldError[] {
  const errs = validatePersistentVolume(next);
  const ns = obj(next['spec']);
  const os = obj(prev['spec']);
  const src = (s: Json): Json => Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  if (!deepEqual(src(ns), src(os))) errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  if (!deepEqual(ns['volumeMode'], os['volumeMode'])) errs.push(invalid('spec.volumeMode', ns['volumeMode'] ?? null, FIELD_IMMUTABLE_MSG));
  if (str(os['storageClassName']) !== '' && !deepEqual(ns['storageClassName'], os['storageClassName'])) {
    errs.push(invalid('spec.storageClassName', ns['storageClassName'] ?? '', FIELD_IMMUTABLE_MSG));
  }
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePersistentVolumeClaimSpec(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateAccessModes(arr(spec['accessModes']), `${path}.accessModes`, 'at least 1 access mode is required'));
  if (isObj(spec['selector'])) errs.push(...validateLabelSelector(spec['selector'], `${path}.selector`));
  const requests = obj(obj(spec['resources'])['requests']);
  const storagePath = key(`${path}.resources`, 'storage');
  if (!('storage' in requests)) errs.push(required(storagePath));
  else {
    const { q, errs: qErrs } = parseQuantity(requests['storage'], storagePath);
    errs.push(...qErrs);
    if (q && q.sign() <= 0) errs.push(invalid(storagePath, q.toString(), IS_NOT_POSITIVE_MSG));
    else if (q) errs.push(...validateResourceQuantity('storage', requests['storage'], storagePath).errs);
  }
  const sc = spec['storageClassName'];
  if (typeof sc === 'string' && sc !== '') errs.push(...check(nameIsDnsSubdomain(sc), `${path}.storageClassName`, sc));
  const vm = spec['volumeMode'];
  if (vm !== undefined && vm !== null && !VOLUME_MODES.includes(str(vm))) errs.push(notSupported(`${path}.volumeMode`, vm, VOLUME_MODES));
  return errs;
}

/** ValidatePersistentVolumeClaim. */
export function validatePersistentVolumeClaim(pvc: Json): FieldError[] {
  return validatePersistentVolumeClaimSpec(obj(pvc['spec']), 'spec');
}

/**
 * ValidatePersistentVolumeClaimUpdate: the spec is immutable, except that the binder may set
 * volumeName once and a bound claim may grow its storage request.
 */
export function validatePersistentVolumeClaimUpdate(next: Json, prev: Json): FieldError[] {
  const errs = validatePersistentVolumeClaim(next);
  const ns: Json = deepCopy(obj(next['spec']));
  const os: Json = deepCopy(obj(prev['spec']));
  if (str(os['volumeName']) === '') {
    delete ns['volumeName'];
    delete os['volumeName'];
  }
  // A claim written without storageClassName keeps the one the defaulting admission gave it.
  if (os['storageClassName'] !== undefined && ns['storageClassName'] === undefined) ns['storageClassName'] = os['storageClassName'];
  const bound = str(obj(next['status'])['phase']) === 'Bound';
  const newStorage = obj(obj(ns['resources'])['requests'])['storage'];
  const oldStorage = obj(obj(os['resources'])['requests'])['storage'];
  if (bound) {
    const a = parseQuantity(newStorage, 'x').q;
    const b = parseQuantity(oldStorage, 'x').q;
    if (a && b && a.cmp(b) < 0) errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
    for (const s of [ns, os]) {
      const req = obj(obj(s['resources'])['requests']);
      delete req['storage'];
    }
  }
  if (!deepEqual(ns, os)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

/** ValidateStorageClass. */
export function validateStorageClass(sc: Json): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = str(sc['provisioner']);
  if (provisioner === '') errs.push(required('provisioner'));
  const rp = sc['reclaimPolicy'];
  if (rp !== undefined && rp !== null && !SC_RECLAIM_POLICIES.includes(str(rp))) errs.push(notSupported('reclaimPolicy', rp, SC_RECLAIM_POLICIES));
  const bm = sc['volumeBindingMode'];
  if (bm === undefined || bm === null) errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(str(bm))) errs.push(notSupported('volumeBindingMode', bm, BINDING_MODES));
  return errs;
}

/** ValidateStorageClassUpdate: parameters, provisioner, reclaimPolicy and binding mode are fixed. */
export function validateStorageClassUpdate(next: Json, prev: Json): FieldError[] {
  const errs = validateStorageClass(next);
  if (!deepEqual(next['parameters'], prev['parameters'])) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(next['provisioner']) !== str(prev['provisioner'])) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (!deepEqual(next['reclaimPolicy'], prev['reclaimPolicy'])) errs.push(invalid('reclaimPolicy', next['reclaimPolicy'] ?? null, FIELD_IMMUTABLE_MSG));
  if (!deepEqual(next['volumeBindingMode'], prev['volumeBindingMode'])) {
    errs.push(invalid('volumeBindingMode', next['volumeBindingMode'] ?? null, FIELD_IMMUTABLE_MSG));
  }
  return errs;
}
