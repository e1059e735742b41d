// SPDX-License-Identifier: Apache-2.0
export {
  compareRoutes,
  desiredRoutes,
  formatCidr,
  parseIpv4,
  parseIpv4Cidr,
  planRoutes,
  type Cidr,
  type DesiredRoutesOptions,
  type Node,
  type Route,
  type RoutePlan,
} from './host-gw-routes';
export { ExecRouteTable, parseIpRouteJson, ROUTE_PROTOCOL, type ExecRouteTableOptions, type RouteTable } from './ip-routes';
export { FakeRouteTable } from './fake-route-table';
export { EGRESS_MASQUERADE_COMMENT, egressMasqueradeArgs, ensureEgressMasquerade, removeEgressMasquerade } from './egress-masquerade';
export {
  cleanupPodNetwork,
  NODES,
  POD_ROUTES_CONTROLLER,
  PodRoutesController,
  podRoutesControllerForThisNode,
  type PodRoutesControllerDeps,
} from './pod-routes-controller';
