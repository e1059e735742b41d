// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchedulerConfig, DEFAULT_PLUGINS } from './config';
import { inTreeRegistry } from './registry';

const known = Object.keys(inTreeRegistry());

describe('compileSchedulerConfig', () => {
  test('defaults: kube-scheduler plugins, weights, backoff 1 s → 10 s, 60 s unschedulable flush', () => {
    const c = compileSchedulerConfig({}, known);
    assert.equal(c.schedulerName, 'default-scheduler');
    assert.deepEqual(c.plugins.map((p) => p.name), DEFAULT_PLUGINS.map((p) => p.name));
    assert.equal(c.plugins.find((p) => p.name === 'TaintToleration')?.weight, 3);
    assert.equal(c.podInitialBackoffMs, 1000);
    assert.equal(c.podMaxBackoffMs, 10_000);
    assert.equal(c.podMaxInUnschedulablePodsDurationMs, 60_000);
  });
  test('enable, disable, reweight and pass args', () => {
    const c = compileSchedulerConfig(
      {
        plugins: { enabled: [{ name: 'NodeResourcesFit', weight: 5 }], disabled: [{ name: 'ImageLocality' }] },
        pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
      },
      known,
    );
    assert.equal(c.plugins.find((p) => p.name === 'NodeResourcesFit')?.weight, 5);
    assert.deepEqual(c.plugins.find((p) => p.name === 'NodeResourcesFit')?.args, { scoringStrategy: { type: 'MostAllocated' } });
    assert.ok(!c.plugins.some((p) => p.name === 'ImageLocality'));
  });
  test('"*" disables every default', () => {
    const c = compileSchedulerConfig({ plugins: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeName' }, { name: 'DefaultBinder' }] } }, known);
    assert.deepEqual(c.plugins.map((p) => p.name), ['NodeName', 'DefaultBinder']);
  });
  test('errors name the field', () => {
    assert.throws(() => compileSchedulerConfig({ plugins: { enabled: [{ name: 'Nope' }] } }, known), /plugins.enabled: unknown plugin "Nope"/);
    assert.throws(() => compileSchedulerConfig({ plugins: { enabled: [{ name: 'NodeAffinity', weight: 0 }] } }, known), /weight: must be an integer in 1..100/);
    assert.throws(() => compileSchedulerConfig({ podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 2 }, known), /podMaxBackoffSeconds/);
    assert.throws(() => compileSchedulerConfig({ pluginConfig: [{ name: 'NodeResourcesLeastAllocated', args: {} }] }, known), /not enabled/);
  });
});
