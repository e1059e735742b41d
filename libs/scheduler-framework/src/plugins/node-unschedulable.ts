// SPDX-License-Identifier: Apache-2.0
import type { ClusterEvent, FilterPlugin } from '../interface';
import type { NodeInfo } from '../node-info';
import { Status } from '../status';
import type { Pod } from '../types';
import { toleratesTaint } from './tolerations';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
/** Reason for a cordoned node. */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
/** The taint a cordoned node carries; tolerating it lets a pod onto a cordoned node (DaemonSets do). */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** NodeUnschedulable: cordoned nodes (spec.unschedulable) take no new pods unless tolerated. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;
  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUnschedulableChange', 'NodeTaintChange'];
  }
  filter(_state: unknown, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    if (!nodeInfo.node?.spec?.unschedulable) return undefined;
    const taint = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' };
    if ((pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, taint))) return undefined;
    return new Status('UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE);
  }
}
