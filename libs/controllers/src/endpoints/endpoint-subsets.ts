// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { isPodReady } from '../shared/pod-utils';
import { findPort, isHeadless, podHasEndpoint, shouldSetHostname } from './service-pods';

type Service = coreV1.ServiceJson;
type Pod = coreV1.PodJson;
type Subset = coreV1.EndpointSubsetJson;
type Address = coreV1.EndpointAddressJson;
type Port = coreV1.EndpointPortJson;

/** The address of one pod in a service's Endpoints (podToEndpointAddressForService). */
export function podEndpointAddress(pod: Pod, svc: Service): Address {
  const addr: Address = {
    ip: pod.status?.podIP ?? '',
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec?.hostname ?? '';
  return addr;
}

/**
 * The Endpoints subsets of a service over the pods its selector matches, as Kubernetes'
 * endpoints controller computes them: pods without an IP, finished pods and (unless the
 * service publishes not-ready addresses) terminating pods are left out; ready pods are
 * `addresses`, the others `notReadyAddresses` (all of them `addresses` with
 * publishNotReadyAddresses); each service port is resolved per pod, and a pod lacking a
 * named port is left out of that port's subset. A headless service without ports lists its
 * addresses with no ports. The result is repacked (see repackSubsets).
 */
export function computeSubsets(svc: Service, pods: Pod[]): Subset[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const ports = svc.spec?.ports ?? [];
  const subsets: Subset[] = [];
  for (const pod of pods) {
    if (!podHasEndpoint(pod)) continue;
    if (!tolerateUnready && pod.metadata?.deletionTimestamp) continue;
    const addr = podEndpointAddress(pod, svc);
    const ready = tolerateUnready || isPodReady(pod);
    const add = (epPorts: Port[]): void => {
      subsets.push(ready ? { addresses: [addr], ports: epPorts } : { notReadyAddresses: [addr], ports: epPorts });
    };
    if (ports.length === 0) {
      if (isHeadless(svc)) add([]);
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      add([{ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol || 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) }]);
    }
  }
  return repackSubsets(subsets);
}

/**
 * Regroups subsets so that every group of addresses offering the same set of ports is one
 * subset (endpoints.RepackSubsets): ports map to the addresses that offer them, equal
 * address sets are merged and their ports collected. An address ready for a port in any
 * input subset is ready for it. Addresses with no ports are kept (under no ports).
 *
 * The order is deterministic (addresses by IP then pod uid, ports by name then number,
 * subsets by their first address): Kubernetes orders by hashes, which is as arbitrary but
 * not reproducible here, and a stable order is what makes "update only when changed" work.
 */
export function repackSubsets(subsets: Subset[]): Subset[] {
  const NO_PORT = '\u0000';
  const allAddrs = new Map<string, Address>();
  // port key → (address key → ready)
  const portAddrs = new Map<string, Map<string, boolean>>();
  const portOf = new Map<string, Port>();
  const note = (addr: Address, portKey: string, ready: boolean): void => {
    const ak = addressKey(addr);
    if (!allAddrs.has(ak)) allAddrs.set(ak, addr);
    let set = portAddrs.get(portKey);
    if (!set) portAddrs.set(portKey, (set = new Map()));
    if (set.get(ak) !== true) set.set(ak, ready);
  };
  for (const ss of subsets) {
    const ports = ss.ports ?? [];
    const keys = ports.length === 0 ? [NO_PORT] : ports.map((p) => {
      const k = JSON.stringify([p.name ?? '', p.port ?? 0, p.protocol ?? '', p.appProtocol ?? '']);
      portOf.set(k, p);
      return k;
    });
    for (const k of keys) {
      for (const a of ss.addresses ?? []) note(a, k, true);
      for (const a of ss.notReadyAddresses ?? []) note(a, k, false);
    }
  }
  // address-set signature → ports offered by exactly that set
  const groups = new Map<string, { set: Map<string, boolean>; ports: Port[] }>();
  for (const [pk, set] of portAddrs) {
    const sig = JSON.stringify([...set].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { set, ports: [] }));
    const port = portOf.get(pk);
    if (port) g.ports.push(port);
  }
  const out: Subset[] = [];
  for (const g of groups.values()) {
    const ready: Address[] = [];
    const notReady: Address[] = [];
    for (const [ak, r] of g.set) (r ? ready : notReady).push(allAddrs.get(ak) as Address);
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    const ss: Subset = {};
    if (ready.length) ss.addresses = ready;
    if (notReady.length) ss.notReadyAddresses = notReady;
    if (g.ports.length) ss.ports = g.ports.sort(comparePorts);
    out.push(ss);
  }
  return out.sort((a, b) => {
    const ka = subsetSortKey(a);
    const kb = subsetSortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function addressKey(a: Address): string {
  return `${a.ip ?? ''}/${a.targetRef?.uid ?? ''}`;
}

/** Orders IPs numerically (10.0.0.9 before 10.0.0.10), then by pod uid. */
function compareAddresses(a: Address, b: Address): number {
  const d = ipOrder(a.ip ?? '') - ipOrder(b.ip ?? '');
  if (d !== 0 && !Number.isNaN(d)) return d;
  const ka = addressKey(a);
  const kb = addressKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function comparePorts(a: Port, b: Port): number {
  const na = a.name ?? '';
  const nb = b.name ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  if ((a.port ?? 0) !== (b.port ?? 0)) return (a.port ?? 0) - (b.port ?? 0);
  return (a.protocol ?? '') < (b.protocol ?? '') ? -1 : (a.protocol ?? '') > (b.protocol ?? '') ? 1 : 0;
}

function subsetSortKey(ss: Subset): string {
  const first = ss.addresses?.[0] ?? ss.notReadyAddresses?.[0];
  const ip = first ? ipOrder(first.ip ?? '') : 0;
  return `${String(ip).padStart(12, '0')}|${first ? addressKey(first) : ''}|${JSON.stringify(ss.ports ?? [])}`;
}

function ipOrder(ip: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return 0;
  return ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]);
}
