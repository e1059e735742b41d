// SPDX-License-Identifier: Apache-2.0
/**
 * The fields a field selector can use, per kind, as Kubernetes' registries expose them
 * (each registry's GetAttrs/ToSelectableFields plus its field-label conversion). Every kind
 * has metadata.name and metadata.namespace; a few have more, such as Pod's status.phase.
 */
import { badRequest } from '../errors';
import type { KubeObject } from '../object';
import type { FieldSelectorMatcher } from './field-selector';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v)) : '0');
const bool = (v: unknown): string => (v === true ? 'true' : 'false');

interface KindFields {
  fields: readonly string[];
  extract(o: KubeObject): Record<string, string>;
}

const KINDS: Record<string, KindFields> = {
  Pod: {
    fields: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
    extract(o) {
      const spec = obj(o.spec);
      const status = obj(o.status);
      const podIPs = Array.isArray(status.podIPs) ? status.podIPs : [];
      return {
        'spec.nodeName': str(spec.nodeName),
        'spec.restartPolicy': str(spec.restartPolicy),
        'spec.schedulerName': str(spec.schedulerName),
        'spec.serviceAccountName': str(spec.serviceAccountName),
        'spec.hostNetwork': bool(spec.hostNetwork),
        'status.phase': str(status.phase),
        // Kubernetes uses the first of podIPs (podIP mirrors it in v1).
        'status.podIP': podIPs.length > 0 ? str(obj(podIPs[0]).ip) : str(status.podIP),
        'status.nominatedNodeName': str(status.nominatedNodeName),
      };
    },
  },
  Node: {
    fields: ['spec.unschedulable'],
    extract: (o) => ({ 'spec.unschedulable': bool(obj(o.spec).unschedulable) }),
  },
  Event: {
    fields: [
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'source',
      'type',
    ],
    extract(o) {
      // core/v1 names first; events.k8s.io/v1 (regarding, reportingController) as fallback.
      const inv = obj(o.involvedObject ?? o.regarding);
      const reporting = str(o.reportingComponent) || str(o.reportingController);
      return {
        'involvedObject.kind': str(inv.kind),
        'involvedObject.namespace': str(inv.namespace),
        'involvedObject.name': str(inv.name),
        'involvedObject.uid': str(inv.uid),
        'involvedObject.apiVersion': str(inv.apiVersion),
        'involvedObject.resourceVersion': str(inv.resourceVersion),
        'involvedObject.fieldPath': str(inv.fieldPath),
        reason: str(o.reason),
        reportingComponent: reporting,
        source: str(obj(o.source ?? o.deprecatedSource).component) || reporting,
        type: str(o.type),
      };
    },
  },
  Secret: { fields: ['type'], extract: (o) => ({ type: str(o.type) }) },
  Namespace: { fields: ['status.phase'], extract: (o) => ({ 'status.phase': str(obj(o.status).phase) }) },
  Service: { fields: [], extract: () => ({}) },
  ReplicaSet: { fields: ['status.replicas'], extract: (o) => ({ 'status.replicas': int(obj(o.status).replicas) }) },
  ReplicationController: { fields: ['status.replicas'], extract: (o) => ({ 'status.replicas': int(obj(o.status).replicas) }) },
  Job: { fields: ['status.successful'], extract: (o) => ({ 'status.successful': int(obj(o.status).succeeded) }) },
};

const META_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

/** The selectable fields of an object of the given kind, with their values as strings. */
export function objectFields(kind: string, o: KubeObject): Record<string, string> {
  const base = { 'metadata.name': o.metadata?.name ?? '', 'metadata.namespace': o.metadata?.namespace ?? '' };
  const k = Object.prototype.hasOwnProperty.call(KINDS, kind) ? KINDS[kind] : undefined;
  return k ? { ...k.extract(o), ...base } : base;
}

/** The field names a field selector may use for the kind. */
export function supportedFields(kind: string): string[] {
  const k = Object.prototype.hasOwnProperty.call(KINDS, kind) ? KINDS[kind] : undefined;
  return [...META_FIELDS, ...(k?.fields ?? [])];
}

/**
 * The error Kubernetes returns for a field the kind does not support: kinds with their own
 * field-label conversion say `field label not supported: foo`; the rest use the default one.
 */
export function unsupportedFieldMessage(kind: string, field: string): string {
  return Object.prototype.hasOwnProperty.call(KINDS, kind)
    ? `field label not supported: ${field}`
    : `${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
}

/** Throws a BadRequest StatusError if the selector uses a field the kind does not support. */
export function assertFieldsSupported(kind: string, selector: FieldSelectorMatcher): void {
  const supported = new Set(supportedFields(kind));
  for (const r of selector.requirements) {
    if (!supported.has(r.field)) throw badRequest(unsupportedFieldMessage(kind, r.field));
  }
}
