// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { isNotFound, objectKey, splitObjectKey } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type SharedInformer } from '@berth/client';
import { ENDPOINT_SLICES, hasSelector, podEndpointsChanged, servicesForPod, podsForService } from '../endpoints/service-pods';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, MANAGED_BY, MANAGED_BY_LABEL, planSlices, SERVICE_NAME_LABEL, type EndpointSlice } from './slice-reconciler';

/** The controller's name (--controllers, logs). */
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';

type Service = coreV1.ServiceJson;
type Pod = coreV1.PodJson;

export interface EndpointSliceControllerDeps {
  client: ApiClient;
  services: SharedInformer<Service>;
  pods: SharedInformer<Pod>;
  slices: SharedInformer<EndpointSlice>;
  logger?: ClientLogger;
  /** Default 100 (kube-controller-manager's --max-endpoints-per-slice). */
  maxEndpointsPerSlice?: number;
  /** How long to wait before looking again when the slice cache lags behind our writes. */
  staleRetryMs?: number;
}

/**
 * Keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a selector, as
 * Kubernetes' endpointslice controller: slices named `<service>-<5 random>`, labelled
 * kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, owned by the
 * Service, planned by planSlices (at most maxEndpointsPerSlice endpoints each, updated in
 * place rather than recreated). Writes go creates → updates → deletes, so a reader never
 * sees fewer endpoints in between than before and after.
 *
 * Slices are created with generateName, so a sync that ran on a cache not yet showing the
 * slices it just wrote would create them twice. Like Kubernetes' EndpointSliceTracker, the
 * controller remembers the resourceVersion of every slice it wrote (and the slices it
 * deleted) and skips the sync until the cache has caught up; the slice's informer event
 * brings the service back.
 */
export class EndpointSliceController {
  readonly queue = new WorkQueue<string>({ name: ENDPOINTSLICE_CONTROLLER });
  private readonly logger: ClientLogger;
  private readonly maxPerSlice: number;
  /** service key → slice name → resourceVersion we wrote, or 'deleted'. */
  private readonly written = new Map<string, Map<string, number | 'deleted'>>();

  constructor(private readonly deps: EndpointSliceControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.maxPerSlice = deps.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    deps.services.addEventHandler({
      onAdd: (s) => this.queue.add(objectKey(s)),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.queue.add(objectKey(n)),
      onDelete: (s) => this.queue.add(objectKey(s)),
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.enqueueForPod(p),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion === n.metadata?.resourceVersion || !podEndpointsChanged(o, n)) return;
        this.enqueueForPod(o);
        this.enqueueForPod(n);
      },
      onDelete: (p) => this.enqueueForPod(p),
    });
    deps.slices.addEventHandler({
      onAdd: (s) => this.enqueueForSlice(s),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.enqueueForSlice(n),
      onDelete: (s) => this.enqueueForSlice(s),
    });
  }

  async run(signal: AbortSignal, workers = 5): Promise<void> {
    await Promise.all([this.deps.services.waitForSync(signal), this.deps.pods.waitForSync(signal), this.deps.slices.waitForSync(signal)]);
    await runWorkers({ name: ENDPOINTSLICE_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** The cached slices this controller manages for the service `key`. */
  slicesOf(key: string): EndpointSlice[] {
    const { namespace, name } = splitObjectKey(key);
    return this.deps.slices.store
      .listByNamespace(namespace)
      .filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY)
      .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  }

  /** Reconciles the EndpointSlices of one Service ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const { namespace } = splitObjectKey(key);
    if (this.cacheIsStale(key)) {
      this.queue.addAfter(key, this.deps.staleRetryMs ?? 500);
      return;
    }
    const svc = this.deps.services.store.get(key);
    if (!svc || !hasSelector(svc)) {
      // Gone (or no longer selecting pods): our slices go too. The garbage collector would
      // get the first case through the ownerReference; doing it here needs no GC.
      for (const slice of this.slicesOf(key)) await this.deleteSlice(key, slice);
      if (!svc) this.written.delete(key);
      return;
    }
    const plan = planSlices(svc, this.podsOf(svc), this.slicesOf(key), this.maxPerSlice);
    for (const slice of plan.create) {
      const created = await this.deps.client.create<EndpointSlice>(ENDPOINT_SLICES, namespace, slice);
      this.remember(key, created);
    }
    for (const slice of plan.update) {
      const updated = await this.deps.client.update<EndpointSlice>(ENDPOINT_SLICES, namespace, slice);
      this.remember(key, updated);
    }
    for (const slice of plan.delete) await this.deleteSlice(key, slice);
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      this.logger.debug(
        { controller: ENDPOINTSLICE_CONTROLLER, service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length },
        'wrote endpoint slices',
      );
    }
  }

  private podsOf(svc: Service): Pod[] {
    return podsForService(this.deps.pods.store, svc);
  }

  private async deleteSlice(key: string, slice: EndpointSlice): Promise<void> {
    const name = slice.metadata?.name ?? '';
    try {
      await this.deps.client.delete(ENDPOINT_SLICES, slice.metadata?.namespace ?? '', name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.tracked(key).set(name, 'deleted');
  }

  private remember(key: string, slice: EndpointSlice): void {
    const rv = Number(slice.metadata?.resourceVersion);
    if (slice.metadata?.name && Number.isFinite(rv)) this.tracked(key).set(slice.metadata.name, rv);
  }

  private tracked(key: string): Map<string, number | 'deleted'> {
    let m = this.written.get(key);
    if (!m) this.written.set(key, (m = new Map()));
    return m;
  }

  /**
   * Whether the slice cache still lacks one of our writes. Entries the cache has caught up
   * with are forgotten. resourceVersions are compared as numbers: they are etcd revisions,
   * and here the question is only "is the cached copy older than what we wrote".
   */
  private cacheIsStale(key: string): boolean {
    const m = this.written.get(key);
    if (!m) return false;
    const { namespace } = splitObjectKey(key);
    let stale = false;
    for (const [name, rv] of m) {
      const cached = this.deps.slices.store.get(`${namespace}/${name}`);
      const behind = rv === 'deleted' ? cached !== undefined : !cached || Number(cached.metadata?.resourceVersion) < rv;
      if (behind) stale = true;
      else m.delete(name);
    }
    if (m.size === 0) this.written.delete(key);
    return stale;
  }

  private enqueueForPod(pod: Pod): void {
    for (const key of servicesForPod(this.deps.services.store, pod)) this.queue.add(key);
  }

  private enqueueForSlice(slice: EndpointSlice): void {
    const labels = slice.metadata?.labels ?? {};
    const svc = labels[SERVICE_NAME_LABEL];
    if (!svc || labels[MANAGED_BY_LABEL] !== MANAGED_BY) return;
    this.queue.add(`${slice.metadata?.namespace ?? ''}/${svc}`);
  }
}
