// SPDX-License-Identifier: Apache-2.0
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { isPodReady } from '../shared/pod-utils';
import { canonical, sameMap } from '../endpoints/endpoints-controller';
import { findPort, HEADLESS_LABEL, isHeadless, podHasEndpoint, shouldSetHostname } from '../endpoints/service-pods';
import { deepCopy } from '@berth/api';

/** Label naming the Service a slice belongs to (discovery.LabelServiceName). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Label naming the controller that manages a slice (discovery.LabelManagedBy). */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** This controller's value of MANAGED_BY_LABEL, as Kubernetes'. */
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Kubernetes' default --max-endpoints-per-slice. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

type Service = coreV1.ServiceJson;
type Pod = coreV1.PodJson;
export type EndpointSlice = discoveryV1.EndpointSliceJson;
type Endpoint = discoveryV1.EndpointJson;
type Port = discoveryV1.EndpointPortJson;

/** What to write to make a service's slices what they should be: creates, then updates, then deletes. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/**
 * One pod as a slice endpoint (podToEndpoint): ready when the pod is ready and not
 * terminating (or the service publishes not-ready addresses), serving when ready even while
 * terminating, terminating when it has a deletionTimestamp.
 */
export function podToEndpoint(pod: Pod, svc: Service): Endpoint {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const serving = publish || isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ep: Endpoint = {
    addresses: [pod.status?.podIP ?? ''],
    conditions: { ready: publish || (serving && !terminating), serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec?.hostname ?? '';
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  return ep;
}

/** The service's ports as they are on one pod (getEndpointPorts); ports the pod lacks are left out. */
export function endpointPorts(svc: Service, pod: Pod): Port[] {
  const out: Port[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', protocol: sp.protocol || 'TCP', port, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : (a.port ?? 0) - (b.port ?? 0)));
}

/** The labels every slice of the service carries (setEndpointSliceLabels). */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** Identity of an endpoint across syncs: the pod and its addresses (a changed IP is a new endpoint). */
export function endpointKey(ep: Endpoint): string {
  return `${ep.targetRef?.namespace ?? ''}/${ep.targetRef?.name ?? ''}|${(ep.addresses ?? []).join(',')}`;
}

function portsKey(ports: Port[] | undefined): string {
  return canonical(
    [...(ports ?? [])]
      .map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0, appProtocol: p.appProtocol ?? '' }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port)),
  );
}

/** A new, empty slice of the service (names come from generateName: `<service>-<5 random>`). */
export function newSlice(svc: Service, ports: Port[]): EndpointSlice {
  const name = svc.metadata?.name ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      // generateName + 5 random characters must stay a valid 63-character name.
      generateName: `${name.slice(0, 57)}-`,
      namespace: svc.metadata?.namespace ?? '',
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports,
  };
}

/** Whether the slice is controlled by this Service object (not by an earlier one of the same name). */
export function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'Service' && r.uid === svc.metadata?.uid);
}

/**
 * Plans the EndpointSlices of a service (the endpointslice reconciler, for addressType
 * IPv4): pods are grouped by the ports they resolve to (one set of slices per distinct port
 * list), at most `maxPerSlice` endpoints a slice. Churn is kept low as in Kubernetes:
 * existing slices keep the endpoints they have and are updated in place when one of them
 * changed or went; new endpoints first fill slices that are being updated anyway, then
 * full new slices, and a remainder goes into the fullest unchanged slice with room before
 * a new slice is made; a slice about to be deleted is reused instead of creating another;
 * and a service with no endpoints keeps exactly one empty placeholder slice.
 *
 * `existing` are the slices that carry this service's labels and are managed by this
 * controller; those owned by another object (an earlier Service of the same name) go.
 */
export function planSlices(svc: Service, pods: Pod[], existing: EndpointSlice[], maxPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const labels = sliceLabels(svc);
  // portsKey → the endpoints that want those ports
  const desired = new Map<string, { ports: Port[]; endpoints: Map<string, Endpoint> }>();
  let total = 0;
  const sorted = [...pods].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  for (const pod of sorted) {
    if (!podHasEndpoint(pod) || (pod.status?.podIP ?? '').includes(':')) continue;
    // A pod offering none of the ports still gets an endpoint, in a slice without ports, as in Kubernetes.
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let group = desired.get(key);
    if (!group) desired.set(key, (group = { ports, endpoints: new Map() }));
    const ep = podToEndpoint(pod, svc);
    group.endpoints.set(endpointKey(ep), ep);
    total++;
  }

  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const unchanged: EndpointSlice[] = [];
  for (const slice of existing) {
    if (!ownedBy(slice, svc)) {
      plan.delete.push(slice);
      continue;
    }
    const group = desired.get(portsKey(slice.ports));
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const k = endpointKey(ep);
      const want = group?.endpoints.get(k);
      if (!want) {
        changed = true;
        continue;
      }
      // Placed: an endpoint listed twice is dropped from the later slice.
      group?.endpoints.delete(k);
      kept.push(want);
      if (canonical(want) !== canonical(ep)) changed = true;
    }
    if (kept.length === 0) plan.delete.push(slice);
    else if (changed || !sameMap(slice.metadata?.labels ?? {}, labels)) plan.update.push(withEndpoints(slice, labels, kept));
    else unchanged.push(slice);
  }

  for (const [key, group] of desired) {
    const remaining = [...group.endpoints.values()];
    if (remaining.length === 0) continue;
    // 1. Slices that are written anyway take what fits.
    for (const slice of plan.update) {
      if (portsKey(slice.ports) !== key) continue;
      const eps = (slice.endpoints ??= []);
      while (eps.length < maxPerSlice && remaining.length > 0) eps.push(remaining.shift() as Endpoint);
    }
    // 2. Full new slices.
    while (remaining.length >= maxPerSlice) plan.create.push(withEndpoints(newSlice(svc, group.ports), labels, remaining.splice(0, maxPerSlice)));
    if (remaining.length === 0) continue;
    // 3. The remainder into the fullest unchanged slice it fits in, or one more new slice.
    const fits = unchanged
      .filter((s) => portsKey(s.ports) === key && (s.endpoints?.length ?? 0) + remaining.length <= maxPerSlice)
      .sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0))[0];
    if (fits) {
      unchanged.splice(unchanged.indexOf(fits), 1);
      plan.update.push(withEndpoints(fits, labels, [...(fits.endpoints ?? []), ...remaining]));
    } else {
      plan.create.push(withEndpoints(newSlice(svc, group.ports), labels, remaining));
    }
  }

  // A service without endpoints keeps one empty placeholder slice, so readers can tell
  // "processed, nothing ready" from "not processed yet".
  if (total === 0 && plan.create.length === 0 && plan.update.length === 0 && unchanged.length === 0) {
    const placeholder = withEndpoints(newSlice(svc, []), labels, []);
    const reuse = plan.delete.find((s) => ownedBy(s, svc));
    if (reuse) {
      plan.delete.splice(plan.delete.indexOf(reuse), 1);
      const isPlaceholder = (reuse.endpoints ?? []).length === 0 && (reuse.ports ?? []).length === 0 && sameMap(reuse.metadata?.labels ?? {}, labels);
      if (!isPlaceholder) plan.update.push({ ...withEndpoints(reuse, labels, []), ports: [] });
    } else {
      plan.create.push(placeholder);
    }
    return plan;
  }

  // Reuse slices about to be deleted for slices about to be created: one update instead of
  // a create and a delete.
  const reusable = plan.delete.filter((s) => ownedBy(s, svc));
  while (plan.create.length > 0 && reusable.length > 0) {
    const fresh = plan.create.shift() as EndpointSlice;
    const old = reusable.shift() as EndpointSlice;
    plan.delete.splice(plan.delete.indexOf(old), 1);
    plan.update.push({ ...withEndpoints(old, labels, fresh.endpoints ?? []), ports: fresh.ports ?? [] });
  }
  return plan;
}

function withEndpoints(slice: EndpointSlice, labels: Record<string, string>, endpoints: Endpoint[]): EndpointSlice {
  const copy = deepCopy(slice);
  copy.metadata = { ...copy.metadata, labels: { ...labels } };
  copy.endpoints = endpoints;
  return copy;
}
