// SPDX-License-Identifier: Apache-2.0
/**
 * Job and CronJob validation (Kubernetes' pkg/apis/batch/validation), with its messages.
 */
import type { FieldError } from '../errors';
import { labelSelectorFromObject } from '../labels/label-selector';
import { validateLabelSelector } from './object-meta';
import { child, immutable, invalid, isObj, labelsValue, nonNegative, notSupported, num, obj, required, str, type Json } from './field';
import { validatePodTemplateSpec } from './pod-spec';
import { selectorValue } from './workloads';

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** validateJobSpec at `path` ("spec", or "spec.jobTemplate.spec" inside a CronJob). */
export function validateJobSpec(spec: Json, path: string, isCronJobTemplate = false): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    errs.push(...nonNegative(spec[f], child(path, f)));
  }
  const mode = spec['completionMode'];
  if (mode !== undefined && mode !== null) {
    if (!COMPLETION_MODES.includes(str(mode))) errs.push(notSupported(child(path, 'completionMode'), mode, COMPLETION_MODES));
    if (mode === 'Indexed' && num(spec['completions']) === undefined) {
      errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
    }
  }
  const template = obj(spec['template']);
  const sel = spec['selector'];
  // A Job's selector is generated from its uid unless manualSelector is set; a template in a
  // CronJob gets its selector when the Job is created, so neither is required here.
  if (isObj(sel)) {
    errs.push(...validateLabelSelector(sel, child(path, 'selector')));
    let matches = true;
    try {
      matches = labelSelectorFromObject(sel).matches(obj(obj(template['metadata'])['labels']) as Record<string, string>);
    } catch {
      matches = true;
    }
    if (!matches) {
      errs.push(invalid(child(path, 'template', 'metadata', 'labels'), labelsValue(obj(template['metadata'])['labels']), '`selector` does not match template `labels`'));
    }
  } else if (!isCronJobTemplate && spec['manualSelector'] === true) {
    errs.push(required(child(path, 'selector')));
  }
  errs.push(...validatePodTemplateSpec(template, child(path, 'template')));
  const rp = str(obj(template['spec'])['restartPolicy']);
  if (rp !== 'OnFailure' && rp !== 'Never') {
    errs.push(notSupported(child(path, 'template', 'spec', 'restartPolicy'), rp, ['OnFailure', 'Never']));
  }
  return errs;
}

/** ValidateJob. */
export function validateJob(job: Json): FieldError[] {
  return validateJobSpec(obj(job['spec']), 'spec');
}

/** ValidateJobUpdate: selector, completions, completionMode and the template of an unsuspended Job are immutable. */
export function validateJobUpdate(next: Json, prev: Json): FieldError[] {
  const ns = obj(next['spec']);
  const os = obj(prev['spec']);
  const errs = validateJob(next);
  // A selector generated on create counts as set: only a change of a set selector is reported.
  if (os['selector'] !== undefined) errs.push(...immutable(ns['selector'], os['selector'], 'spec.selector', selectorValue));
  errs.push(...immutable(ns['completions'], os['completions'], 'spec.completions'));
  errs.push(...immutable(ns['completionMode'], os['completionMode'], 'spec.completionMode'));
  if (os['suspend'] !== true) {
    errs.push(...immutable(ns['template'], os['template'], 'spec.template'));
  }
  return errs;
}

/** ValidateCronJob. */
export function validateCronJob(cj: Json): FieldError[] {
  const spec = obj(cj['spec']);
  const errs: FieldError[] = [];
  const schedule = str(spec['schedule']);
  if (schedule === '') errs.push(required('spec.schedule'));
  else {
    const err = cronScheduleError(schedule);
    if (err) errs.push(invalid('spec.schedule', schedule, err));
  }
  const cp = str(spec['concurrencyPolicy']);
  if (cp === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(cp)) errs.push(notSupported('spec.concurrencyPolicy', cp, CONCURRENCY_POLICIES));
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    errs.push(...nonNegative(spec[f], `spec.${f}`));
  }
  const jt = obj(spec['jobTemplate']);
  errs.push(...validateJobSpec(obj(jt['spec']), 'spec.jobTemplate.spec', true));
  return errs;
}

const CRON_FIELDS: [string, number, number, Record<string, number>?][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12, { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 }],
  ['day of week', 0, 6, { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 }],
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** The error robfig/cron's standard parser (what Kubernetes uses) reports for a schedule, or undefined. */
export function cronScheduleError(schedule: string): string | undefined {
  let s = schedule.trim();
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const sp = s.indexOf(' ');
    s = sp < 0 ? '' : s.slice(sp + 1).trim();
  }
  if (s.startsWith('@')) {
    if (DESCRIPTORS.has(s) || s.startsWith('@every ')) return undefined;
    return `unrecognized descriptor: ${s}`;
  }
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (let i = 0; i < 5; i++) {
    const [, min, max, names] = CRON_FIELDS[i] as [string, number, number, Record<string, number>?];
    for (const part of (fields[i] as string).split(',')) {
      const err = cronRangeError(part, min, max, names);
      if (err) return err;
    }
  }
  return undefined;
}

function cronRangeError(expr: string, min: number, max: number, names?: Record<string, number>): string | undefined {
  const [rangePart = '', stepPart] = expr.split('/');
  const value = (t: string): number | string => {
    const named = names?.[t.toLowerCase()];
    if (named !== undefined) return named;
    if (!/^[0-9]+$/.test(t)) return `failed to parse int from ${t}: strconv.Atoi: parsing ${JSON.stringify(t)}: invalid syntax`;
    return Number(t);
  };
  let start = min;
  let end = max;
  if (rangePart !== '*' && rangePart !== '?') {
    const bounds = rangePart.split('-');
    if (bounds.length > 2) return `too many hyphens: ${expr}`;
    const a = value(bounds[0] ?? '');
    if (typeof a === 'string') return a;
    start = a;
    end = a;
    if (bounds.length === 2) {
      const b = value(bounds[1] ?? '');
      if (typeof b === 'string') return b;
      end = b;
    }
  }
  if (stepPart !== undefined) {
    const st = value(stepPart);
    if (typeof st === 'string') return st;
    if (st === 0) return `step of range should be a positive number: ${expr}`;
  }
  if (start < min) return `beginning of range (${start}) below minimum (${min}): ${expr}`;
  if (end > max) return `end of range (${end}) above maximum (${max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return undefined;
}
