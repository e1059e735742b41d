// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { cronScheduleError } from './jobs';
import { validateObject, validateObjectUpdate } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;

const podTemplate = (restartPolicy = 'Never'): Json => ({ spec: { restartPolicy, containers: [{ name: 'c', image: 'alpine' }] } });

function job(spec: Json, uid = 'u-1'): KubeObject {
  const o: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid }, spec };
  applyDefaults('Job', o);
  return o;
}
const messages = (o: KubeObject): string[] => validateObject(o.kind ?? '', o, { namespaced: true }).map(fieldErrorMessage);

describe('Job validation', () => {
  test('a valid job gets a generated selector', () => {
    const j = job({ template: podTemplate() });
    assert.deepEqual(messages(j), []);
    assert.deepEqual((j['spec'] as Json)['selector'], { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  });
  test('pods of a job may not restart Always', () =>
    assert.deepEqual(messages(job({ template: podTemplate('Always') })), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']));
  test('counts are not negative', () =>
    assert.deepEqual(messages(job({ parallelism: -1, backoffLimit: -1, template: podTemplate() })), [
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ]));
  test('a manual selector must match the template', () =>
    assert.deepEqual(messages(job({ manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { ...podTemplate(), metadata: { labels: { a: 'c' } } } })), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"a":"c"}: `selector` does not match template `labels`',
    ]));
  test('the selector is immutable', () => {
    const prev = job({ template: podTemplate() });
    const next = structuredClone(prev);
    (next['spec'] as Json)['selector'] = { matchLabels: { a: 'b' } };
    const msgs = validateObjectUpdate('Job', next, prev, { namespaced: true }).map(fieldErrorMessage);
    assert.ok(
      msgs.includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'),
      msgs.join('\n'),
    );
  });
});

describe('CronJob validation', () => {
  const cron = (spec: Json): KubeObject => {
    const o: KubeObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec };
    applyDefaults('CronJob', o);
    return o;
  };
  test('a valid cronjob', () => assert.deepEqual(messages(cron({ schedule: '*/1 * * * *', jobTemplate: { spec: { template: podTemplate() } } })), []));
  test('the schedule is required', () => assert.deepEqual(messages(cron({ jobTemplate: { spec: { template: podTemplate() } } })), ['spec.schedule: Required value']));
  test('a bad schedule', () =>
    assert.deepEqual(messages(cron({ schedule: '61 * * * *', jobTemplate: { spec: { template: podTemplate() } } })), [
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ]));
  test('concurrencyPolicy values', () =>
    assert.deepEqual(messages(cron({ schedule: '@hourly', concurrencyPolicy: 'Sometimes', jobTemplate: { spec: { template: podTemplate() } } })), [
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]));
  test('schedule parser', () => {
    assert.equal(cronScheduleError('0 0 * * MON-FRI'), undefined);
    assert.equal(cronScheduleError('@daily'), undefined);
    assert.equal(cronScheduleError('* * *'), 'expected exactly 5 fields, found 3: [* * *]');
  });
});
