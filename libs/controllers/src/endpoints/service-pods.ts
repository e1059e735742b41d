// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { objectKey, selectorFromSet } from '@berth/api';
import type { Lister, ResourceType } from '@berth/client';

/** The resource types the endpoints controllers read and write. */
export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };
export const ENDPOINTS: ResourceType = { group: '', version: 'v1', resource: 'endpoints' };
export const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

/** Label on a headless Service's Endpoints and EndpointSlices (v1.IsHeadlessService). */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

type Service = coreV1.ServiceJson;
type Pod = coreV1.PodJson;
type ServicePort = coreV1.ServicePortJson;

/**
 * Whether the service selects pods. A Service without a selector (the `kubernetes` Service,
 * or one whose endpoints are managed by hand) is left alone by both controllers.
 */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/** clusterIP: None. */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * The container port a service port reaches on one pod (podutil.FindPort): a number is used
 * as is; a name is looked up in the pod's containers' ports with the same protocol, so pods
 * that call the port differently get different numbers, and a pod without it gets none.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target > 0 ? target : port.port;
  if (typeof target !== 'string' || target === '') return port.port;
  // FakeApi and hand-written objects may carry "8080" as a string; the apiserver would not.
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol || 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol || 'TCP') === protocol && p.containerPort) return p.containerPort;
    }
  }
  return undefined;
}

/**
 * Whether the pod's DNS hostname belongs in the service's endpoints: the pod sets
 * spec.hostname and its spec.subdomain names this service (endpointutil.ShouldSetHostname).
 */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/**
 * Whether a pod can be an endpoint at all: it has an IP and has not finished
 * (a Succeeded or Failed pod never serves again).
 */
export function podHasEndpoint(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.status?.podIP && phase !== 'Succeeded' && phase !== 'Failed';
}

/** The pods of the service's namespace that its selector matches. */
export function podsForService(pods: Lister<Pod>, svc: Service): Pod[] {
  const sel = selectorFromSet(svc.spec?.selector);
  return pods.listByNamespace(svc.metadata?.namespace ?? '').filter((p) => sel.matches(p.metadata?.labels));
}

/** Keys of the services (with selectors) in the pod's namespace that select it. */
export function servicesForPod(services: Lister<Service>, pod: Pod): string[] {
  return services
    .listByNamespace(pod.metadata?.namespace ?? '')
    .filter((s) => hasSelector(s) && selectorFromSet(s.spec?.selector).matches(pod.metadata?.labels))
    .map((s) => objectKey(s));
}

/**
 * Whether an update of a pod can change any service's endpoints: its IP, readiness,
 * deletion, labels, node, hostname/subdomain, phase or container ports changed.
 */
export function podEndpointsChanged(oldPod: Pod, newPod: Pod): boolean {
  const view = (p: Pod): string =>
    JSON.stringify([
      p.status?.podIP,
      p.status?.phase,
      (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status,
      !!p.metadata?.deletionTimestamp,
      p.metadata?.labels,
      p.spec?.nodeName,
      p.spec?.hostname,
      p.spec?.subdomain,
      (p.spec?.containers ?? []).map((c) => c.ports),
    ]);
  return view(oldPod) !== view(newPod);
}
