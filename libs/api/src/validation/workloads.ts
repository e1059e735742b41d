// SPDX-License-Identifier: Apache-2.0
/**
 * Validation of the pod-owning workloads: ReplicaSet, Deployment, StatefulSet, DaemonSet
 * (Kubernetes' pkg/apis/apps/validation) and ReplicationController (core), on create and
 * on update, with Kubernetes' messages.
 */
import type { FieldError } from '../errors';
import { labelSelectorFromObject } from '../labels/label-selector';
import { isValidPercent } from './names';
import { validateLabelSelector } from './object-meta';
import {
  child,
  deepEqual,
  forbidden,
  goLabelSelector,
  goValue,
  immutable,
  invalid,
  isObj,
  labelsValue,
  nonNegative,
  notSupported,
  num,
  obj,
  required,
  str,
  type Json,
} from './field';
import { validatePodTemplateSpec } from './pod-spec';

/** The selector as Kubernetes prints it in "field is immutable" errors. */
export const selectorValue = (sel: unknown): unknown => goValue(goLabelSelector(sel));

const selectorIsEmpty = (sel: Json): boolean =>
  Object.keys(obj(sel['matchLabels'])).length + (Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'].length : 0) === 0;

/** Whether a LabelSelector matches a label set; undefined when the selector can't be parsed. */
function selectorMatches(sel: Json, labels: Record<string, string>): boolean | undefined {
  try {
    return labelSelectorFromObject(sel).matches(labels);
  } catch {
    return undefined;
  }
}

const templateLabels = (template: Json): Record<string, string> => obj(obj(template['metadata'])['labels']) as Record<string, string>;

/**
 * The selector checks shared by ReplicaSet, Deployment and StatefulSet: required, valid,
 * non-empty, and matching the template's labels.
 */
function validateSelectorAndTemplate(spec: Json, what: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec['selector'];
  const template = obj(spec['template']);
  if (!isObj(sel)) {
    errs.push(required(child(path, 'selector')));
  } else {
    errs.push(...validateLabelSelector(sel, child(path, 'selector')));
    if (selectorIsEmpty(sel)) errs.push(invalid(child(path, 'selector'), selectorValue(sel), `empty selector is invalid for ${what}`));
    else if (selectorMatches(sel, templateLabels(template)) === false) {
      errs.push(invalid(child(path, 'template', 'metadata', 'labels'), labelsValue(obj(template['metadata'])['labels']), '`selector` does not match template `labels`'));
    }
  }
  return errs;
}

/** The template checks of controllers whose pods run forever: restartPolicy Always, no deadline. */
function validateTemplateForController(spec: Json, kind: string, path: string): FieldError[] {
  const template = obj(spec['template']);
  const errs = validatePodTemplateSpec(template, child(path, 'template'));
  const tspec = obj(template['spec']);
  const rp = str(tspec['restartPolicy']);
  if (rp !== 'Always' && rp !== '') errs.push(notSupported(child(path, 'template', 'spec', 'restartPolicy'), rp, ['Always']));
  if (tspec['activeDeadlineSeconds'] !== undefined && tspec['activeDeadlineSeconds'] !== null) {
    errs.push(forbidden(child(path, 'template', 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** ValidateReplicaSetSpec. */
export function validateReplicaSet(rs: Json): FieldError[] {
  const spec = obj(rs['spec']);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  // Kubernetes says "deployment" here too: ValidateReplicaSetSpec reuses the Deployment wording.
  errs.push(...validateSelectorAndTemplate(spec, 'deployment', 'spec'));
  errs.push(...validateTemplateForController(spec, 'ReplicaSet', 'spec'));
  return errs;
}

/** ValidateDeploymentSpec. */
export function validateDeployment(d: Json): FieldError[] {
  const spec = obj(d['spec']);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...validateSelectorAndTemplate(spec, 'deployment', 'spec'));
  errs.push(...validateTemplateForController(spec, 'Deployment', 'spec'));
  errs.push(...validateDeploymentStrategy(obj(spec['strategy']), 'spec.strategy'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  const pds = num(spec['progressDeadlineSeconds']);
  if (pds !== undefined) {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (num(spec['minReadySeconds']) ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function validateDeploymentStrategy(strategy: Json, path: string): FieldError[] {
  const type = str(strategy['type']);
  if (type === 'Recreate') {
    return strategy['rollingUpdate'] !== undefined && strategy['rollingUpdate'] !== null
      ? [forbidden(child(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")]
      : [];
  }
  if (type === 'RollingUpdate') {
    if (!isObj(strategy['rollingUpdate'])) return [required(child(path, 'rollingUpdate'), 'this should be defaulted and never be nil')];
    const ru = strategy['rollingUpdate'];
    const p = child(path, 'rollingUpdate');
    const errs = [...validatePositiveIntOrPercent(ru['maxUnavailable'], child(p, 'maxUnavailable')), ...validatePositiveIntOrPercent(ru['maxSurge'], child(p, 'maxSurge'))];
    if (intOrPercentValue(ru['maxUnavailable']) === 0 && intOrPercentValue(ru['maxSurge']) === 0) {
      errs.push(invalid(child(p, 'maxUnavailable'), ru['maxUnavailable'], 'may not be 0 when `maxSurge` is 0'));
    }
    errs.push(...isNotMoreThan100Percent(ru['maxUnavailable'], child(p, 'maxUnavailable')));
    return errs;
  }
  return [notSupported(path, type, ['Recreate', 'RollingUpdate'])];
}

/** ValidatePositiveIntOrPercent: a non-negative int or an 'N%' string. */
export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(path, v, m));
  if (typeof v === 'number') return nonNegative(v, path);
  if (v === undefined || v === null) return [];
  return [invalid(path, v, "must be an integer or percentage (e.g '5%')")];
}

/** getIntOrPercentValue: the number, or the percentage's number; 0 for anything unparsable. */
function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && isValidPercent(v).length === 0) return Number(v.slice(0, -1));
  return 0;
}

/** IsNotMoreThan100Percent. */
export function isNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return [];
  return Number(v.slice(0, -1)) <= 100 ? [] : [invalid(path, v, 'must not be greater than 100%')];
}

/** ValidateStatefulSetSpec. */
export function validateStatefulSet(ss: Json): FieldError[] {
  const spec = obj(ss['spec']);
  const errs: FieldError[] = [];
  const pmp = str(spec['podManagementPolicy']);
  if (pmp === '') errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));

  const us = obj(spec['updateStrategy']);
  const ut = str(us['type']);
  if (ut === '') errs.push(required('spec.updateStrategy'));
  else if (ut === 'OnDelete') {
    if (isObj(us['rollingUpdate'])) errs.push(invalid('spec.updateStrategy.rollingUpdate', us['rollingUpdate'], "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (ut === 'RollingUpdate') {
    if (isObj(us['rollingUpdate'])) {
      const ru = us['rollingUpdate'];
      errs.push(...nonNegative(ru['partition'], 'spec.updateStrategy.rollingUpdate.partition'));
      if (ru['maxUnavailable'] !== undefined) {
        errs.push(...validatePositiveIntOrPercent(ru['maxUnavailable'], 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
        if (intOrPercentValue(ru['maxUnavailable']) === 0) {
          errs.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'], 'cannot be 0'));
        }
        errs.push(...isNotMoreThan100Percent(ru['maxUnavailable'], 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
      }
    }
  } else {
    errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }

  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...validateSelectorAndTemplate(spec, 'statefulset', 'spec'));
  errs.push(...validateTemplateForController(spec, 'StatefulSet', 'spec'));
  return errs;
}

/** The StatefulSet fields an update may change (Kubernetes' ValidateStatefulSetUpdate). */
const STATEFULSET_UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** ValidateDaemonSetSpec. */
export function validateDaemonSet(ds: Json): FieldError[] {
  const spec = obj(ds['spec']);
  const errs: FieldError[] = [];
  const sel = spec['selector'];
  const template = obj(spec['template']);
  if (!isObj(sel)) {
    errs.push(required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (selectorMatches(sel, templateLabels(template)) === false) {
      errs.push(invalid('spec.template.metadata.labels', labelsValue(obj(template['metadata'])['labels']), '`selector` does not match template `labels`'));
    }
    if (selectorIsEmpty(sel)) errs.push(invalid('spec.selector', selectorValue(sel), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validateTemplateForController(spec, 'DaemonSet', 'spec'));
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec['templateGeneration'], 'spec.templateGeneration'));

  const us = obj(spec['updateStrategy']);
  const ut = str(us['type']);
  if (ut === 'RollingUpdate') {
    if (!isObj(us['rollingUpdate'])) errs.push(required('spec.updateStrategy.rollingUpdate'));
    else {
      const ru = us['rollingUpdate'];
      const p = 'spec.updateStrategy.rollingUpdate';
      errs.push(...validatePositiveIntOrPercent(ru['maxUnavailable'], `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru['maxSurge'], `${p}.maxSurge`));
      errs.push(...isNotMoreThan100Percent(ru['maxUnavailable'], `${p}.maxUnavailable`));
      errs.push(...isNotMoreThan100Percent(ru['maxSurge'], `${p}.maxSurge`));
      const hasUnavailable = intOrPercentValue(ru['maxUnavailable']) !== 0;
      const hasSurge = intOrPercentValue(ru['maxSurge']) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalid(`${p}.maxSurge`, ru['maxSurge'], 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (ut !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy', goValue(JSON.stringify(us)), ['RollingUpdate', 'OnDelete']));
  }
  errs.push(...nonNegative(spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit'));
  return errs;
}

/** ValidateReplicationControllerSpec: a map selector, required, matching the template. */
export function validateReplicationController(rc: Json): FieldError[] {
  const spec = obj(rc['spec']);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec['minReadySeconds'], 'spec.minReadySeconds'));
  const sel = obj(spec['selector']) as Record<string, string>;
  if (Object.keys(sel).length === 0) errs.push(required('spec.selector'));
  errs.push(...nonNegative(spec['replicas'], 'spec.replicas'));
  if (!isObj(spec['template'])) {
    errs.push(required('spec.template'));
    return errs;
  }
  const template = spec['template'];
  const labels = templateLabels(template);
  if (Object.keys(sel).length > 0 && !Object.entries(sel).every(([k, v]) => labels[k] === v)) {
    errs.push(invalid('spec.template.metadata.labels', labelsValue(obj(template['metadata'])['labels']), '`selector` does not match template `labels`'));
  }
  errs.push(...validateTemplateForController(spec, 'ReplicationController', 'spec'));
  return errs;
}

/** Update rules: the selector of an apps/v1 workload can't change; a StatefulSet only its listed fields. */
export function validateWorkloadUpdate(kind: string, next: Json, prev: Json): FieldError[] {
  const ns = obj(next['spec']);
  const os = obj(prev['spec']);
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
      return immutable(ns['selector'], os['selector'], 'spec.selector', selectorValue);
    case 'StatefulSet': {
      const a: Json = { ...ns };
      const b: Json = { ...os };
      for (const f of STATEFULSET_UPDATABLE) {
        delete a[f];
        delete b[f];
      }
      return immutableSpec(a, b);
    }
    default:
      return [];
  }
}

function immutableSpec(a: Json, b: Json): FieldError[] {
  if (deepEqual(a, b)) return [];
  return [
    forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}
