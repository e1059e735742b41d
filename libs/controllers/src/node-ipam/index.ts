// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { NODE_IPAM_CONTROLLER, NodeIpamController, NODES } from './node-ipam-controller';

export { CidrSet, parseIpv4Cidr } from './cidr-set';
export { DEFAULT_CLUSTER_CIDR, NODE_IPAM_CONTROLLER, NodeIpamController, nodeCidr, type NodeIpamControllerDeps } from './node-ipam-controller';

/**
 * The node IPAM controller. Options: clusterCidr (default 10.244.0.0/16),
 * nodeCidrMaskSize (default 24).
 */
export const nodeIpamController: ControllerDescriptor = {
  name: NODE_IPAM_CONTROLLER,
  async start(ctx) {
    const ctrl = new NodeIpamController({
      client: ctx.client,
      nodes: ctx.informers.informerFor<coreV1.NodeJson>(NODES),
      recorder: ctx.recorder(NODE_IPAM_CONTROLLER),
      logger: ctx.logger,
      clusterCidr: typeof ctx.options['clusterCidr'] === 'string' ? ctx.options['clusterCidr'] : undefined,
      nodeMaskSize: typeof ctx.options['nodeCidrMaskSize'] === 'number' ? ctx.options['nodeCidrMaskSize'] : undefined,
    });
    ctrl.run(ctx.signal).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.error({ err, controller: NODE_IPAM_CONTROLLER }, 'controller stopped');
    });
  },
};
