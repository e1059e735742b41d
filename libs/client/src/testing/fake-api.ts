// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  badRequest,
  conflict,
  expired,
  formatApiVersion,
  invalid,
  notFound,
  objectFields,
  objectKey,
  parseFieldSelector,
  parseLabelSelector,
  serviceUnavailable,
  staleConflict,
  alwaysAllow,
  answerAccessReview,
  resourceFor,
  type Authorizer,
  type DeleteOptions,
  type ErrorTarget,
  type KubeObject,
  type NodeStats,
  type ObjectList,
  type ResourceUsage,
  type UserInfo,
  type WatchEvent,
} from '@berth/api';
import type { ApiClient, ListOptions, PatchType, ResourceType, WatchOptions, WriteOptions } from '../api-client';

/** The verbs FakeApi records, as client-go's fake names them. */
export type FakeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One recorded call to a FakeApi. */
export interface FakeAction {
  verb: FakeVerb;
  /** Plural resource, e.g. "pods", "deployments". */
  resource: string;
  group: string;
  version: string;
  /** '' for cluster-scoped objects and all-namespace lists. */
  namespace: string;
  /** '' for lists, watches and deletecollection. */
  name: string;
  subresource?: string;
  /** create/update: the object as sent (a copy). */
  object?: KubeObject;
  patchType?: PatchType;
  patch?: unknown;
  /** list/watch/deletecollection: the options (without the signal). */
  listOptions?: ListOptions;
  deleteOptions?: DeleteOptions;
}

/**
 * What a reactor returns when it handles a call itself: the call's result (an object, a
 * list, or for watch an AsyncIterable of events). Return undefined to let the call through;
 * throw (e.g. a StatusError) to make the call fail.
 */
export interface ReactorResult {
  object: unknown;
}

/** A reactor (client-go `ReactionFunc`): sees every matching call before the fake's store. */
export type Reactor = (action: FakeAction) => ReactorResult | undefined | void | Promise<ReactorResult | undefined | void>;

export interface FakeApiOptions {
  /** Source of timestamps (creationTimestamp, deletionTimestamp); defaults to the wall clock. */
  now?: () => Date;
  /**
   * Answers the authorization.k8s.io reviews (`auth can-i`); default: everything is
   * allowed, as by an apiserver without authorization. It answers only the reviews: the
   * fake never refuses a call (a reactor throwing Forbidden does that).
   */
  authorizer?: Authorizer;
  /** Who asks the Self* reviews; default "admin" in system:masters. */
  user?: UserInfo;
}

const AUTHORIZATION_GROUP = 'authorization.k8s.io';

interface LogEntry {
  rv: number;
  typeKey: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  prevObject?: KubeObject;
}

interface ActiveWatch {
  wake: () => void;
  failure?: unknown;
  ended: boolean;
  bookmarks: boolean;
  bookmarkPending: boolean;
}

const GENERATE_NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * FakeApi is an in-memory ApiClient with the apiserver's storage semantics, for unit tests
 * of controllers, informers and anything else that codes against ApiClient (client-go's
 * fake clientset + ObjectTracker in one).
 *
 * What it does as the apiserver does: one global resourceVersion counter; create sets uid,
 * creationTimestamp, resourceVersion, generation=1 and expands generateName; AlreadyExists,
 * NotFound and Conflict (stale resourceVersion, failed delete preconditions) StatusErrors;
 * update bumps generation when spec changes, keeps the stored status (only the 'status'
 * subresource writes status, and it writes nothing else), and is a no-op when nothing
 * changed; delete is immediate unless the object has finalizers (then deletionTimestamp is
 * set, and the last finalizer's removal deletes it; propagationPolicy Foreground/Orphan add
 * the foregroundDeletion/orphan finalizers); merge and JSON patches (strategic merge patches
 * are applied as merge patches); 'scale' get/update; pods' 'binding' create; list and watch
 * with namespace, label and field selectors; watch replays from a resourceVersion, sends
 * DELETED/ADDED when an object leaves/enters a selector, and fails with Expired for a
 * resourceVersion older than the last `compact()`.
 *
 * What it does not do: no defaulting, no validation (beyond name/generateName), no
 * admission, no garbage collection of dependents, no graceful deletion of pods, no
 * namespace existence checks, no managedFields; list ignores resourceVersion and serves the
 * latest state; the field selector knows metadata.name/namespace and dotted paths into the
 * object (spec.nodeName, status.phase, ...).
 *
 * Reviews of authorization.k8s.io (SelfSubjectAccessReview, SelfSubjectRulesReview,
 * SubjectAccessReview, LocalSubjectAccessReview) are answered by the `authorizer` option
 * (default: allow everything) and never stored, as the apiserver does.
 *
 * Test hooks: `seed`, `actions`/`writeActions`/`clearActions`, `prependReactor`,
 * `compact`, `breakWatches`, `endWatches`, `sendBookmarks`, `activeWatches`, `stored`;
 * `setNodeUsage`/`setPodUsage` for `stats` (the apiserver's NodeProxy.Stats, `berth top`).
 */
export class FakeApi implements ApiClient {
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly kinds = new Map<string, string>();
  private readonly log: LogEntry[] = [];
  private readonly watches = new Set<ActiveWatch>();
  private readonly recorded: FakeAction[] = [];
  private readonly reactors: Array<{ verb: string; resource: string; fn: Reactor }> = [];
  private rv = 0;
  private compactedRv = 0;
  /** Nodes whose kubelet answers stats, with their usage (undefined: no window yet). */
  private readonly nodeUsage = new Map<string, ResourceUsage | undefined>();
  /** Pods' usage by "namespace/name", then by container. */
  private readonly podUsage = new Map<string, Record<string, ResourceUsage>>();
  private readonly now: () => Date;
  private readonly authorizer: Authorizer;
  private readonly user: UserInfo;

  constructor(opts: FakeApiOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.authorizer = opts.authorizer ?? alwaysAllow;
    this.user = opts.user ?? { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
  }

  // ---- test hooks ----

  /**
   * Stores objects as if they had been created earlier (no actions recorded, no reactors).
   * Missing uid, creationTimestamp and generation are filled in; every object gets a fresh
   * resourceVersion, and watches see them as ADDED.
   */
  seed(type: ResourceType, ...objs: KubeObject[]): void {
    for (const o of objs) {
      const obj = structuredClone(o);
      const meta = (obj.metadata ??= {});
      if (!meta.name) throw new Error('FakeApi.seed: metadata.name is required');
      meta.uid ??= randomUUID();
      meta.creationTimestamp ??= this.timestamp();
      meta.generation ??= 1;
      this.learnKind(type, obj);
      const key = objectKey(obj);
      const prev = this.bucket(type).get(key);
      this.commit(type, key, obj, prev ? 'MODIFIED' : 'ADDED', prev);
    }
  }

  /** Every call so far, in order (copies). */
  actions(): FakeAction[] {
    return structuredClone(this.recorded);
  }

  /** The calls that write (create, update, patch, delete, deletecollection). */
  writeActions(): FakeAction[] {
    return this.actions().filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  clearActions(): void {
    this.recorded.length = 0;
  }

  /**
   * Adds a reactor before the others. `verb` and `resource` may be '*'; `resource` may be
   * "pods" (any subresource) or "pods/status".
   */
  prependReactor(verb: FakeVerb | '*', resource: string, fn: Reactor): void {
    this.reactors.unshift({ verb, resource, fn });
  }

  /** The current (latest) resourceVersion. */
  resourceVersion(): string {
    return String(this.rv);
  }

  /**
   * Forgets history up to `resourceVersion` (default: now), as etcd compaction does: a watch
   * from an older resourceVersion then fails with Expired and the client must re-list.
   */
  compact(resourceVersion?: string): void {
    this.compactedRv = resourceVersion === undefined ? this.rv : Number(resourceVersion);
  }

  /** Makes every open watch fail with `err` (default ServiceUnavailable), like a dropped connection. */
  breakWatches(err: unknown = serviceUnavailable('watch connection lost')): void {
    for (const w of this.watches) {
      w.failure = err;
      w.wake();
    }
  }

  /** Ends every open watch normally, like a server-side watch timeout. */
  endWatches(): void {
    for (const w of this.watches) {
      w.ended = true;
      w.wake();
    }
  }

  /** Sends a BOOKMARK with the current resourceVersion on every watch that allows them. */
  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      w.bookmarkPending = true;
      w.wake();
    }
  }

  /** How many watches are open now. */
  activeWatches(): number {
    return this.watches.size;
  }

  /** The stored object (a copy), without recording an action. */
  stored<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string): T | undefined {
    const obj = this.bucket(type).get(keyOf(namespace, name));
    return obj ? (structuredClone(obj) as T) : undefined;
  }

  /** All stored objects of a type (copies), sorted by key. */
  storedAll<T extends KubeObject = KubeObject>(type: ResourceType): T[] {
    return sortedValues(this.bucket(type)).map((o) => structuredClone(o) as T);
  }

  /**
   * Makes a node's kubelet answer `stats` with this usage of the node (without one: it
   * answers, but has no window yet). A node never set does not answer (ServiceUnavailable).
   */
  setNodeUsage(node: string, usage?: ResourceUsage): void {
    this.nodeUsage.set(node, usage);
  }

  /** A pod's usage per container, reported by the node the pod is bound to (spec.nodeName). */
  setPodUsage(namespace: string, name: string, containers: Record<string, ResourceUsage>): void {
    this.podUsage.set(keyOf(namespace, name), structuredClone(containers));
  }

  /**
   * A node's resource usage as the apiserver's NodeProxy.Stats answers it: NotFound for a
   * node that is not stored, ServiceUnavailable for one whose usage was never set, else
   * the node's usage and that of its pods with usage set. Recorded as a `get` of
   * nodes/stats (reactors see it).
   */
  async stats(node: string): Promise<NodeStats> {
    const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
    const action = this.record(nodes, 'get', '', node, { subresource: 'stats' });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as NodeStats;
    if (!this.bucket(nodes).has(node)) throw notFound(this.target(nodes, node));
    if (!this.nodeUsage.has(node)) throw serviceUnavailable(`node ${node} did not answer: no kubelet of node ${node} is connected`);
    const timestamp = this.timestamp();
    const window = '10s';
    const usage = this.nodeUsage.get(node);
    const pods = sortedValues(this.bucket({ group: '', version: 'v1', resource: 'pods' }))
      .filter((p) => (p['spec'] as { nodeName?: string } | undefined)?.nodeName === node && this.podUsage.has(objectKey(p)))
      .map((p) => ({
        apiVersion: 'metrics.k8s.io/v1beta1' as const,
        kind: 'PodMetrics' as const,
        metadata: { name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? '' },
        timestamp,
        window,
        containers: Object.entries(this.podUsage.get(objectKey(p)) ?? {}).map(([name, u]) => ({ name, usage: { ...u } })),
      }));
    return {
      ...(usage ? { node: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: node }, timestamp, window, usage: { ...usage } } } : {}),
      pods,
    };
  }

  // ---- ApiClient ----

  async create<T extends KubeObject>(type: ResourceType, namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    const action = this.record(type, 'create', namespace, obj.metadata?.name ?? '', {
      subresource: opts.subresource,
      object: obj,
    });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as T;

    if (opts.subresource === 'binding') return this.bind(type, namespace, obj, opts) as T;
    if (opts.subresource) throw badRequest(`subresource "${opts.subresource}" is not supported on create`);
    if (type.group === AUTHORIZATION_GROUP) return this.review(type, namespace, obj) as T;

    const o = structuredClone(obj) as KubeObject;
    const meta = (o.metadata ??= {});
    this.checkNamespace(namespace, meta.namespace);
    if (namespace) meta.namespace = namespace;
    if (!meta.name && meta.generateName) meta.name = this.generateName(type, namespace, meta.generateName);
    if (!meta.name) {
      throw invalid(this.target(type, '', o), [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }]);
    }
    const key = objectKey(o);
    if (this.bucket(type).has(key)) throw alreadyExists(this.target(type, meta.name));
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (opts.dryRun) return o as T;
    this.learnKind(type, o);
    return structuredClone(this.commit(type, key, o, 'ADDED')) as T;
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string, name: string, opts: { subresource?: string } = {}): Promise<T> {
    const action = this.record(type, 'get', namespace, name, { subresource: opts.subresource });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as T;
    const obj = this.mustGet(type, namespace, name);
    if (opts.subresource === 'scale') return toScale(obj) as T;
    if (opts.subresource && opts.subresource !== 'status') throw badRequest(`subresource "${opts.subresource}" is not supported on get`);
    return structuredClone(obj) as T;
  }

  async list<T extends KubeObject>(type: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const action = this.record(type, 'list', opts.namespace ?? '', '', { listOptions: opts });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as ObjectList<T>;
    const match = this.matcher(opts);
    let items = sortedValues(this.bucket(type)).filter(match);
    let cont: string | undefined;
    let remaining: number | undefined;
    if (opts.continue) {
      const after = decodeContinue(opts.continue);
      items = items.filter((o) => objectKey(o) > after);
    }
    if (opts.limit && opts.limit > 0 && items.length > opts.limit) {
      remaining = items.length - opts.limit;
      items = items.slice(0, opts.limit);
      cont = encodeContinue(objectKey(items[items.length - 1] as KubeObject));
    }
    return {
      apiVersion: formatApiVersion(type),
      kind: `${this.kinds.get(typeKey(type)) ?? ''}List`,
      metadata: {
        resourceVersion: String(this.rv),
        ...(cont ? { continue: cont, remainingItemCount: remaining } : {}),
      },
      items: items.map((o) => structuredClone(o) as T),
    };
  }

  async update<T extends KubeObject>(type: ResourceType, namespace: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    const name = obj.metadata?.name ?? '';
    const action = this.record(type, 'update', namespace, name, { subresource: opts.subresource, object: obj });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as T;
    this.checkNamespace(namespace, obj.metadata?.namespace);
    return this.updateStored(type, namespace, name, structuredClone(obj) as KubeObject, opts) as T;
  }

  async patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts: WriteOptions = {},
  ): Promise<T> {
    const action = this.record(type, 'patch', namespace, name, { subresource: opts.subresource, patchType, patch });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as T;
    const old = this.mustGet(type, namespace, name);
    const base = opts.subresource === 'scale' ? toScale(old) : structuredClone(old);
    let patched: unknown;
    try {
      patched =
        patchType === 'application/json-patch+json'
          ? applyJsonPatch(base, patch)
          : patchType === 'application/strategic-merge-patch+json'
            ? applyStrategicMergePatch(base, patch, base.kind ?? '')
            : applyMergePatch(base, patch);
    } catch (err) {
      if (err instanceof Error && err.name === 'StatusError') throw err;
      throw badRequest(`the patch could not be applied: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
      throw badRequest('the patch must produce an object');
    }
    const p = patched as KubeObject;
    // A patch may carry metadata.resourceVersion as a precondition; otherwise it applies to
    // whatever is stored, so it never conflicts.
    return this.updateStored(type, namespace, name, p, opts) as T;
  }

  async delete<T extends KubeObject>(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): Promise<T> {
    const action = this.record(type, 'delete', namespace, name, { deleteOptions: options });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as T;
    return structuredClone(this.deleteStored(type, namespace, name, options)) as T;
  }

  async deleteCollection<T extends KubeObject>(type: ResourceType, opts: ListOptions, options: DeleteOptions = {}): Promise<ObjectList<T>> {
    const action = this.record(type, 'deletecollection', opts.namespace ?? '', '', { listOptions: opts, deleteOptions: options });
    const reacted = await this.react(action);
    if (reacted) return reacted.object as ObjectList<T>;
    const match = this.matcher(opts);
    const deleted: T[] = [];
    for (const obj of sortedValues(this.bucket(type)).filter(match)) {
      const ns = obj.metadata?.namespace ?? '';
      deleted.push(structuredClone(this.deleteStored(type, ns, obj.metadata?.name ?? '', options)) as T);
    }
    return {
      apiVersion: formatApiVersion(type),
      kind: `${this.kinds.get(typeKey(type)) ?? ''}List`,
      metadata: { resourceVersion: String(this.rv) },
      items: deleted,
    };
  }

  watch<T extends KubeObject>(type: ResourceType, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const { signal: _signal, allowWatchBookmarks: _b, timeoutSeconds: _t, ...listOptions } = opts;
    const action = this.record(type, 'watch', opts.namespace ?? '', '', { listOptions });
    return { [Symbol.asyncIterator]: () => this.watchEvents<T>(type, opts, action) };
  }

  // ---- internals ----

  private async *watchEvents<T extends KubeObject>(
    type: ResourceType,
    opts: WatchOptions,
    action: FakeAction,
  ): AsyncGenerator<WatchEvent<T>> {
    const reacted = await this.react(action);
    if (reacted) {
      yield* reacted.object as AsyncIterable<WatchEvent<T>>;
      return;
    }
    const signal = opts.signal;
    if (signal?.aborted) return;
    const tk = typeKey(type);
    const match = this.matcher(opts);
    const initial: WatchEvent<T>[] = [];
    let cursor: number;
    const from = opts.resourceVersion ?? '';
    if (from === '' || from === '0') {
      // No starting point: the current state as ADDED events, then changes from now.
      for (const obj of sortedValues(this.bucket(type))) {
        if (match(obj)) initial.push({ type: 'ADDED', object: structuredClone(obj) as T });
      }
      cursor = this.log.length;
    } else {
      const rv = Number(from);
      if (!Number.isInteger(rv) || rv < 0) throw badRequest(`invalid resourceVersion "${from}"`);
      if (rv < this.compactedRv) throw expired(`too old resource version: ${rv} (${this.compactedRv})`);
      cursor = this.firstLogIndexAfter(rv);
    }

    const w: ActiveWatch = { wake: () => {}, ended: false, bookmarks: !!opts.allowWatchBookmarks, bookmarkPending: false };
    this.watches.add(w);
    const onAbort = (): void => w.wake();
    signal?.addEventListener('abort', onAbort);
    const timer =
      opts.timeoutSeconds && opts.timeoutSeconds > 0
        ? setTimeout(() => {
            w.ended = true;
            w.wake();
          }, opts.timeoutSeconds * 1000)
        : undefined;
    try {
      for (const e of initial) yield e;
      for (;;) {
        if (signal?.aborted || w.ended) return;
        if (w.failure !== undefined) throw w.failure;
        if (cursor < this.log.length) {
          const entry = this.log[cursor++] as LogEntry;
          if (entry.typeKey !== tk) continue;
          const ev = toWatchEvent(entry, match);
          if (ev) yield ev as WatchEvent<T>;
          continue;
        }
        if (w.bookmarkPending) {
          // Caught up with the log, so the current resourceVersion is a safe resume point.
          w.bookmarkPending = false;
          yield {
            type: 'BOOKMARK',
            object: {
              apiVersion: formatApiVersion(type),
              kind: this.kinds.get(tk) ?? '',
              metadata: { resourceVersion: String(this.rv) },
            } as T,
          };
          continue;
        }
        await new Promise<void>((resolve) => {
          w.wake = resolve;
        });
      }
    } finally {
      this.watches.delete(w);
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    }
  }

  private updateStored(type: ResourceType, namespace: string, name: string, obj: KubeObject, opts: WriteOptions): KubeObject {
    if (!name) throw badRequest('name is required');
    const key = keyOf(namespace, name);
    const old = this.bucket(type).get(key);
    if (!old) throw notFound(this.target(type, name));
    const sentRv = obj.metadata?.resourceVersion;
    if (sentRv && sentRv !== old.metadata?.resourceVersion) throw staleConflict(this.target(type, name));

    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = structuredClone(old);
      if ('status' in obj) next.status = obj.status;
      else delete next.status;
    } else if (opts.subresource === 'scale') {
      next = structuredClone(old);
      const replicas = (obj.spec as { replicas?: number } | undefined)?.replicas;
      next.spec = { ...((next.spec as object | undefined) ?? {}), replicas };
    } else if (opts.subresource) {
      throw badRequest(`subresource "${opts.subresource}" is not supported on update`);
    } else {
      next = obj;
      // Only the status subresource writes status.
      if ('status' in old) next.status = structuredClone(old.status);
      else delete next.status;
    }

    // Fields the server owns are never taken from the client.
    const meta = (next.metadata ??= {});
    const oldMeta = old.metadata ?? {};
    meta.name = oldMeta.name;
    if (oldMeta.namespace) meta.namespace = oldMeta.namespace;
    else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    setOrDelete(meta, 'deletionTimestamp', oldMeta.deletionTimestamp);
    setOrDelete(meta, 'deletionGracePeriodSeconds', oldMeta.deletionGracePeriodSeconds);
    meta.resourceVersion = oldMeta.resourceVersion;
    meta.generation = oldMeta.generation;
    if (!deepEqual(next.spec, old.spec)) meta.generation = (oldMeta.generation ?? 0) + 1;

    // Nothing changed: the apiserver does not write, so no new resourceVersion and no event.
    if (deepEqual(next, old)) return structuredClone(old);
    if (opts.dryRun) return next;

    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0) {
      // The last finalizer is gone from an object being deleted: now it really goes.
      this.bucket(type).delete(key);
      return structuredClone(this.commitDelete(type, next, old));
    }
    return structuredClone(this.commit(type, key, next, 'MODIFIED', old));
  }

  private deleteStored(type: ResourceType, namespace: string, name: string, options: DeleteOptions): KubeObject {
    const key = keyOf(namespace, name);
    const old = this.bucket(type).get(key);
    if (!old) throw notFound(this.target(type, name));
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata?.uid) {
      throw conflict(
        this.target(type, name),
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata?.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata?.resourceVersion) {
      throw conflict(
        this.target(type, name),
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata?.resourceVersion ?? ''}`,
      );
    }
    const finalizers = [...(old.metadata?.finalizers ?? [])];
    const policy = options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : undefined);
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (options.dryRun?.length) return structuredClone(old);

    if (finalizers.length > 0) {
      // Finalizers pending: mark for deletion and let their owners remove them.
      if (old.metadata?.deletionTimestamp && finalizers.length === (old.metadata.finalizers ?? []).length) {
        return structuredClone(old);
      }
      const next = structuredClone(old);
      const meta = next.metadata as NonNullable<KubeObject['metadata']>;
      meta.finalizers = finalizers;
      if (!meta.deletionTimestamp) {
        meta.deletionTimestamp = this.timestamp();
        meta.deletionGracePeriodSeconds = 0;
        meta.generation = (meta.generation ?? 0) + 1;
      }
      return this.commit(type, key, next, 'MODIFIED', old);
    }
    this.bucket(type).delete(key);
    return this.commitDelete(type, structuredClone(old), old);
  }

  /** Answers an authorization.k8s.io review in its status, without storing it, as the registry does. */
  private review(type: ResourceType, namespace: string, obj: KubeObject): KubeObject {
    const info = resourceFor(type.group, type.resource);
    if (!info) throw notFound(this.target(type, ''));
    return answerAccessReview(this.authorizer, info, namespace, structuredClone(obj), this.user);
  }

  private bind(type: ResourceType, namespace: string, binding: KubeObject, opts: WriteOptions): KubeObject {
    const name = binding.metadata?.name ?? '';
    const node = (binding.target as { name?: string } | undefined)?.name;
    if (!node) throw badRequest('binding target name is required');
    const old = this.mustGet(type, namespace, name);
    const spec = (old.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName) {
      throw conflict(this.target(type, name), `pod ${name} is already assigned to node "${spec.nodeName}"`);
    }
    if (old.metadata?.deletionTimestamp) throw conflict(this.target(type, name), `pod ${name} is being deleted, cannot be assigned to a host`);
    const next = structuredClone(old);
    next.spec = { ...((next.spec as object | undefined) ?? {}), nodeName: node };
    // The apiserver's binding also records the PodScheduled condition.
    const status = (next.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: this.timestamp() });
    next.status = { ...status, conditions };
    if (!opts.dryRun) this.commit(type, objectKey(old), next, 'MODIFIED', old);
    return structuredClone(binding);
  }

  /** Writes obj under key with a new resourceVersion and appends the change to the log. */
  private commit(type: ResourceType, key: string, obj: KubeObject, evType: 'ADDED' | 'MODIFIED', prev?: KubeObject): KubeObject {
    this.rv++;
    (obj.metadata ??= {}).resourceVersion = String(this.rv);
    this.bucket(type).set(key, obj);
    this.append({ rv: this.rv, typeKey: typeKey(type), type: evType, object: obj, prevObject: prev });
    return obj;
  }

  private commitDelete(type: ResourceType, last: KubeObject, prev: KubeObject): KubeObject {
    this.rv++;
    // Like the apiserver, the DELETED event carries the last state at the delete's revision.
    (last.metadata ??= {}).resourceVersion = String(this.rv);
    this.append({ rv: this.rv, typeKey: typeKey(type), type: 'DELETED', object: last, prevObject: prev });
    return last;
  }

  private append(entry: LogEntry): void {
    this.log.push(entry);
    for (const w of this.watches) w.wake();
  }

  private firstLogIndexAfter(rv: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.log[mid] as LogEntry).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private record(
    type: ResourceType,
    verb: FakeVerb,
    namespace: string,
    name: string,
    extra: Omit<Partial<FakeAction>, 'verb' | 'resource' | 'group' | 'version' | 'namespace' | 'name'>,
  ): FakeAction {
    const action: FakeAction = { verb, resource: type.resource, group: type.group, version: type.version, namespace, name };
    if (extra.subresource) action.subresource = extra.subresource;
    if (extra.object !== undefined) action.object = structuredClone(extra.object);
    if (extra.patchType) action.patchType = extra.patchType;
    if (extra.patch !== undefined) action.patch = structuredClone(extra.patch);
    if (extra.listOptions) {
      const { signal: _s, ...lo } = extra.listOptions as ListOptions & { signal?: unknown };
      action.listOptions = structuredClone(lo);
    }
    if (extra.deleteOptions) action.deleteOptions = structuredClone(extra.deleteOptions);
    this.recorded.push(action);
    return action;
  }

  private async react(action: FakeAction): Promise<ReactorResult | undefined> {
    for (const r of this.reactors) {
      if (r.verb !== '*' && r.verb !== action.verb) continue;
      if (!resourceMatches(r.resource, action)) continue;
      const result = await r.fn(structuredClone(action));
      if (result) return result;
    }
    return undefined;
  }

  private matcher(opts: { namespace?: string; labelSelector?: string; fieldSelector?: string }): ObjectMatcher {
    let selectors: ObjectMatcher;
    try {
      selectors = compileSelectors(opts.labelSelector, opts.fieldSelector);
    } catch (err) {
      throw badRequest(err instanceof Error ? err.message : String(err));
    }
    const ns = opts.namespace;
    return (obj) => (!ns || (obj.metadata?.namespace ?? '') === ns) && selectors(obj);
  }

  private mustGet(type: ResourceType, namespace: string, name: string): KubeObject {
    const obj = this.bucket(type).get(keyOf(namespace, name));
    if (!obj) throw notFound(this.target(type, name));
    return obj;
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const tk = typeKey(type);
    let b = this.buckets.get(tk);
    if (!b) this.buckets.set(tk, (b = new Map()));
    return b;
  }

  private learnKind(type: ResourceType, obj: KubeObject): void {
    if (obj.kind) this.kinds.set(typeKey(type), obj.kind);
  }

  private target(type: ResourceType, name: string, obj?: KubeObject): ErrorTarget {
    const resource = type.group ? `${type.resource}.${type.group}` : type.resource;
    const kind = obj?.kind ?? this.kinds.get(typeKey(type));
    return { resource, name, group: type.group, ...(kind ? { kind: type.group ? `${kind}.${type.group}` : kind } : {}) };
  }

  private checkNamespace(requestNs: string, objectNs: string | undefined): void {
    if (requestNs && objectNs && requestNs !== objectNs) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  private generateName(type: ResourceType, namespace: string, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_CHARS[Math.floor(Math.random() * GENERATE_NAME_CHARS.length)];
      const name = prefix + suffix;
      if (!this.bucket(type).has(keyOf(namespace, name))) return name;
    }
  }

  /** RFC 3339 in whole seconds, as metav1.Time serializes. */
  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d+Z$/, 'Z');
  }
}

function typeKey(type: ResourceType): string {
  return `${type.group}/${type.resource}`;
}

function keyOf(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function sortedValues(bucket: Map<string, KubeObject>): KubeObject[] {
  return [...bucket.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

function resourceMatches(pattern: string, action: FakeAction): boolean {
  if (pattern === '*') return true;
  const slash = pattern.indexOf('/');
  if (slash < 0) return pattern === action.resource;
  return pattern.slice(0, slash) === action.resource && pattern.slice(slash + 1) === (action.subresource ?? '');
}

/** What a watch with this filter sees of one change (the apiserver cacher's rules). */
function toWatchEvent(entry: LogEntry, match: ObjectMatcher): WatchEvent | undefined {
  if (entry.type === 'DELETED') {
    return match(entry.object) ? { type: 'DELETED', object: structuredClone(entry.object) } : undefined;
  }
  const cur = match(entry.object);
  const old = entry.prevObject ? match(entry.prevObject) : false;
  if (cur && old) return { type: 'MODIFIED', object: structuredClone(entry.object) };
  if (cur) return { type: 'ADDED', object: structuredClone(entry.object) };
  if (old) {
    // Left the selector: a DELETED with the previous content at this event's resourceVersion.
    const prev = structuredClone(entry.prevObject as KubeObject);
    (prev.metadata ??= {}).resourceVersion = String(entry.rv);
    return { type: 'DELETED', object: prev };
  }
  return undefined;
}

function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const m = obj.metadata ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

function setOrDelete<O extends object, F extends keyof O>(o: O, field: F, value: O[F] | undefined): void {
  if (value === undefined) delete o[field];
  else o[field] = value;
}

function encodeContinue(lastKey: string): string {
  return Buffer.from(JSON.stringify({ k: lastKey })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const { k } = JSON.parse(Buffer.from(token, 'base64url').toString()) as { k?: unknown };
    if (typeof k === 'string') return k;
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid');
}

// ---- selectors: the apiserver's own parsers, so fakes filter exactly as the server does ----

/** Tests one stored object against a list/watch filter. */
type ObjectMatcher = (obj: KubeObject) => boolean;

function compileSelectors(labelSelector?: string, fieldSelector?: string): ObjectMatcher {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  return (obj) =>
    (!labels || labels.matches(obj.metadata?.labels)) && (!fields || fields.matches(objectFields(obj.kind ?? '', obj)));
}

/** Structural equality of JSON values (object key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual(ao[k], bo[k]));
}
