// SPDX-License-Identifier: Apache-2.0
/**
 * ObjectMeta validation as Kubernetes' apimachinery does it on create and update
 * (pkg/api/validation/objectmeta.go, apis/meta/v1/validation): names, namespace scope,
 * labels, annotations, owner references and finalizers, and the label selector object.
 * Every function returns FieldErrors with Kubernetes' field paths and wording.
 */
import type { FieldError } from '../errors';
import type { LabelSelector, ObjectMeta, OwnerReference } from '../object';
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue, maskTrailingDash, utf8Length } from './names';

/** Kubernetes' FieldImmutableErrorMsg. */
export const FIELD_IMMUTABLE = 'field is immutable';
/** Kubernetes' TotalAnnotationSizeLimitB: 256 KiB for all annotation keys and values together. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** Label keys must be qualified names and values valid label values (ValidateLabels). */
export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push({ type: 'Invalid', field: path, value: k, detail: msg });
    for (const msg of isValidLabelValue(v)) errs.push({ type: 'Invalid', field: path, value: v, detail: msg });
  }
  return errs;
}

/** Annotation keys are qualified names (case-insensitive) and all of them fit in 256 KiB. */
export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push({ type: 'Invalid', field: path, value: k, detail: msg });
    total += utf8Length(k) + utf8Length(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({ type: 'TooLong', field: path, detail: `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return errs;
}

/** Version of an apiVersion as schema.FromAPIVersionAndKind reads it ('' when unparseable). */
function versionOf(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (apiVersion === '') return { group: '', version: '' };
  if (parts.length === 1) return { group: '', version: parts[0] ?? '' };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return { group: '', version: '' };
}

/** Each owner needs apiVersion, kind, name and uid; Events cannot own; at most one controller. */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  // Kubernetes reports these under the list's path, without an index.
  for (const ref of refs ?? []) {
    const { group, version } = versionOf(ref.apiVersion ?? '');
    const kind = ref.kind ?? '';
    if (!version) errs.push({ type: 'Invalid', field: child(path, 'apiVersion'), value: ref.apiVersion ?? '', detail: 'version must not be empty' });
    if (!kind) errs.push({ type: 'Invalid', field: child(path, 'kind'), value: kind, detail: 'must not be empty' });
    if (!ref.name) errs.push({ type: 'Invalid', field: child(path, 'name'), value: ref.name ?? '', detail: 'must not be empty' });
    if (!ref.uid) errs.push({ type: 'Invalid', field: child(path, 'uid'), value: ref.uid ?? '', detail: 'must not be empty' });
    if (group === '' && version === 'v1' && kind === 'Event') {
      errs.push({ type: 'Invalid', field: path, value: ref, detail: '/v1, Kind=Event is disallowed from being an owner' });
    }
    if (ref.controller === true) {
      const cur = `${kind}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push({
          type: 'Invalid',
          field: path,
          value: refs,
          detail: `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
        });
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}

/** Finalizer names are qualified names; 'orphan' and 'foregroundDeletion' exclude each other. */
export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) {
    for (const msg of isQualifiedName(f)) errs.push({ type: 'Invalid', field: path, value: f, detail: msg });
  }
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push({ type: 'Invalid', field: path, value: finalizers, detail: 'finalizer orphan and foregroundDeletion cannot be both set' });
  }
  return errs;
}

/** Options of validateObjectMeta. */
export interface ObjectMetaOptions {
  /** Whether the kind lives in a namespace (namespace required) or is cluster-scoped (forbidden). */
  namespaced: boolean;
  /** The kind's name check; defaults to a DNS-1123 subdomain. */
  nameValidator?: (name: string) => string[];
}

/**
 * ValidateObjectMeta for create: name (or generateName, when the name is still to be
 * generated) in the kind's format, namespace per scope, generation, labels, annotations,
 * owner references and finalizers.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const nameFn = opts.nameValidator ?? isDns1123Subdomain;
  const errs: FieldError[] = [];
  const name = m.name ?? '';
  const generateName = m.generateName ?? '';

  if (generateName) {
    for (const msg of nameFn(maskTrailingDash(generateName))) {
      errs.push({ type: 'Invalid', field: child(path, 'generateName'), value: generateName, detail: msg });
    }
  }
  if (!name) {
    if (!generateName) errs.push({ type: 'Required', field: child(path, 'name'), detail: 'name or generateName is required' });
  } else {
    for (const msg of nameFn(name)) errs.push({ type: 'Invalid', field: child(path, 'name'), value: name, detail: msg });
  }

  const ns = m.namespace ?? '';
  if (opts.namespaced) {
    if (!ns) errs.push({ type: 'Required', field: child(path, 'namespace') });
    else for (const msg of isDns1123Label(ns)) errs.push({ type: 'Invalid', field: child(path, 'namespace'), value: ns, detail: msg });
  } else if (ns) {
    errs.push({ type: 'Forbidden', field: child(path, 'namespace'), detail: 'not allowed on this type' });
  }

  if (m.generation !== undefined && m.generation < 0) {
    errs.push({ type: 'Invalid', field: child(path, 'generation'), value: m.generation, detail: 'must be greater than or equal to 0' });
  }
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, child(path, 'finalizers')));
  return errs;
}

function immutable(next: unknown, prev: unknown, field: string): FieldError[] {
  return JSON.stringify(next ?? '') === JSON.stringify(prev ?? '') ? [] : [{ type: 'Invalid', field, value: next ?? '', detail: FIELD_IMMUTABLE }];
}

/**
 * ValidateObjectMetaUpdate: name and namespace cannot change; uid, creationTimestamp,
 * deletionTimestamp and deletionGracePeriodSeconds cannot change either, where the update
 * states them (Kubernetes copies the stored values into an update that leaves them out, so
 * only a different value is an error); no new finalizers once deletion started; generation
 * never goes down; labels, annotations and owner references stay valid.
 */
export function validateObjectMetaUpdate(next: ObjectMeta | undefined, prev: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const n = next ?? {};
  const p = prev ?? {};
  const errs: FieldError[] = [];

  if (p.deletionTimestamp) {
    const old = new Set(p.finalizers ?? []);
    const extra = [...new Set((n.finalizers ?? []).filter((f) => !old.has(f)))].sort();
    if (extra.length) {
      errs.push({
        type: 'Forbidden',
        field: child(path, 'finalizers'),
        detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
      });
    }
  }
  if (n.generation !== undefined && p.generation !== undefined && n.generation < p.generation) {
    errs.push({ type: 'Invalid', field: child(path, 'generation'), value: n.generation, detail: 'must not be decremented' });
  }

  errs.push(...immutable(n.name, p.name, child(path, 'name')));
  errs.push(...immutable(n.namespace, p.namespace, child(path, 'namespace')));
  if (n.uid) errs.push(...immutable(n.uid, p.uid, child(path, 'uid')));
  if (n.creationTimestamp !== undefined) errs.push(...immutable(n.creationTimestamp, p.creationTimestamp, child(path, 'creationTimestamp')));
  if (n.deletionTimestamp !== undefined) errs.push(...immutable(n.deletionTimestamp, p.deletionTimestamp, child(path, 'deletionTimestamp')));
  if (n.deletionGracePeriodSeconds !== undefined) {
    errs.push(...immutable(n.deletionGracePeriodSeconds, p.deletionGracePeriodSeconds, child(path, 'deletionGracePeriodSeconds')));
  }

  errs.push(...validateLabels(n.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(n.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(n.ownerReferences, child(path, 'ownerReferences')));
  return errs;
}

/**
 * ValidateLabelSelector (metav1 validation): matchLabels as labels; each matchExpression
 * has a qualified key, a known operator, values for In/NotIn and none for Exists/DoesNotExist.
 */
export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  if (!sel) return [];
  const errs: FieldError[] = [...validateLabels(sel.matchLabels, child(path, 'matchLabels'))];
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    const p = `${child(path, 'matchExpressions')}[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push({ type: 'Required', field: `${p}.values`, detail: "must be specified when `operator` is 'In' or 'NotIn'" });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push({ type: 'Forbidden', field: `${p}.values`, detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        break;
      default:
        errs.push({ type: 'Invalid', field: `${p}.operator`, value: expr.operator ?? '', detail: 'not a valid selector operator' });
    }
    const key = expr.key ?? '';
    for (const msg of isQualifiedName(key)) errs.push({ type: 'Invalid', field: `${p}.key`, value: key, detail: msg });
    values.forEach((v, j) => {
      for (const msg of isValidLabelValue(v)) errs.push({ type: 'Invalid', field: `${p}.values[${j}]`, value: v, detail: msg });
    });
  });
  return errs;
}
