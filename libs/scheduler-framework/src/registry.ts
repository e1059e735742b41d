// SPDX-License-Identifier: Apache-2.0
import type { PluginFactory } from './interface';
import { NodeResourcesBalancedAllocation, NODE_RESOURCES_BALANCED_ALLOCATION } from './plugins/balanced-allocation';
import { DefaultBinder, DEFAULT_BINDER } from './plugins/default-binder';
import { ImageLocality, IMAGE_LOCALITY } from './plugins/image-locality';
import { NodeResourcesLeastAllocated, NODE_RESOURCES_LEAST_ALLOCATED } from './plugins/least-allocated';
import { NodeAffinity, NODE_AFFINITY } from './plugins/node-affinity';
import { NodeName, NODE_NAME } from './plugins/node-name';
import { NodePorts, NODE_PORTS } from './plugins/node-ports';
import { NodeResourcesFit, NODE_RESOURCES_FIT, type NodeResourcesFitArgs } from './plugins/node-resources-fit';
import { NodeUnschedulable, NODE_UNSCHEDULABLE } from './plugins/node-unschedulable';
import { SelectorSpread, SELECTOR_SPREAD } from './plugins/selector-spread';
import { TaintToleration, TAINT_TOLERATION } from './plugins/taint-toleration';
import { VolumeBinding, VOLUME_BINDING } from './plugins/volume-binding';

/** The plugins built into the scheduler, by name (kube-scheduler's in-tree registry). */
export function inTreeRegistry(): Record<string, PluginFactory> {
  return {
    [NODE_NAME]: () => new NodeName(),
    [NODE_UNSCHEDULABLE]: () => new NodeUnschedulable(),
    [NODE_RESOURCES_FIT]: (args) => new NodeResourcesFit(args as NodeResourcesFitArgs | undefined),
    [NODE_RESOURCES_LEAST_ALLOCATED]: () => new NodeResourcesLeastAllocated(),
    [NODE_RESOURCES_BALANCED_ALLOCATION]: () => new NodeResourcesBalancedAllocation(),
    [NODE_AFFINITY]: () => new NodeAffinity(),
    [TAINT_TOLERATION]: () => new TaintToleration(),
    [NODE_PORTS]: () => new NodePorts(),
    [SELECTOR_SPREAD]: (_args, h) => new SelectorSpread(h),
    [IMAGE_LOCALITY]: (_args, h) => new ImageLocality(h),
    [VOLUME_BINDING]: (_args, h) => new VolumeBinding(h),
    [DEFAULT_BINDER]: (_args, h) => new DefaultBinder(h.client),
  };
}
