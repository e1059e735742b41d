// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../interface';
import { makePod } from '../testing/builders';
import type { PersistentVolumeClaim } from '../types';
import { VolumeBinding } from './volume-binding';
import { cacheWith } from './test-helpers';

describe('VolumeBinding', () => {
  const pvcs: Record<string, PersistentVolumeClaim> = {
    'default/bound': { metadata: { name: 'bound', namespace: 'default' }, spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } },
    'default/pending': { metadata: { name: 'pending', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } },
  };
  const pl = new VolumeBinding({ cache: cacheWith(), getPvc: (ns, n) => pvcs[`${ns}/${n}`] });
  const cases: Array<[string, ReturnType<typeof makePod>, string]> = [
    ['no claims', makePod('p'), 'Skip:'],
    ['bound claim', makePod('p').pvc('bound'), ''],
    ['unbound claim', makePod('p').pvc('pending'), 'UnschedulableAndUnresolvable:pod has unbound immediate PersistentVolumeClaims'],
    ['missing claim', makePod('p').pvc('nope'), 'UnschedulableAndUnresolvable:persistentvolumeclaim "nope" not found'],
  ];
  for (const [name, pod, want] of cases) {
    test(name, () => {
      const s = pl.preFilter(new CycleState(), pod.obj());
      assert.equal(s ? `${s.code}:${s.message()}` : '', want);
    });
  }
});
