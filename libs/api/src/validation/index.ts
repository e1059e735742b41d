// SPDX-License-Identifier: Apache-2.0
/**
 * Server-side validation of every kind the API serves: metadata through validateObjectMeta,
 * then the kind's own rules, ported from Kubernetes' validation packages with their
 * messages. Objects are expected to be defaulted first (see ../defaults).
 */
import type { FieldError } from '../errors';
import type { KubeObject } from '../object';
import { validateConfigMap, validateConfigUpdate, validateSecret } from './config';
import { validateLease } from './coordination';
import { validateEndpoints, validateEndpointSlice } from './endpoints';
import { validateEvent } from './events';
import { obj, type Json } from './field';
import { validateCronJob, validateJob, validateJobUpdate } from './jobs';
import { isValidPathSegmentName, nameIsDns1035Label, nameIsDnsLabel, nameIsDnsSubdomain } from './names';
import { validateNamespace } from './namespace';
import { validateIngress, validateIngressClass, validateIngressClassUpdate } from './networking';
import { validateNode } from './node';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta';
import { validatePod, validatePodUpdate } from './pod';
import { validatePodTemplateSpec } from './pod-spec';
import { validateLimitRange, validateResourceQuota } from './policy';
import { validateRole, validateRoleBinding, validateRoleBindingUpdate } from './rbac';
import { validateService, validateServiceUpdate } from './service';
import { validateServiceAccount } from './service-account';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './storage';
import {
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateReplicationController,
  validateStatefulSet,
  validateWorkloadUpdate,
} from './workloads';

/** Options every validation needs: whether the kind lives in a namespace. */
export interface ValidateOptions {
  namespaced: boolean;
}

type NameValidator = (name: string, prefix?: boolean) => string[];

/** How each kind's name is checked (Kubernetes' ValidateXName); DNS subdomain otherwise. */
const NAME_VALIDATORS: Record<string, NameValidator> = {
  Namespace: nameIsDnsLabel,
  Service: nameIsDns1035Label,
  Role: isValidPathSegmentName,
  ClusterRole: isValidPathSegmentName,
  RoleBinding: isValidPathSegmentName,
  ClusterRoleBinding: isValidPathSegmentName,
};

/** The name rule of a kind. */
export function nameValidatorFor(kind: string): NameValidator {
  return NAME_VALIDATORS[kind] ?? nameIsDnsSubdomain;
}

/** The kind's own rules on create (everything but metadata). */
function validateKind(kind: string, o: Json, opts: ValidateOptions): FieldError[] {
  switch (kind) {
    case 'Pod':
      return validatePod(o);
    case 'PodTemplate':
      return validatePodTemplateSpec(obj(o['template']), 'template');
    case 'ReplicaSet':
      return validateReplicaSet(o);
    case 'Deployment':
      return validateDeployment(o);
    case 'StatefulSet':
      return validateStatefulSet(o);
    case 'DaemonSet':
      return validateDaemonSet(o);
    case 'ReplicationController':
      return validateReplicationController(o);
    case 'Job':
      return validateJob(o);
    case 'CronJob':
      return validateCronJob(o);
    case 'Service':
      return validateService(o);
    case 'ConfigMap':
      return validateConfigMap(o);
    case 'Secret':
      return validateSecret(o);
    case 'Namespace':
      return validateNamespace(o);
    case 'Node':
      return validateNode(o);
    case 'Role':
    case 'ClusterRole':
      return validateRole(o, opts.namespaced);
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return validateRoleBinding(o, opts.namespaced);
    case 'PersistentVolume':
      return validatePersistentVolume(o);
    case 'PersistentVolumeClaim':
      return validatePersistentVolumeClaim(o);
    case 'StorageClass':
      return validateStorageClass(o);
    case 'LimitRange':
      return validateLimitRange(o);
    case 'ResourceQuota':
      return validateResourceQuota(o);
    case 'Ingress':
      return validateIngress(o);
    case 'IngressClass':
      return validateIngressClass(o);
    case 'Lease':
      return validateLease(o);
    case 'Event':
      return validateEvent(o);
    case 'ServiceAccount':
      return validateServiceAccount(o);
    case 'Endpoints':
      return validateEndpoints(o);
    case 'EndpointSlice':
      return validateEndpointSlice(o);
    default:
      return [];
  }
}

/** The kind's own rules on update: the create rules on `next` plus what may not change. */
function validateKindUpdate(kind: string, next: Json, prev: Json, opts: ValidateOptions): FieldError[] {
  switch (kind) {
    case 'Pod':
      return validatePodUpdate(next, prev);
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'StatefulSet':
      return [...validateKind(kind, next, opts), ...validateWorkloadUpdate(kind, next, prev)];
    case 'Job':
      return validateJobUpdate(next, prev);
    case 'Service':
      return validateServiceUpdate(next, prev);
    case 'Secret':
    case 'ConfigMap':
      return validateConfigUpdate(kind, next, prev);
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return validateRoleBindingUpdate(next, prev, opts.namespaced);
    case 'PersistentVolume':
      return validatePersistentVolumeUpdate(next, prev);
    case 'PersistentVolumeClaim':
      return validatePersistentVolumeClaimUpdate(next, prev);
    case 'StorageClass':
      return validateStorageClassUpdate(next, prev);
    case 'IngressClass':
      return validateIngressClassUpdate(next, prev);
    default:
      return validateKind(kind, next, opts);
  }
}

/**
 * Validates an object on create: its metadata (name rule per kind, namespace presence per
 * scope, labels, annotations...) and its kind's rules. Returns every problem found, in
 * Kubernetes' order and wording; empty when the object is valid.
 */
export function validateObject(kind: string, o: KubeObject, opts: ValidateOptions): FieldError[] {
  return [
    ...validateObjectMeta(o.metadata ?? {}, { namespaced: opts.namespaced, nameValidator: nameValidatorFor(kind) }, 'metadata'),
    ...validateKind(kind, o as Json, opts),
  ];
}

/**
 * Validates an update of prev into next: metadata update rules (immutable name, namespace,
 * uid...), the kind's rules on next, and the fields the kind does not let change
 * (selectors, a pod's spec, a Service's cluster IP, a claim's spec...).
 */
export function validateObjectUpdate(kind: string, next: KubeObject, prev: KubeObject, opts: ValidateOptions): FieldError[] {
  return [...validateObjectMetaUpdate(next.metadata ?? {}, prev.metadata ?? {}, 'metadata'), ...validateKindUpdate(kind, next as Json, prev as Json, opts)];
}

export { cronScheduleError } from './jobs';
export { UPDATABLE_POD_SPEC_FIELDS } from './pod';
export { MAX_SECRET_SIZE } from './config';
