// SPDX-License-Identifier: Apache-2.0
/**
 * Job and CronJob defaults (Kubernetes' pkg/apis/batch/v1/defaults.go), plus the selector
 * a Job gets from its uid when it does not choose its own (the Job strategy's PrepareForCreate).
 */
import { setPodTemplateDefaults } from './pod';
import { ensureObj, isObj, setDefault, type Json } from './util';

/** SetDefaults_Job. */
export function setJobDefaults(job: Json): void {
  const spec = ensureObj(job, 'spec');
  setJobSpecDefaults(spec);
  const template = spec['template'];
  const labels = isObj(template) && isObj(template['metadata']) ? template['metadata']['labels'] : undefined;
  const meta = ensureObj(job, 'metadata');
  if (isObj(labels) && (!isObj(meta['labels']) || Object.keys(meta['labels']).length === 0)) meta['labels'] = { ...labels };
  generateJobSelector(job);
}

/** The JobSpec part of SetDefaults_Job. */
export function setJobSpecDefaults(spec: Json): void {
  // A non-parallel job may leave both unset: both become 1.
  if (spec['completions'] == null && spec['parallelism'] == null) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec['backoffLimitPerIndex'] != null ? 2147483647 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec['podFailurePolicy'] != null ? 'Failed' : 'TerminatingOrFailed');
  setPodTemplateDefaults(spec['template']);
}

/**
 * Gives a Job whose uid is known, and that did not set manualSelector, the selector
 * `batch.kubernetes.io/controller-uid=<uid>` and the matching template labels, as Kubernetes'
 * Job strategy does on create. Jobs without a uid yet are left alone.
 */
export function generateJobSelector(job: Json): void {
  const spec = ensureObj(job, 'spec');
  const meta = ensureObj(job, 'metadata');
  const uid = typeof meta['uid'] === 'string' ? meta['uid'] : '';
  if (spec['manualSelector'] === true || uid === '' || isObj(spec['selector'])) return;
  spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const template = ensureObj(spec, 'template');
  const labels = ensureObj(ensureObj(template, 'metadata'), 'labels');
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  labels['controller-uid'] = uid;
  labels['batch.kubernetes.io/controller-uid'] = uid;
  labels['job-name'] = name;
  labels['batch.kubernetes.io/job-name'] = name;
}

/** SetDefaults_CronJob. */
export function setCronJobDefaults(cj: Json): void {
  const spec = ensureObj(cj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  // Only the pod template is defaulted here: the Job's own defaults apply when the Job is created.
  const jt = ensureObj(spec, 'jobTemplate');
  setPodTemplateDefaults(ensureObj(jt, 'spec')['template']);
}
