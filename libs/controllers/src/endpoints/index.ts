// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { runController } from '../shared/run-controller';
import { PODS } from '../shared/resources';
import { ENDPOINTS_CONTROLLER, EndpointsController } from './endpoints-controller';
import { ENDPOINTS, SERVICES } from './service-pods';

export { computeSubsets, podEndpointAddress, repackSubsets } from './endpoint-subsets';
export {
  canonical,
  ENDPOINTS_CONTROLLER,
  EndpointsController,
  MAX_ENDPOINTS_ADDRESSES,
  OVER_CAPACITY_ANNOTATION,
  sameMap,
  type EndpointsControllerDeps,
} from './endpoints-controller';
export {
  ENDPOINT_SLICES,
  ENDPOINTS,
  findPort,
  hasSelector,
  HEADLESS_LABEL,
  isHeadless,
  podEndpointsChanged,
  podHasEndpoint,
  podsForService,
  SERVICES,
  servicesForPod,
  shouldSetHostname,
} from './service-pods';

/** The Endpoints controller. Options: workers (default 5). */
export const endpointsController: ControllerDescriptor = {
  name: ENDPOINTS_CONTROLLER,
  async start(ctx) {
    const services = ctx.informers.informerFor<coreV1.ServiceJson>(SERVICES);
    const pods = ctx.informers.informerFor<coreV1.PodJson>(PODS);
    const endpoints = ctx.informers.informerFor<coreV1.EndpointsJson>(ENDPOINTS);
    const ctrl = new EndpointsController({ client: ctx.client, services, pods, endpoints, logger: ctx.logger });
    runController({ ctx, name: ENDPOINTS_CONTROLLER, queue: ctrl.queue, sync: (k) => ctrl.sync(k), informers: [services, pods, endpoints], workers: 5 });
  },
};
