// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import type { ControllerDescriptor } from '../shared/controller-descriptor';
import { runController } from '../shared/run-controller';
import { PODS } from '../shared/resources';
import { ENDPOINT_SLICES, SERVICES } from '../endpoints/service-pods';
import { ENDPOINTSLICE_CONTROLLER, EndpointSliceController } from './endpointslice-controller';
import type { EndpointSlice } from './slice-reconciler';

export { ENDPOINTSLICE_CONTROLLER, EndpointSliceController, type EndpointSliceControllerDeps } from './endpointslice-controller';
export {
  DEFAULT_MAX_ENDPOINTS_PER_SLICE,
  endpointKey,
  endpointPorts,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  newSlice,
  ownedBy,
  planSlices,
  podToEndpoint,
  SERVICE_NAME_LABEL,
  sliceLabels,
  type EndpointSlice,
  type SlicePlan,
} from './slice-reconciler';

/** The EndpointSlice controller. Options: workers (default 5), maxEndpointsPerSlice (default 100). */
export const endpointSliceController: ControllerDescriptor = {
  name: ENDPOINTSLICE_CONTROLLER,
  async start(ctx) {
    const services = ctx.informers.informerFor<coreV1.ServiceJson>(SERVICES);
    const pods = ctx.informers.informerFor<coreV1.PodJson>(PODS);
    const slices = ctx.informers.informerFor<EndpointSlice>(ENDPOINT_SLICES);
    const max = ctx.options['maxEndpointsPerSlice'];
    const ctrl = new EndpointSliceController({
      client: ctx.client,
      services,
      pods,
      slices,
      logger: ctx.logger,
      ...(typeof max === 'number' ? { maxEndpointsPerSlice: max } : {}),
    });
    runController({ ctx, name: ENDPOINTSLICE_CONTROLLER, queue: ctrl.queue, sync: (k) => ctrl.sync(k), informers: [services, pods, slices], workers: 5 });
  },
};
