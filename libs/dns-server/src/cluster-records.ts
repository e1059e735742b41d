// SPDX-License-Identifier: Apache-2.0
import type { coreV1, discoveryV1 } from '@berth/api-types';

/** One port of a Service, as DNS sees it (SRV records exist for named ones). */
export interface PortInfo {
  name: string;
  /** TCP, UDP or SCTP. */
  protocol: string;
  port: number;
}

/** A Service as DNS sees it. */
export interface ServiceInfo {
  name: string;
  namespace: string;
  /** ClusterIP (default), NodePort, LoadBalancer or ExternalName. */
  type: string;
  /** The virtual IP; '' or 'None' for headless and ExternalName services. */
  clusterIP: string;
  /** For ExternalName: the name this one is a CNAME of. */
  externalName?: string;
  ports: PortInfo[];
}

/** One backend of a Service (from an EndpointSlice or an Endpoints object). */
export interface EndpointInfo {
  ip: string;
  /** The pod's hostname when its subdomain is the service (headless per-pod names). */
  hostname?: string;
  ready: boolean;
  /** The ports this endpoint serves, by service port name. */
  ports: PortInfo[];
}

/** Whether DNS answers a service's name with its endpoints' IPs (clusterIP None). */
export function isHeadlessService(svc: ServiceInfo): boolean {
  return svc.type !== 'ExternalName' && (svc.clusterIP === 'None' || svc.clusterIP === '');
}

/** The DNS view of a Service object. */
export function serviceInfoFromObject(svc: coreV1.ServiceJson): ServiceInfo {
  return {
    name: svc.metadata?.name ?? '',
    namespace: svc.metadata?.namespace ?? '',
    type: svc.spec?.type || 'ClusterIP',
    clusterIP: svc.spec?.clusterIP ?? '',
    ...(svc.spec?.externalName ? { externalName: svc.spec.externalName } : {}),
    ports: (svc.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol || 'TCP', port: p.port ?? 0 })),
  };
}

/** The endpoints of an EndpointSlice (IPv4 slices only; a missing ready condition means ready). */
export function endpointsFromSlice(slice: discoveryV1.EndpointSliceJson): EndpointInfo[] {
  if (slice.addressType && slice.addressType !== 'IPv4') return [];
  const ports = (slice.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol || 'TCP', port: p.port ?? 0 }));
  const out: EndpointInfo[] = [];
  for (const ep of slice.endpoints ?? []) {
    const ready = ep.conditions?.ready !== false;
    for (const ip of ep.addresses ?? []) out.push({ ip, ...(ep.hostname ? { hostname: ep.hostname } : {}), ready, ports });
  }
  return out;
}

/** The endpoints of a core/v1 Endpoints object (addresses are ready, notReadyAddresses not). */
export function endpointsFromEndpoints(ep: coreV1.EndpointsJson): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  for (const ss of ep.subsets ?? []) {
    const ports = (ss.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol || 'TCP', port: p.port ?? 0 }));
    for (const [list, ready] of [
      [ss.addresses ?? [], true],
      [ss.notReadyAddresses ?? [], false],
    ] as const) {
      for (const a of list) if (a.ip) out.push({ ip: a.ip, ...(a.hostname ? { hostname: a.hostname } : {}), ready, ports });
    }
  }
  return out;
}

/**
 * ClusterRecords is what cluster DNS knows: Services by namespace/name and their endpoints
 * by source (one EndpointSlice, or the Endpoints object), kept up to date incrementally by
 * the informers' handlers. Lookups are by lowercase names; the reverse (PTR) index is
 * rebuilt lazily on the first reverse lookup after a change.
 */
export class ClusterRecords {
  private readonly services = new Map<string, ServiceInfo>();
  /** "namespace/service" → source id → endpoints. */
  private readonly endpoints = new Map<string, Map<string, EndpointInfo[]>>();
  /** namespace → number of services in it. */
  private readonly namespaces = new Map<string, number>();
  private ptr: Map<string, string[]> | undefined;
  private zone = 'cluster.local';
  private version = 0;

  /** Bumped by every change; answers can be cached per version. */
  get generation(): number {
    return this.version;
  }

  upsertService(svc: ServiceInfo): void {
    const key = keyOf(svc.namespace, svc.name);
    if (!this.services.has(key)) this.namespaces.set(svc.namespace.toLowerCase(), (this.namespaces.get(svc.namespace.toLowerCase()) ?? 0) + 1);
    this.services.set(key, svc);
    this.changed();
  }

  deleteService(namespace: string, name: string): void {
    const key = keyOf(namespace, name);
    if (!this.services.delete(key)) return;
    const ns = namespace.toLowerCase();
    const n = (this.namespaces.get(ns) ?? 1) - 1;
    if (n <= 0) this.namespaces.delete(ns);
    else this.namespaces.set(ns, n);
    this.changed();
  }

  /** Sets (or with undefined, removes) the endpoints one source contributes to a service. */
  setEndpoints(namespace: string, service: string, source: string, eps: EndpointInfo[] | undefined): void {
    const key = keyOf(namespace, service);
    let bySource = this.endpoints.get(key);
    if (!eps) {
      if (!bySource?.delete(source)) return;
      if (bySource.size === 0) this.endpoints.delete(key);
    } else {
      if (!bySource) this.endpoints.set(key, (bySource = new Map()));
      bySource.set(source, eps);
    }
    this.changed();
  }

  service(namespace: string, name: string): ServiceInfo | undefined {
    return this.services.get(keyOf(namespace, name));
  }

  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace.toLowerCase());
  }

  /** Every endpoint of a service across its sources, one per IP (ready wins over not ready). */
  endpointsOf(namespace: string, name: string): EndpointInfo[] {
    const bySource = this.endpoints.get(keyOf(namespace, name));
    if (!bySource) return [];
    if (bySource.size === 1) return [...bySource.values()][0] ?? [];
    const byIp = new Map<string, EndpointInfo>();
    for (const list of bySource.values()) {
      for (const ep of list) {
        const prev = byIp.get(ep.ip);
        if (!prev || (!prev.ready && ep.ready)) byIp.set(ep.ip, ep);
      }
    }
    return [...byIp.values()];
  }

  /** The names an IP reverse-resolves to (ClusterIPs and headless services' endpoints), without the trailing dot. */
  reverse(ip: string, zone: string): string[] {
    if (!this.ptr || this.zone !== zone) this.rebuildPtr(zone);
    return this.ptr?.get(ip) ?? [];
  }

  private rebuildPtr(zone: string): void {
    const ptr = new Map<string, string[]>();
    const add = (ip: string, name: string): void => {
      const list = ptr.get(ip);
      if (list) list.push(name);
      else ptr.set(ip, [name]);
    };
    for (const svc of this.services.values()) {
      const base = `${svc.name}.${svc.namespace}.svc.${zone}`.toLowerCase();
      if (svc.type === 'ExternalName') continue;
      if (!isHeadlessService(svc)) {
        add(svc.clusterIP, base);
        continue;
      }
      for (const ep of this.endpointsOf(svc.namespace, svc.name)) {
        if (ep.ready) add(ep.ip, `${endpointLabel(ep)}.${base}`);
      }
    }
    this.ptr = ptr;
    this.zone = zone;
  }

  private changed(): void {
    this.version++;
    this.ptr = undefined;
  }
}

/** An endpoint's label under its headless service: its hostname, else its IP with dashes. */
export function endpointLabel(ep: EndpointInfo): string {
  return (ep.hostname || ep.ip.replaceAll('.', '-')).toLowerCase();
}

function keyOf(namespace: string, name: string): string {
  return `${namespace.toLowerCase()}/${name.toLowerCase()}`;
}
