// SPDX-License-Identifier: Apache-2.0
import type { ClusterEvent, CycleState, Handle, PreFilterPlugin } from '../interface';
import { Status } from '../status';
import type { Pod } from '../types';

export const VOLUME_BINDING = 'VolumeBinding';
/** The PreFilter message for a pod whose claims are not bound yet. */
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/**
 * VolumeBinding (placeholder until volumes arrive): pods without PersistentVolumeClaims
 * pass; a pod whose claim is missing or not Bound is rejected for every node until a
 * claim changes. Topology of bound volumes and WaitForFirstConsumer are not modelled.
 */
export class VolumeBinding implements PreFilterPlugin {
  readonly name = VOLUME_BINDING;
  constructor(private readonly handle: Handle) {}

  eventsToRegister(): ClusterEvent[] {
    return ['PvcChange', 'NodeAdd'];
  }

  preFilter(_state: CycleState, pod: Pod): Status | undefined {
    const claims = (pod.spec?.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
    if (claims.length === 0) return new Status('Skip');
    if (!this.handle.getPvc) return new Status('Skip');
    const ns = pod.metadata?.namespace ?? '';
    for (const name of claims) {
      const pvc = this.handle.getPvc(ns, name);
      if (!pvc) return new Status('UnschedulableAndUnresolvable', `persistentvolumeclaim "${name}" not found`);
      if (pvc.metadata?.deletionTimestamp) return new Status('UnschedulableAndUnresolvable', `persistentvolumeclaim "${name}" is being deleted`);
    }
    for (const name of claims) {
      const pvc = this.handle.getPvc(ns, name)!;
      if (pvc.status?.phase !== 'Bound' || !pvc.spec?.volumeName) return new Status('UnschedulableAndUnresolvable', ERR_REASON_UNBOUND_IMMEDIATE);
    }
    return undefined;
  }
}
