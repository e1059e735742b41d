// SPDX-License-Identifier: Apache-2.0
import type { ClusterEvent, FilterPlugin, PreFilterPlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Pod } from '../types';

/** Name of the plugin in the registry and configuration. */
export const NODE_NAME = 'NodeName';
/** Reason when the pod asks for another node by spec.nodeName. */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** NodeName: a pod that names a node fits only there. */
export class NodeName implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_NAME;
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd'];
  }
  /** A pod that names no node: nothing to filter. */
  preFilter(_state: unknown, pod: Pod): Status | undefined {
    return pod.spec?.nodeName ? undefined : new Status('Skip');
  }
  filter(_state: unknown, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const want = pod.spec?.nodeName;
    if (!want || want === nodeInfo.name) return undefined;
    return new Status('UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME);
  }
}
