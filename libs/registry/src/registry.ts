// SPDX-License-Identifier: Apache-2.0
import {
  allResources,
  alwaysAllow,
  answerAccessReview,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  apiVersionOf,
  badRequest,
  conflict,
  decodeObject,
  forbidden,
  invalid,
  isNotFound,
  methodNotSupported,
  newStatusError,
  notFound,
  qualifiedResource,
  resourceFor,
  type ApiBackend,
  type ApiResourceInfo,
  type Authorizer,
  type BackendListOptions,
  type BackendWatchOptions,
  type BackendWriteOptions,
  type DeleteOptions,
  type ExecInput,
  type ExecOutput,
  type KubeObject,
  type LogChunk,
  type NodeStats,
  type ObjectList,
  type PodExecOptions,
  type PodLogsOptions,
  type RequestContext,
  type ResourceInfo,
  type ResourceRef,
  type VersionInfo,
  type WatchEvent,
} from '@berth/api';
import type { Storage } from '@berth/storage';
import type { EventSource, NodeExecSource, NodeLogSource, NodeStatsSource } from './event-source';
import { strategyFor } from './kind-strategies';
import { requestToken, type TokenIssuer } from './token-request';
import { ResourceStore, type AdmitFn } from './resource-store';
import { replicasFromScale, scaleOf } from './scale';
import { serviceAccountAdmission } from './service-account-admission';
import { ServiceAllocator, type ServiceAllocatorOptions } from './service-allocator';
import { kubernetesEndpoints, kubernetesEndpointSlice, type ApiserverEndpoint } from './kubernetes-endpoints';

/** Namespaces every cluster has from the start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Resources that are not kept in etcd, or not as objects of their own. */
const VIRTUAL = new Set(['events', 'bindings']);
const STATUS_WRITE_DECODE = { onlyFields: ['metadata', 'status'] } as const;
/** The group of the access reviews: answered by the authorizer, never stored. */
const REVIEWS_GROUP = 'authorization.k8s.io';

export interface RegistryOptions {
  storage: Storage;
  events?: EventSource;
  version?: Partial<VersionInfo>;
  /** Events each resource's watch cache keeps for watches that resume (default 10,000). */
  watchCacheCapacity?: number;
  /** Extra admission after the built-in namespace lifecycle and service account steps. */
  admission?: AdmitFn[];
  /** Service IP and NodePort ranges, LoadBalancer pool. */
  services?: ServiceAllocatorOptions;
  /** Where container logs come from; without it `logs` is unavailable. */
  nodeLogs?: NodeLogSource;
  /** Where exec sessions run; without it `exec` is unavailable. */
  nodeExec?: NodeExecSource;
  /** Where nodes' resource usage comes from; without it `stats` is unavailable. */
  nodeStats?: NodeStatsSource;
  /** This apiserver's address for the `kubernetes` Service's endpoints (--advertise-address). */
  advertise?: ApiserverEndpoint;
  /** Answers the authorization.k8s.io reviews (default: everything is allowed). */
  authorizer?: Authorizer;
  /** Signs the tokens of serviceaccounts/<name>/token; without it that subresource is not served. */
  tokenIssuer?: TokenIssuer;
}

/**
 * Registry is the apiserver's ApiBackend: it routes each request to the ResourceStore of
 * its resource, implements the status, scale and binding subresources, patches, and the
 * built-in admission (namespace lifecycle, service accounts). It knows nothing of gRPC or etcd.
 */
export class Registry implements ApiBackend {
  private readonly stores = new Map<string, ResourceStore>();
  private readonly versionInfo: VersionInfo;
  private readonly allocator: ServiceAllocator;
  /** Namespaces this server marked for deletion lately: its cache may not show it yet. */
  private readonly recentlyDeletedNamespaces = new Map<string, number>();

  constructor(private readonly opts: RegistryOptions) {
    this.allocator = new ServiceAllocator(opts.storage, opts.services);
    const serviceAccounts = serviceAccountAdmission((group, resource) => this.store(group, resource));
    const admit: AdmitFn = async (op, obj, old, info, attrs) => {
      if (op === 'CREATE') await this.admitNamespaceLifecycle(obj, info);
      // Pods' service account and its token (on create only).
      await serviceAccounts(op, obj, old, info, attrs);
      for (const a of opts.admission ?? []) await a(op, obj, old, info, attrs);
      // Last, so nothing after it can fail and leave an allocation behind.
      if (isServices(info) && op !== 'DELETE') return this.allocator.allocate(obj, old);
    };
    for (const info of allResources()) {
      if ((VIRTUAL.has(info.resource) && info.group === '') || info.group === REVIEWS_GROUP) continue;
      this.stores.set(storeKey(info.group, info.resource), new ResourceStore(strategyFor(info), opts.storage, admit, opts.watchCacheCapacity));
    }
    this.versionInfo = {
      major: '1',
      minor: '30',
      gitVersion: 'v1.30.0-berth.0.1.0',
      gitCommit: '',
      buildDate: '',
      goVersion: `node${process.versions.node}`,
      compiler: 'tsc',
      platform: `${process.platform}/${process.arch}`,
      ...opts.version,
    };
  }

  /** Fills the watch caches and creates the system namespaces. */
  async start(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.start()));
    const ns = this.store('', 'namespaces');
    for (const name of SYSTEM_NAMESPACES) {
      try {
        await ns.get('', name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await ns.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch(ignoreAlreadyExists);
      }
    }
    // The `kubernetes` Service in default, on the first IP of the service range, as in Kubernetes.
    const services = this.store('', 'services');
    if (!services.getCached('default', 'kubernetes')) {
      await services
        .create('default', {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: { type: 'ClusterIP', clusterIP: this.allocator.firstServiceIp(), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
        })
        .catch(ignoreAlreadyExists);
    }
    await this.reconcileKubernetesEndpoints();
  }

  /**
   * Puts this apiserver's advertise address into the Endpoints and EndpointSlice of the
   * `kubernetes` Service, so pods reach the API at its ClusterIP. Idempotent; the apiserver
   * calls it at start and then periodically, which also repairs a deleted object.
   */
  async reconcileKubernetesEndpoints(): Promise<void> {
    const self = this.opts.advertise;
    if (!self) return;
    const endpoints = this.store('', 'endpoints');
    const current = await endpoints.get('default', 'kubernetes').catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    const next = kubernetesEndpoints(current, self);
    const written = next ? await (current ? endpoints.update('default', next) : endpoints.create('default', next).catch(ignoreAlreadyExists)) : current;
    if (!written) return;
    const slices = this.store('discovery.k8s.io', 'endpointslices');
    const slice = await slices.get('default', 'kubernetes').catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    const want = kubernetesEndpointSlice(written, slice);
    if (!slice) await slices.create('default', want).catch(ignoreAlreadyExists);
    else if (JSON.stringify(slice['endpoints']) !== JSON.stringify(want['endpoints']) || JSON.stringify(slice['ports']) !== JSON.stringify(want['ports'])) await slices.update('default', want);
  }

  stop(): void {
    for (const s of this.stores.values()) s.stop();
  }

  version(): VersionInfo {
    return this.versionInfo;
  }

  resources(): ApiResourceInfo[] {
    return allResources().map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      group: r.group,
      version: r.version,
      kind: r.kind,
      verbs: r.verbs,
      shortNames: r.shortNames,
      categories: r.categories,
    }));
  }

  async create(ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<{ object: KubeObject; warnings: string[] }> {
    const info = this.info(ref);
    if (info.group === REVIEWS_GROUP) {
      const { object, warnings } = this.decode(info, body, opts);
      const caller = ctx.user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] };
      return { object: answerAccessReview(this.opts.authorizer ?? alwaysAllow, info, ref.namespace, object, caller), warnings };
    }
    if (info.group === '' && info.resource === 'pods' && ref.subresource === 'binding') {
      return { object: await this.bind(ref, body, opts), warnings: [] };
    }
    if (info.group === '' && info.resource === 'serviceaccounts' && ref.subresource === 'token') {
      if (!this.opts.tokenIssuer) throw notFound({ resource: 'serviceaccounts/token', name: ref.name });
      if (opts.dryRun) throw badRequest('dry run is not supported for token requests');
      return requestToken(this.opts.tokenIssuer, (resource, namespace, name) => this.lookup(resource, namespace, name), info, ref.namespace, ref.name, body, opts.fieldValidation ?? 'Warn');
    }
    if (ref.subresource) throw methodNotSupported(`${info.resource}/${ref.subresource}`, 'create');
    const { object, warnings } = this.decode(info, body, opts);
    if (info.group === '' && info.resource === 'events') {
      if (!this.opts.events) throw newStatusError('ServiceUnavailable', 'events are not available: no event stream configured');
      return { object: await this.opts.events.record(object), warnings };
    }
    const created = await this.store(info.group, info.resource).create(ref.namespace, object, !!opts.dryRun);
    return { object: created, warnings };
  }

  async get(_ctx: RequestContext, ref: ResourceRef, _opts: { resourceVersion?: string } = {}): Promise<KubeObject> {
    const info = this.info(ref);
    if (info.resource === 'events' && info.group === '') {
      const list = await this.events().list({ namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` });
      const found = list.items[0];
      if (!found) throw notFound({ resource: 'events', name: ref.name });
      return found;
    }
    const obj = await this.store(info.group, info.resource).get(ref.namespace, ref.name);
    if (ref.subresource === 'scale') return this.scalable(info) && scaleOf(obj);
    if (ref.subresource && ref.subresource !== 'status') throw methodNotSupported(`${info.resource}/${ref.subresource}`, 'get');
    return obj;
  }

  async list(_ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions): Promise<ObjectList> {
    const info = this.info(ref);
    if (info.resource === 'events' && info.group === '') {
      const r = await this.events().list({ namespace: ref.namespace, fieldSelector: opts.fieldSelector });
      return { apiVersion: 'v1', kind: 'EventList', metadata: { resourceVersion: r.resourceVersion }, items: r.items };
    }
    return this.store(info.group, info.resource).list({ namespace: ref.namespace, ...opts });
  }

  async update(_ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<{ object: KubeObject; warnings: string[] }> {
    const info = this.info(ref);
    const store = this.store(info.group, info.resource);
    if (ref.subresource === 'scale') {
      this.scalable(info);
      const replicas = replicasFromScale(body);
      if (replicas < 0) {
        throw invalid({ resource: 'scale', kind: 'Scale.autoscaling', name: ref.name }, [
          { type: 'Invalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' },
        ]);
      }
      const pinned = ((body as KubeObject).metadata?.resourceVersion as string | undefined) || undefined;
      const updated = await store.updateWith(ref.namespace, ref.name, pinned, (cur) => ({ ...cur, spec: { ...(cur['spec'] as object), replicas } }), { dryRun: !!opts.dryRun });
      return { object: scaleOf(updated), warnings: [] };
    }
    if (ref.subresource && ref.subresource !== 'status') throw methodNotSupported(`${info.resource}/${ref.subresource}`, 'update');
    const { object, warnings } = this.decode(info, body, opts, ref.subresource);
    if (ref.name && object.metadata?.name && object.metadata.name !== ref.name) {
      throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${ref.name})`);
    }
    if (!object.metadata?.name) object.metadata = { ...object.metadata, name: ref.name };
    const updated = await store.update(ref.namespace, object, { subresource: ref.subresource || undefined, dryRun: !!opts.dryRun });
    return { object: updated, warnings };
  }

  async patch(_ctx: RequestContext, ref: ResourceRef, patchType: string, patch: unknown, opts: BackendWriteOptions): Promise<{ object: KubeObject; warnings: string[] }> {
    const info = this.info(ref);
    const store = this.store(info.group, info.resource);
    if (ref.subresource && ref.subresource !== 'status' && ref.subresource !== 'scale') {
      throw methodNotSupported(`${info.resource}/${ref.subresource}`, 'patch');
    }
    const apply = (doc: KubeObject): unknown => {
      switch (patchType) {
        case 'application/merge-patch+json':
          return applyMergePatch(doc, patch);
        case 'application/json-patch+json':
          return applyJsonPatch(doc, patch);
        case 'application/strategic-merge-patch+json':
          return applyStrategicMergePatch(doc, patch, info.kind);
        default:
          throw newStatusError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
      }
    };
    if (ref.subresource === 'scale') {
      const current = scaleOf(await store.get(ref.namespace, ref.name));
      return this.update(_ctx, ref, apply(current), opts);
    }
    // A resourceVersion inside the patch is a precondition, as in Kubernetes.
    const pinned = (patch as KubeObject | undefined)?.metadata?.resourceVersion || undefined;
    let warnings: string[] = [];
    const updated = await store.updateWith(
      ref.namespace,
      ref.name,
      typeof pinned === 'string' ? pinned : undefined,
      (current) => {
        const result = this.decode(info, { ...(apply(current) as KubeObject), apiVersion: apiVersionOf(info), kind: info.kind }, opts, ref.subresource);
        warnings = result.warnings;
        return result.object;
      },
      { subresource: ref.subresource || undefined, dryRun: !!opts.dryRun },
    );
    return { object: updated, warnings };
  }

  async delete(_ctx: RequestContext, ref: ResourceRef, options: DeleteOptions): Promise<KubeObject> {
    const info = this.info(ref);
    if (ref.subresource) throw methodNotSupported(`${info.resource}/${ref.subresource}`, 'delete');
    if (info.group === '' && info.resource === 'namespaces') {
      if (SYSTEM_NAMESPACES.includes(ref.name)) throw forbidden({ resource: 'namespaces', name: ref.name }, 'this namespace may not be deleted');
      const now = Date.now();
      for (const [ns, at] of this.recentlyDeletedNamespaces) if (now - at > 30_000) this.recentlyDeletedNamespaces.delete(ns);
      this.recentlyDeletedNamespaces.set(ref.name, now);
    }
    const deleted = await this.store(info.group, info.resource).delete(ref.namespace, ref.name, options);
    // Gone from storage (not just marked): free its IPs and ports.
    if (isServices(info) && !deleted.metadata?.deletionTimestamp) await this.allocator.releaseAll(deleted);
    return deleted;
  }

  async deleteCollection(ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions, options: DeleteOptions): Promise<ObjectList> {
    const list = await this.list(ctx, ref, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
    const items: KubeObject[] = [];
    for (const obj of list.items) {
      try {
        items.push(await this.delete(ctx, { ...ref, namespace: obj.metadata?.namespace ?? '', name: obj.metadata?.name ?? '' }, options));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return { ...list, items };
  }

  async *watch(ctx: RequestContext, ref: ResourceRef, opts: BackendWatchOptions): AsyncIterable<WatchEvent> {
    const info = this.info(ref);
    const signal = ctx.signal ?? new AbortController().signal;
    const timeout = opts.timeoutSeconds ? AbortSignal.timeout(opts.timeoutSeconds * 1000) : undefined;
    const combined = timeout ? AbortSignal.any([signal, timeout]) : signal;
    if (info.resource === 'events' && info.group === '') {
      yield* this.events().watch({ namespace: ref.namespace, fieldSelector: opts.fieldSelector, resourceVersion: opts.resourceVersion, signal: combined });
      return;
    }
    yield* this.store(info.group, info.resource).watch({ namespace: ref.namespace, ...opts, signal: combined });
  }

  /** Container logs: checks the pod and container as Kubernetes does, then asks the pod's node. */
  async *logs(ctx: RequestContext, opts: PodLogsOptions): AsyncIterable<LogChunk> {
    if (!this.opts.nodeLogs) throw newStatusError('ServiceUnavailable', 'logs are not available: this apiserver has no node tunnel (start it with --nats-url)');
    const { nodeName, container } = await this.podContainer(opts.namespace, opts.name, opts.container);
    yield* this.opts.nodeLogs.logs(
      nodeName,
      {
        namespace: opts.namespace,
        pod: opts.name,
        container,
        ...(opts.follow ? { follow: true } : {}),
        ...(opts.previous ? { previous: true } : {}),
        ...(opts.tailLines !== undefined ? { tail: opts.tailLines } : {}),
        ...(opts.timestamps ? { timestamps: true } : {}),
        ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
      },
      ctx.signal,
    );
  }

  /**
   * pods/exec: checks the pod and container as Kubernetes does (the apiserver's container
   * and host checks, the kubelet's "container not found" for one that is not running),
   * then runs the command on the pod's node. Stdin input is dropped unless opts.stdin
   * (and after its end), resizes unless opts.tty; the end of the input ends stdin.
   */
  async *exec(ctx: RequestContext, opts: PodExecOptions, input: AsyncIterable<ExecInput>): AsyncIterable<ExecOutput> {
    if (!this.opts.nodeExec) throw newStatusError('ServiceUnavailable', 'exec is not available: this apiserver has no node tunnel (start it with --nats-url)');
    if (opts.command.length === 0) throw badRequest('you must specify at least one command for the container');
    const { pod, nodeName, container } = await this.podContainer(opts.namespace, opts.name, opts.container);
    const status = (pod['status'] ?? {}) as { containerStatuses?: ContainerStatusJson[]; initContainerStatuses?: ContainerStatusJson[] };
    const state = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((c) => c.name === container)?.state;
    if (!state?.running) throw badRequest(`unable to upgrade connection: container not found (${JSON.stringify(container)})`);
    const stdin = opts.stdin ?? false;
    const tty = opts.tty ?? false;
    const wanted = (async function* (): AsyncIterable<ExecInput> {
      let stdinOpen = stdin;
      for await (const m of input) {
        if (m.type === 'resize' ? !tty : !stdinOpen) continue;
        if (m.type === 'closeStdin') stdinOpen = false;
        yield m;
      }
      // The end of the input is the end of stdin too.
      if (stdinOpen) yield { type: 'closeStdin' };
    })();
    yield* this.opts.nodeExec.exec(
      nodeName,
      { namespace: opts.namespace, pod: opts.name, container, command: opts.command, ...(stdin ? { stdin } : {}), ...(tty ? { tty } : {}) },
      wanted,
      ctx.signal,
    );
  }

  /**
   * A node's resource usage (`berth top`): the node must exist; its kubelet answers from
   * its last sampling window.
   */
  async stats(ctx: RequestContext, node: string): Promise<NodeStats> {
    if (!this.opts.nodeStats) throw newStatusError('ServiceUnavailable', 'metrics are not available: this apiserver has no node tunnel (start it with --nats-url)');
    if (!node) throw badRequest('a node name is required');
    await this.store('', 'nodes').get('', node);
    return this.opts.nodeStats.stats(node, ctx.signal);
  }

  /**
   * The pod a logs or exec request names, its node and the container meant (the only one
   * when none is named), with Kubernetes' BadRequests for an ambiguous or unknown container
   * and a pod not yet on a node.
   */
  private async podContainer(namespace: string, name: string, asked: string | undefined): Promise<{ pod: KubeObject; nodeName: string; container: string }> {
    const pod = await this.store('', 'pods').get(namespace, name);
    const spec = (pod['spec'] ?? {}) as { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[] };
    const names = (spec.containers ?? []).map((c) => c.name);
    const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name)];
    let container = asked ?? '';
    if (!container) {
      if (names.length !== 1) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
      container = names[0] ?? '';
    } else if (!all.includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    if (!spec.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
    return { pod, nodeName: spec.nodeName, container };
  }

  /** pods/binding: assigns a pod to a node once, as the scheduler does. */
  private async bind(ref: ResourceRef, body: unknown, opts: BackendWriteOptions): Promise<KubeObject> {
    const binding = body as { target?: { name?: string; kind?: string }; metadata?: { name?: string; uid?: string } };
    const node = binding?.target?.name;
    if (!node) throw invalid({ resource: 'bindings', kind: 'Binding', name: ref.name }, [{ type: 'Required', field: 'target.name' }]);
    const name = ref.name || binding.metadata?.name || '';
    const pods = this.store('', 'pods');
    await pods.updateWith(ref.namespace, name, undefined, (pod) => {
      const spec = (pod['spec'] ?? {}) as Record<string, unknown>;
      if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata?.uid) {
        throw conflict({ resource: 'pods', name }, 'the UID in the binding does not match the pod');
      }
      if (pod.metadata?.deletionTimestamp) throw conflict({ resource: 'pods/binding', name }, 'pod is being deleted, cannot be assigned to a host');
      if (spec['nodeName']) throw conflict({ resource: 'pods/binding', name }, `pod ${name} is already assigned to node "${String(spec['nodeName'])}"`);
      const status = (pod['status'] ?? {}) as Record<string, unknown>;
      const conditions = ((status['conditions'] as Record<string, unknown>[] | undefined) ?? []).filter((c) => c['type'] !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
      // Binding writes both spec.nodeName and the condition, so it goes through the status path for status.
      return { ...pod, spec: { ...spec, nodeName: node }, status: { ...status, conditions } };
    }, { dryRun: !!opts.dryRun, subresource: 'binding' });
    return { apiVersion: 'v1', kind: 'Status', status: 'Success', metadata: {} } as KubeObject;
  }

  private decode(info: ResourceInfo, body: unknown, opts: BackendWriteOptions, subresource?: string): { object: KubeObject; warnings: string[] } {
    // A status write keeps only metadata.resourceVersion and status of the body (see the
    // strategy's prepareForStatusUpdate): the rest is checked for unknown fields, not typed.
    const decodeOpts = subresource === 'status' ? STATUS_WRITE_DECODE : {};
    const { object, info: decodedInfo, warnings } = decodeObject(body, opts.fieldValidation ?? 'Warn', decodeOpts);
    if (decodedInfo.group !== info.group || decodedInfo.resource !== info.resource) {
      throw badRequest(`the API version in the data (${String((body as KubeObject).apiVersion)}) does not match the expected API version (${apiVersionOf(info)})`);
    }
    return { object, warnings };
  }

  private async admitNamespaceLifecycle(obj: KubeObject, info: ResourceInfo): Promise<void> {
    if (!info.namespaced) return;
    const ns = obj.metadata?.namespace ?? '';
    const namespaces = this.store('', 'namespaces');
    // The cache answers almost always. It may lag a moment behind: a namespace created just
    // now may be missing, one deleted through this server just now may not look terminating
    // yet (Kubernetes' "force live lookup" for recently deleted namespaces).
    const deletedAt = this.recentlyDeletedNamespaces.get(ns);
    if (deletedAt !== undefined && Date.now() - deletedAt > 30_000) this.recentlyDeletedNamespaces.delete(ns);
    let namespace = this.recentlyDeletedNamespaces.has(ns) ? undefined : namespaces.getCached('', ns);
    if (!namespace) {
      try {
        namespace = await namespaces.get('', ns);
      } catch (e) {
        if (isNotFound(e)) throw notFound({ resource: 'namespaces', name: ns });
        throw e;
      }
    }
    if (namespace.metadata?.deletionTimestamp) {
      throw forbidden(
        { resource: qualifiedResource(info), name: obj.metadata?.name ?? '' },
        `unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
  }

  private scalable(info: ResourceInfo): true {
    if (!info.subresources.includes('scale')) throw notFound({ resource: `${qualifiedResource(info)}/scale`, name: '' });
    return true;
  }

  private events(): EventSource {
    if (!this.opts.events) throw newStatusError('ServiceUnavailable', 'events are not available: no event stream configured');
    return this.opts.events;
  }

  private info(ref: ResourceRef): ResourceInfo {
    const info = resourceFor(ref.group, ref.resource);
    if (!info) throw notFound({ resource: ref.group ? `${ref.resource}.${ref.group}` : ref.resource, name: '' , kind: 'resource'});
    if (info.namespaced && !ref.namespace && ref.name) throw badRequest('a namespace is required for a namespaced resource');
    return info;
  }

  /** A core object by namespace and name, or undefined (see ResourceStore.lookup). */
  lookup(resource: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.store('', resource).lookup(namespace, name);
  }

  store(group: string, resource: string): ResourceStore {
    const s = this.stores.get(storeKey(group, resource));
    if (s) return s;
    // A kind that is served but not stored (the reviews) has only the verbs it lists.
    if (group === REVIEWS_GROUP && resourceFor(group, resource)) throw methodNotSupported(resource, 'this request');
    throw notFound({ resource, name: '' });
  }
}

function isServices(info: ResourceInfo): boolean {
  return info.group === '' && info.resource === 'services';
}

function ignoreAlreadyExists(err: unknown): void {
  if ((err as { reason?: string }).reason !== 'AlreadyExists') throw err;
}

function storeKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/** The part of a container status exec looks at. */
interface ContainerStatusJson {
  name: string;
  state?: { running?: unknown; waiting?: unknown; terminated?: unknown };
}
