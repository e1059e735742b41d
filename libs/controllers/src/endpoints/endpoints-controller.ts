// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { isNotFound, objectKey, splitObjectKey, deepCopy } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type SharedInformer } from '@berth/client';
import { computeSubsets } from './endpoint-subsets';
import { ENDPOINTS, HEADLESS_LABEL, hasSelector, isHeadless, podEndpointsChanged, podsForService, servicesForPod } from './service-pods';

/** The controller's name (--controllers, logs). */
export const ENDPOINTS_CONTROLLER = 'endpoints-controller';
/** Set when the Endpoints were cut to MAX_ENDPOINTS_ADDRESSES (endpoints.kubernetes.io/over-capacity). */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** At most this many addresses (ready first) go into one Endpoints object, as in Kubernetes. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;

type Service = coreV1.ServiceJson;
type Pod = coreV1.PodJson;
type Endpoints = coreV1.EndpointsJson;

export interface EndpointsControllerDeps {
  client: ApiClient;
  services: SharedInformer<Service>;
  pods: SharedInformer<Pod>;
  endpoints: SharedInformer<Endpoints>;
  logger?: ClientLogger;
}

/**
 * Keeps an Endpoints object beside every Service that has a selector, as Kubernetes'
 * endpoints controller (pkg/controller/endpoint): same name and namespace, the Service's
 * labels (plus service.kubernetes.io/headless for a headless one), and subsets computed by
 * computeSubsets from the pods the selector matches. Written only when subsets or labels
 * changed. Services without a selector are left alone: their Endpoints belong to whoever
 * wrote them (the apiserver for `kubernetes`, a user for external backends). When the
 * Service goes, its Endpoints go too.
 */
export class EndpointsController {
  readonly queue = new WorkQueue<string>({ name: ENDPOINTS_CONTROLLER });
  private readonly logger: ClientLogger;

  constructor(private readonly deps: EndpointsControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    deps.services.addEventHandler({
      onAdd: (s) => this.queue.add(objectKey(s)),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.queue.add(objectKey(n)),
      onDelete: (s) => this.queue.add(objectKey(s)),
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.enqueueForPod(p),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion === n.metadata?.resourceVersion || !podEndpointsChanged(o, n)) return;
        // Both: a label change can move the pod from one service to another.
        this.enqueueForPod(o);
        this.enqueueForPod(n);
      },
      onDelete: (p) => this.enqueueForPod(p),
    });
    // Someone else changed or deleted an Endpoints object: put ours back.
    deps.endpoints.addEventHandler({
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.enqueueIfOwned(n),
      onDelete: (e) => this.enqueueIfOwned(e),
    });
  }

  async run(signal: AbortSignal, workers = 5): Promise<void> {
    await Promise.all([this.deps.services.waitForSync(signal), this.deps.pods.waitForSync(signal), this.deps.endpoints.waitForSync(signal)]);
    await runWorkers({ name: ENDPOINTS_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** Reconciles the Endpoints of one Service ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const svc = this.deps.services.store.get(key);
    if (!svc) {
      // The Service is gone: so are its Endpoints (NotFound means someone was quicker).
      if (!this.deps.endpoints.store.get(key)) return;
      try {
        await this.deps.client.delete(ENDPOINTS, namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!hasSelector(svc)) return;

    let subsets = computeSubsets(svc, podsForService(this.deps.pods.store, svc));
    let overCapacity = false;
    const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
    if (total > MAX_ENDPOINTS_ADDRESSES) {
      subsets = truncateSubsets(subsets, MAX_ENDPOINTS_ADDRESSES);
      overCapacity = true;
    }
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    else delete labels[HEADLESS_LABEL];

    const current = this.deps.endpoints.store.get(key);
    const currentAnnotations = current?.metadata?.annotations ?? {};
    const annotations: Record<string, string> = { ...currentAnnotations };
    if (overCapacity) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (
      current &&
      canonical(current.subsets ?? []) === canonical(subsets) &&
      sameMap(current.metadata?.labels ?? {}, labels) &&
      sameMap(currentAnnotations, annotations)
    ) {
      return;
    }
    const desired: Endpoints = current
      ? { ...deepCopy(current), subsets }
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace }, subsets };
    const meta = (desired.metadata ??= {});
    meta.labels = labels;
    if (Object.keys(annotations).length) meta.annotations = annotations;
    else delete meta.annotations;
    // Stale cache: create fails with AlreadyExists and update with Conflict; both requeue.
    if (current) await this.deps.client.update(ENDPOINTS, namespace, desired);
    else await this.deps.client.create(ENDPOINTS, namespace, desired);
    this.logger.debug({ controller: ENDPOINTS_CONTROLLER, service: key, created: !current }, 'wrote endpoints');
  }

  private enqueueForPod(pod: Pod): void {
    for (const key of servicesForPod(this.deps.services.store, pod)) this.queue.add(key);
  }

  private enqueueIfOwned(ep: Endpoints): void {
    const svc = this.deps.services.store.get(objectKey(ep));
    if (!svc || hasSelector(svc)) this.queue.add(objectKey(ep));
  }
}

/** Keeps at most `max` addresses, ready ones first (Kubernetes' endpoints truncation). */
function truncateSubsets(subsets: coreV1.EndpointSubsetJson[], max: number): coreV1.EndpointSubsetJson[] {
  let left = max;
  const ready = subsets.map((s) => {
    const a = (s.addresses ?? []).slice(0, Math.max(0, left));
    left -= a.length;
    return a;
  });
  const out: coreV1.EndpointSubsetJson[] = [];
  subsets.forEach((s, i) => {
    const nr = (s.notReadyAddresses ?? []).slice(0, Math.max(0, left));
    left -= nr.length;
    const a = ready[i] ?? [];
    if (a.length === 0 && nr.length === 0) return;
    out.push({ ...(a.length ? { addresses: a } : {}), ...(nr.length ? { notReadyAddresses: nr } : {}), ...(s.ports ? { ports: s.ports } : {}) });
  });
  return out;
}

/**
 * JSON with sorted object keys and without empty values ('', [], {}, null), so an object
 * read back from the API (where proto3 drops defaults) equals the one computed here.
 */
export function canonical(v: unknown): string {
  return JSON.stringify(prune(v) ?? null);
}

function prune(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return undefined;
  if (Array.isArray(v)) {
    const a = v.map(prune).map((x) => x ?? null);
    return a.length ? a : undefined;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => [k, prune(x)] as const)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return v;
}

/** Whether two string maps (labels, annotations) hold the same entries; '' values count. */
export function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && b[k] === a[k]);
}
