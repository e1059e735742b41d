// SPDX-License-Identifier: Apache-2.0
/**
 * Pod validation on create and update (Kubernetes' ValidatePodCreate / ValidatePodUpdate):
 * a running pod's spec is immutable except for the few fields the kubelet can apply live.
 */
import type { FieldError } from '../errors';
import { inclusiveRangeError } from './names';
import { arr, deepEqual, forbidden, invalid, isObj, num, obj, required, str, type Json } from './field';
import { validatePodSpec, validateTolerations } from './pod-spec';
import { deepCopy } from '../deep-copy';

const MAX_INT32 = 2147483647;

/** The fields a pod update may change, in Kubernetes' wording (joined with ","). */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** The spec checks of a Pod (metadata is checked by the caller). */
export function validatePod(pod: Json): FieldError[] {
  return validatePodSpec(obj(pod['spec']), 'spec');
}

/** ValidatePodUpdate's spec rules: only images, activeDeadlineSeconds, tolerations (added) and grace period may change. */
export function validatePodUpdate(next: Json, prev: Json): FieldError[] {
  const errs = validatePod(next);
  const ns = obj(next['spec']);
  const os = obj(prev['spec']);

  const newCtrs = arr(ns['containers']);
  const oldCtrs = arr(os['containers']);
  if (newCtrs.length !== oldCtrs.length) {
    errs.push(forbidden('spec.containers', 'pod updates may not add or remove containers'));
    return errs;
  }
  newCtrs.forEach((c, i) => {
    const image = str(obj(c)['image']);
    if (image === '') errs.push(required(`spec.containers[${i}].image`));
    if (image.trim().length !== image.length) {
      errs.push(invalid(`spec.containers[${i}].image`, image, 'must not have leading or trailing whitespace'));
    }
  });

  const newAds = num(ns['activeDeadlineSeconds']);
  const oldAds = num(os['activeDeadlineSeconds']);
  if (newAds !== undefined) {
    if (newAds < 0 || newAds > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', newAds, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldAds !== undefined && oldAds < newAds) {
      errs.push(invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldAds !== undefined) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  errs.push(...validateOnlyAddedTolerations(arr(ns['tolerations']), arr(os['tolerations'])));

  if (deepEqual(ns, os)) return errs;

  // Munge the new spec with the old values of the fields that may change, then compare.
  const munged: Json = deepCopy(ns);
  const mungeImages = (f: string): void => {
    const olds = arr(os[f]);
    const news = arr(munged[f]);
    news.forEach((c, i) => {
      if (isObj(c) && i < olds.length) c['image'] = obj(olds[i])['image'];
    });
  };
  mungeImages('containers');
  mungeImages('initContainers');
  setOrDelete(munged, 'activeDeadlineSeconds', os['activeDeadlineSeconds']);
  setOrDelete(munged, 'tolerations', os['tolerations']);
  const oldGrace = num(os['terminationGracePeriodSeconds']);
  if (oldGrace !== undefined && oldGrace < 0 && num(ns['terminationGracePeriodSeconds']) === 1) {
    munged['terminationGracePeriodSeconds'] = oldGrace;
  }
  if (!deepEqual(munged, os)) {
    const diff = describeDiff(os, munged, 'spec');
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`));
  }
  return errs;
}

function setOrDelete(o: Json, k: string, v: unknown): void {
  if (v === undefined) delete o[k];
  else o[k] = v;
}

/** validateOnlyAddedTolerations: existing tolerations may only change their tolerationSeconds. */
function validateOnlyAddedTolerations(next: unknown[], prev: unknown[]): FieldError[] {
  for (const old of prev) {
    const found = next.some((n) => deepEqual({ ...obj(old), tolerationSeconds: obj(n)['tolerationSeconds'] }, n));
    if (!found) return [forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next, 'spec.tolerations');
}

/**
 * A short account of what changed, standing in for the cmp.Diff Kubernetes appends: one
 * "- path: old" / "+ path: new" pair per differing leaf.
 */
function describeDiff(a: unknown, b: unknown, path: string, out: string[] = []): string {
  if (deepEqual(a, b)) return out.join('\n');
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) describeDiff(a[k], b[k], `${path}.${k}`, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => describeDiff(v, b[i], `${path}[${i}]`, out));
  } else {
    out.push(`- ${path}: ${JSON.stringify(a ?? null)}`, `+ ${path}: ${JSON.stringify(b ?? null)}`);
  }
  return out.join('\n');
}
