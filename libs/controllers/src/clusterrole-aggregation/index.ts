// SPDX-License-Identifier: Apache-2.0
import type { ControllerContext, ControllerDescriptor } from '../shared/controller-descriptor';
import { runController } from '../shared/run-controller';
import { CLUSTER_ROLES, CLUSTERROLE_AGGREGATION_CONTROLLER, ClusterRoleAggregationController, type ClusterRole } from './clusterrole-aggregation-controller';

export {
  aggregatedRules,
  CLUSTER_ROLES,
  CLUSTERROLE_AGGREGATION_CONTROLLER,
  ClusterRoleAggregationController,
  isAggregated,
  ruleKey,
  rulesEqual,
  type ClusterRole,
  type ClusterRoleAggregationControllerDeps,
} from './clusterrole-aggregation-controller';

/**
 * The ClusterRole aggregation controller: the rules of every ClusterRole with an
 * aggregationRule are those of the ClusterRoles its selectors match. Options: workers
 * (default 5, kube-controller-manager's fixed number for this controller).
 */
export const clusterRoleAggregationController: ControllerDescriptor = {
  name: CLUSTERROLE_AGGREGATION_CONTROLLER,
  async start(ctx: ControllerContext): Promise<void> {
    const clusterRoles = ctx.informers.informerFor<ClusterRole>(CLUSTER_ROLES);
    const c = new ClusterRoleAggregationController({ client: ctx.client, clusterRoles, logger: ctx.logger });
    runController({ ctx, name: CLUSTERROLE_AGGREGATION_CONTROLLER, queue: c.queue, sync: (k) => c.sync(k), informers: [clusterRoles], workers: 5 });
  },
};
