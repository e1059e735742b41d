// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { ApiClient } from '@berth/client';
import type { BindPlugin } from '../interface';
import { Status } from '../status';
import { PODS, type Pod } from '../types';

export const DEFAULT_BINDER = 'DefaultBinder';

/** The Binding object the pods/binding subresource takes. */
export function bindingFor(pod: Pod, nodeName: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid: pod.metadata?.uid ?? '' },
    target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
  };
}

/** DefaultBinder: creates pods/binding, which sets spec.nodeName and PodScheduled=True. */
export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;
  constructor(private readonly client: ApiClient | undefined) {}

  async bind(pod: Pod, nodeName: string): Promise<Status | undefined> {
    if (!this.client) return new Status('Error', 'DefaultBinder: no API client');
    try {
      await this.client.create(PODS, pod.metadata?.namespace ?? '', bindingFor(pod, nodeName), { subresource: 'binding' });
      return undefined;
    } catch (err) {
      return new Status('Error', err instanceof Error ? err.message : String(err));
    }
  }
}
