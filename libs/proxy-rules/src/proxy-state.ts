// SPDX-License-Identifier: Apache-2.0
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { isIPv4 } from './ip';

/** What the proxy programs: every Service and EndpointSlice it knows (from its informers). */
export interface ProxyState {
  services: readonly coreV1.ServiceJson[];
  endpointSlices: readonly discoveryV1.EndpointSliceJson[];
}

/** The label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Default ClientIP affinity timeout (3 hours), as in Kubernetes. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/** One backend of a service port, as the rules use it. */
export interface Endpoint {
  ip: string;
  port: number;
  /** "ip:port". */
  endpoint: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

/** One port of one service, with what the rules need to know about it. */
export interface ServicePort {
  /** "<namespace>/<name>" or "<namespace>/<name>:<port name>": kube-proxy's ServicePortName. */
  name: string;
  namespace: string;
  serviceName: string;
  portName: string;
  /** Lower case: tcp, udp or sctp. */
  protocol: string;
  clusterIP: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout in seconds, or undefined for sessionAffinity None. */
  affinitySeconds?: number;
  /** Every endpoint the slices list for this port, ready or not, in a stable order. */
  endpoints: Endpoint[];
}

/**
 * ServicePortsCache lets servicePorts reuse the ports of a service whose Service object and
 * EndpointSlice objects are the very same (by reference) as last time: informer caches
 * replace an object on every change, so an unchanged service costs a lookup, not a
 * recomputation, and its ServicePort objects stay identical for the rule builders.
 */
export class ServicePortsCache {
  entries = new Map<string, { svc: coreV1.ServiceJson; slices: readonly discoveryV1.EndpointSliceJson[]; ports: ServicePort[] }>();
}

function sameSlices(a: readonly discoveryV1.EndpointSliceJson[], b: readonly discoveryV1.EndpointSliceJson[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const NO_SLICES: discoveryV1.EndpointSliceJson[] = [];

/**
 * Turns Services and EndpointSlices into service ports with their endpoints. Headless and
 * ExternalName services have no virtual IP and are left out. Endpoints are matched to a
 * service port by port name and protocol (the EndpointSlice controller has already resolved
 * named targetPorts into numbers per pod), and deduplicated by ip:port across slices.
 */
export function servicePorts(state: ProxyState, cache?: ServicePortsCache): ServicePort[] {
  const slicesByService = new Map<string, discoveryV1.EndpointSliceJson[]>();
  for (const slice of state.endpointSlices) {
    const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (slice.addressType && slice.addressType !== 'IPv4')) continue;
    const key = `${slice.metadata?.namespace ?? 'default'}/${svc}`;
    const list = slicesByService.get(key);
    if (list) list.push(slice);
    else slicesByService.set(key, [slice]);
  }
  const out: ServicePort[] = [];
  // Plain code-unit order: localeCompare is far too slow for 10,000 services per sync.
  const services = [...state.services]
    .map((s) => [keyOf(s), s] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, s]) => s);
  const entries = cache ? new Map<string, { svc: coreV1.ServiceJson; slices: readonly discoveryV1.EndpointSliceJson[]; ports: ServicePort[] }>() : undefined;
  for (const svc of services) {
    const namespace = svc.metadata?.namespace ?? 'default';
    const serviceName = svc.metadata?.name ?? '';
    const key = `${namespace}/${serviceName}`;
    const slices = slicesByService.get(key) ?? NO_SLICES;
    const cached = cache?.entries.get(key);
    if (cached && cached.svc === svc && sameSlices(cached.slices, slices)) {
      entries?.set(key, cached);
      for (const p of cached.ports) out.push(p);
      continue;
    }
    const first = out.length;
    portsOf(svc, namespace, serviceName, slices, out);
    entries?.set(key, { svc, slices, ports: out.slice(first) });
  }
  if (cache && entries) cache.entries = entries;
  return out;
}

/** Appends the ports of one service to `out`. */
function portsOf(
  svc: coreV1.ServiceJson,
  namespace: string,
  serviceName: string,
  slices: readonly discoveryV1.EndpointSliceJson[],
  out: ServicePort[],
): void {
  const spec = svc.spec ?? {};
  const clusterIP = spec.clusterIP ?? '';
  if (spec.type === 'ExternalName' || clusterIP === 'None' || !isIPv4(clusterIP)) return;
  const affinitySeconds =
    spec.sessionAffinity === 'ClientIP'
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS)
      : undefined;
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const loadBalancerIPs =
    spec.type === 'LoadBalancer'
      ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isIPv4)
      : [];
  for (const p of spec.ports ?? []) {
    if (p.port === undefined) continue;
    const portName = p.name ?? '';
    const protocol = (p.protocol ?? 'TCP').toLowerCase();
    out.push({
      name: `${namespace}/${serviceName}${portName ? `:${portName}` : ''}`,
      namespace,
      serviceName,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      ...((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort ? { nodePort: p.nodePort } : {}),
      externalIPs,
      loadBalancerIPs,
      ...(affinitySeconds !== undefined ? { affinitySeconds } : {}),
      endpoints: endpointsFor(slices, portName, protocol),
    });
  }
}

function keyOf(svc: coreV1.ServiceJson): string {
  return `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
}

function endpointsFor(slices: readonly discoveryV1.EndpointSliceJson[], portName: string, protocol: string): Endpoint[] {
  const byEndpoint = new Map<string, Endpoint>();
  for (const slice of slices) {
    const port = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP').toLowerCase() === protocol,
    );
    if (port?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!isIPv4(ip)) continue;
      // Unset conditions mean ready/serving (the API's documented defaults); terminating defaults to false.
      const ready = ep.conditions?.ready ?? true;
      const serving = ep.conditions?.serving ?? ready;
      const terminating = ep.conditions?.terminating ?? false;
      const endpoint = `${ip}:${port.port}`;
      if (byEndpoint.has(endpoint)) continue;
      byEndpoint.set(endpoint, {
        ip,
        port: port.port,
        endpoint,
        ready,
        serving,
        terminating,
        ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      });
    }
  }
  // Sorted so that the rules (and so the chains' contents) do not depend on slice order.
  return [...byEndpoint.values()].sort((a, b) => compareEndpoints(a, b));
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}

/**
 * The endpoints traffic goes to: the ready ones; when there are none, the ones still serving
 * while terminating (kube-proxy's fallback, so a rolling update's last old pod keeps
 * answering until a new one is ready).
 */
export function usableEndpoints(sp: ServicePort): Endpoint[] {
  const ready = sp.endpoints.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return sp.endpoints.filter((e) => e.serving && e.terminating);
}
