// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  assertFieldsSupported,
  badRequest,
  conflict,
  expired,
  internalError,
  invalid,
  notFound,
  objectFields,
  parseFieldSelector,
  parseLabelSelector,
  qualifiedKind,
  qualifiedResource,
  staleConflict,
  StatusError,
  tooLarge,
  apiVersionOf,
  type DeleteOptions,
  type KubeObject,
  type ObjectList,
  type ResourceInfo,
  type WatchEvent,
  deepCopy,
} from '@berth/api';
import { isStorageError, WatchCache, type Storage } from '@berth/storage';
import { decodeContinue, encodeContinue } from './continue-token';
import { generateName } from './name-generator';
import type { PropagationPolicy, Strategy } from './strategy';

/** etcd's default request limit; Kubernetes objects larger than this cannot be stored. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
const GENERATE_NAME_ATTEMPTS = 8;
const UPDATE_RETRIES = 5;

export interface ListQuery {
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchQuery {
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  signal: AbortSignal;
}

/**
 * What an admission step may ask to run once the write is decided: `commit` after it was
 * stored (e.g. free what the old version held), `rollback` when it was not (free what was
 * just allocated).
 */
export interface AdmissionHooks {
  commit?(): Promise<void>;
  rollback?(): Promise<void>;
}

/** What an admission step knows of the request besides the objects (Kubernetes' admission.Attributes). */
export interface AdmissionAttributes {
  /**
   * The name admission errors show. On a create with generateName it is the generateName,
   * as in Kubernetes, where admission runs before the name is generated.
   */
  name: string;
}

/** Applied to every write after strategy validation: the admission chain. It may mutate `obj`. */
export type AdmitFn = (
  op: 'CREATE' | 'UPDATE' | 'DELETE',
  obj: KubeObject,
  old: KubeObject | undefined,
  info: ResourceInfo,
  attrs?: AdmissionAttributes,
) => Promise<AdmissionHooks | void>;

/**
 * Runs `write`, then the hooks' commit — or their rollback if the write failed, was a dry
 * run, or did not happen (`stored` says so, e.g. a conflict that will be retried).
 */
async function withHooks<T>(hooks: AdmissionHooks | void, dryRun: boolean, write: () => Promise<T>, stored: (r: T) => boolean = () => true): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (e) {
    await hooks?.rollback?.();
    throw e;
  }
  if (dryRun || !stored(result)) await hooks?.rollback?.();
  else await hooks?.commit?.();
  return result;
}

/**
 * ResourceStore is the generic registry store of one resource (Kubernetes'
 * genericregistry.Store): keys, server-set metadata, strategy hooks, optimistic
 * concurrency, graceful deletion and finalizers, over Storage for writes and a
 * WatchCache for lists and watches.
 */
export class ResourceStore {
  readonly prefix: string;
  private readonly cache: WatchCache;
  private readonly resourceName: string;

  constructor(
    readonly strategy: Strategy,
    private readonly storage: Storage,
    private readonly admit: AdmitFn,
    watchCacheCapacity?: number,
  ) {
    const info = strategy.info;
    this.prefix = `/registry/${info.group || 'core'}/${info.resource}/`;
    this.cache = new WatchCache(storage, this.prefix, watchCacheCapacity ? { capacity: watchCacheCapacity } : {});
    this.resourceName = qualifiedResource(info);
  }

  get info(): ResourceInfo {
    return this.strategy.info;
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  key(namespace: string, name: string): string {
    return this.info.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  private target(name: string): { resource: string; name: string; kind: string; group: string } {
    return { resource: this.resourceName, name, kind: qualifiedKind(this.info), group: this.info.group };
  }

  /** The objects of a namespace ("" for a cluster-scoped resource) as the watch cache has them. */
  listCached(namespace: string): KubeObject[] {
    return this.cache.list(namespace ? { keyPrefix: `${this.prefix}${namespace}/` } : {}).items;
  }

  /** The object as the watch cache has it: possibly a moment old, without a storage round trip. */
  getCached(namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(this.key(namespace, name));
  }

  /**
   * The object or undefined: from the watch cache (no storage round trip; a delete applies
   * as soon as the cache sees it), from storage when the cache does not have it yet (an
   * object just created).
   */
  async lookup(namespace: string, name: string): Promise<KubeObject | undefined> {
    const cached = this.getCached(namespace, name);
    if (cached) return cached;
    return this.storage.get(this.key(namespace, name));
  }

  async get(namespace: string, name: string): Promise<KubeObject> {
    const obj = await this.storage.get(this.key(namespace, name));
    if (!obj) throw notFound(this.target(name));
    return obj;
  }

  async create(namespace: string, input: KubeObject, dryRun = false): Promise<KubeObject> {
    const obj: KubeObject = deepCopy(input);
    const meta = (obj.metadata ??= {});
    if (this.info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = meta.namespace || namespace || 'default';
    } else {
      delete meta.namespace;
    }
    // Server-owned metadata: whatever the client sent is replaced.
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    delete meta.generation;
    delete meta.selfLink;
    obj.apiVersion = apiVersionOf(this.info);
    obj.kind = this.info.kind;
    this.strategy.prepareForCreate(obj);
    if (obj.metadata !== meta) throw internalError('a create strategy replaced metadata instead of changing it');
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = generateName(meta.generateName ?? '');
    const errors = this.strategy.validate(obj);
    if (errors.length > 0) throw invalid(this.target(meta.name ?? ''), errors);
    const hooks = await this.admit('CREATE', obj, undefined, this.info, { name: generated ? (meta.generateName ?? '') : (meta.name ?? '') });
    return withHooks(hooks, dryRun, async () => {
      if (dryRun) return this.checkSize(obj);
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.storage.create(this.key(meta.namespace ?? '', meta.name ?? ''), obj);
        } catch (e) {
          if (isStorageError(e, 'KeyExists')) {
            if (generated && attempt < GENERATE_NAME_ATTEMPTS) {
              meta.name = generateName(meta.generateName ?? '');
              continue;
            }
            throw alreadyExists(this.target(meta.name ?? ''));
          }
          throw this.mapStorageError(e, meta.name ?? '');
        }
      }
    });
  }

  /**
   * Replaces the object. An empty resourceVersion updates unconditionally; a stale one is
   * a Conflict. `status` updates only the status; otherwise the stored status is kept.
   */
  async update(namespace: string, input: KubeObject, opts: { subresource?: string; dryRun?: boolean } = {}): Promise<KubeObject> {
    const name = input.metadata?.name ?? '';
    if (!name) throw badRequest('name is required for an update');
    if (this.info.namespaced && input.metadata?.namespace && namespace && input.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return this.updateWith(namespace, name, input.metadata?.resourceVersion, () => input, opts);
  }

  /**
   * Update from a function of the current object (what patch uses): `compute` returns the
   * object the client would have sent; the strategy then applies server-side rules.
   */
  async updateWith(
    namespace: string,
    name: string,
    pinnedVersion: string | undefined,
    compute: (current: KubeObject) => KubeObject,
    opts: { subresource?: string; dryRun?: boolean } = {},
  ): Promise<KubeObject> {
    // Not for a binding (the server's own write), nor for a status write, which keeps the
    // stored spec and metadata (prepareForStatusUpdate) and for which no kind has rules of its
    // own: validating it again could only fail on what is already stored.
    const validate = opts.subresource !== 'binding' && opts.subresource !== 'status';
    return this.guaranteedUpdate(namespace, name, pinnedVersion, (current) => {
      const next: KubeObject = deepCopy(compute(current));
      next.apiVersion = apiVersionOf(this.info);
      next.kind = this.info.kind;
      next.metadata = {
        ...next.metadata,
        name: current.metadata?.name,
        namespace: current.metadata?.namespace,
        uid: current.metadata?.uid,
        creationTimestamp: current.metadata?.creationTimestamp,
        deletionTimestamp: current.metadata?.deletionTimestamp,
        deletionGracePeriodSeconds: current.metadata?.deletionGracePeriodSeconds,
        generation: current.metadata?.generation,
      };
      for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace'] as const) {
        if (next.metadata[k] === undefined) delete next.metadata[k];
      }
      if (!this.info.namespaced) delete next.metadata.namespace;
      // A binding is the server's own write of spec.nodeName and the PodScheduled condition.
      if (opts.subresource === 'binding') return next;
      if (opts.subresource === 'status') this.strategy.prepareForStatusUpdate(next, current);
      else this.strategy.prepareForUpdate(next, current);
      return next;
    }, opts.dryRun, validate);
  }

  /**
   * Reads the current object, computes the next one and writes it with a CAS on the
   * read resourceVersion, retrying when someone else wrote in between — unless the
   * caller pinned a resourceVersion, in which case a mismatch is the caller's Conflict.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    pinnedVersion: string | undefined,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    dryRun = false,
    validate = true,
  ): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (let attempt = 1; ; attempt++) {
      // The first attempt starts from the watch cache's copy, as kube-apiserver does: most
      // updates then cost one etcd round trip instead of two. A stale copy only fails the
      // compare-and-swap, and the retry reads etcd.
      const cached = attempt === 1 ? this.cache.get(key) : undefined;
      const current = cached && (!pinnedVersion || pinnedVersion === cached.metadata?.resourceVersion) ? cached : await this.storage.get(key);
      if (!current) throw notFound(this.target(name));
      const rv = current.metadata?.resourceVersion ?? '';
      if (pinnedVersion && pinnedVersion !== rv) throw staleConflict(this.target(name));
      const next = await mutate(deepCopy(current));
      const errors = validate ? this.strategy.validateUpdate(next, current) : [];
      if (errors.length > 0) throw invalid(this.target(name), errors);
      const hooks = await this.admit('UPDATE', next, current, this.info, { name });
      const write = await withHooks(hooks, dryRun, async (): Promise<KubeObject | 'retry'> => {
        if (dryRun) return this.checkSize(next);
        // An object being deleted goes away once its last finalizer is removed.
        if (next.metadata?.deletionTimestamp && isFinalized(next)) {
          try {
            return await this.storage.delete(key, rv);
          } catch (e) {
            if (isStorageError(e, 'Conflict') && !pinnedVersion && attempt < UPDATE_RETRIES) return 'retry';
            throw this.mapStorageError(e, name);
          }
        }
        try {
          return await this.storage.update(key, next, rv);
        } catch (e) {
          if (isStorageError(e, 'Conflict') && !pinnedVersion && attempt < UPDATE_RETRIES) return 'retry';
          throw this.mapStorageError(e, name);
        }
      }, (r) => r !== 'retry');
      if (write !== 'retry') return write;
    }
  }

  /**
   * Deletes: at once when nothing holds the object; otherwise sets deletionTimestamp and
   * leaves it to finalizers (orphan/foreground propagation, the namespace controller) or
   * to the kubelet (a pod's grace period). Returns the object as last seen.
   */
  async delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<KubeObject> {
    const key = this.key(namespace, name);
    for (let attempt = 1; ; attempt++) {
      const current = await this.storage.get(key);
      if (!current) throw notFound(this.target(name));
      const meta = current.metadata ?? {};
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw conflict(this.target(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid ?? ''}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw conflict(
          this.target(name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`,
        );
      }
      await this.admit('DELETE', current, current, this.info, { name });
      const policy = propagationOf(options, this.strategy.defaultPropagation);
      const finalizers = new Set(meta.finalizers ?? []);
      if (policy === 'Orphan') finalizers.add('orphan');
      if (policy === 'Foreground') finalizers.add('foregroundDeletion');
      if (policy === 'Background') {
        finalizers.delete('orphan');
        finalizers.delete('foregroundDeletion');
      }
      const grace = this.strategy.gracePeriodSeconds(current, options.gracePeriodSeconds);
      const specFinalizers = ((current['spec'] as { finalizers?: string[] } | undefined)?.finalizers ?? []).length;
      const pending = finalizers.size > 0 || grace > 0 || specFinalizers > 0;
      if (options.dryRun?.length) return current;
      try {
        if (!pending) return await this.storage.delete(key, meta.resourceVersion);
        if (meta.deletionTimestamp && grace >= (meta.deletionGracePeriodSeconds ?? 0) && sameSet(finalizers, meta.finalizers)) {
          return current; // already terminating; a longer grace period cannot extend it
        }
        const next = deepCopy(current);
        const now = Date.now();
        next.metadata = {
          ...next.metadata,
          // A shorter grace period than the pending one brings the deadline forward.
          deletionTimestamp:
            meta.deletionTimestamp && grace >= (meta.deletionGracePeriodSeconds ?? 0)
              ? meta.deletionTimestamp
              : new Date(now + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
          deletionGracePeriodSeconds: grace,
          finalizers: [...finalizers],
        };
        if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
        if (this.info.resource === 'namespaces' && this.info.group === '') {
          next['status'] = { ...(next['status'] as object), phase: 'Terminating' };
        }
        return await this.storage.update(key, next, meta.resourceVersion ?? '');
      } catch (e) {
        if (isStorageError(e, 'Conflict') && attempt < UPDATE_RETRIES) continue;
        if (isStorageError(e, 'KeyNotFound')) throw notFound(this.target(name));
        throw this.mapStorageError(e, name);
      }
    }
  }

  /** Lists from the watch cache (consistent with storage), or from storage when paging. */
  async list(q: ListQuery): Promise<ObjectList> {
    const predicate = this.predicate(q.labelSelector, q.fieldSelector);
    const keyPrefix = this.info.namespaced && q.namespace ? `${this.prefix}${q.namespace}/` : this.prefix;
    const listKind = `${this.info.kind}List`;
    const apiVersion = apiVersionOf(this.info);
    if (q.limit || q.continue) {
      const cont = q.continue ? decodeContinue(q.continue) : undefined;
      const items: KubeObject[] = [];
      let continueKey = cont?.key;
      let revision = cont?.revision;
      let more = false;
      try {
        // Filtered pages may come back short, as in Kubernetes; keep reading until full.
        do {
          const page = await this.storage.list(keyPrefix, { limit: q.limit ?? 0, continueKey, revision });
          revision = page.revision;
          for (const o of page.items) if (!predicate || predicate(o)) items.push(o);
          continueKey = page.continueKey;
          more = !!page.continueKey;
        } while (more && q.limit && items.length < q.limit);
      } catch (e) {
        if (isStorageError(e, 'Expired')) {
          throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
        }
        throw e;
      }
      const metadata: ObjectList['metadata'] = { resourceVersion: revision ?? '' };
      if (more && continueKey) metadata.continue = encodeContinue({ revision: revision ?? '', key: continueKey });
      return { apiVersion, kind: listKind, metadata, items };
    }
    if (q.resourceVersion !== '0') {
      try {
        await this.cache.waitUntilFresh(await this.storage.currentRevision());
      } catch (e) {
        // The cache cannot prove it is current (etcd without progress notifications, or a
        // re-list in progress): read etcd directly, as Kubernetes does.
        if (!isStorageError(e, 'Unavailable')) throw e;
        const page = await this.storage.list(keyPrefix);
        const items = predicate ? page.items.filter(predicate) : page.items;
        return { apiVersion, kind: listKind, metadata: { resourceVersion: page.revision }, items };
      }
    }
    const page = this.cache.list({ keyPrefix, predicate });
    return { apiVersion, kind: listKind, metadata: { resourceVersion: page.revision }, items: page.items };
  }

  /** Watches through the cache: ADDED for current objects first when no version is given. */
  async *watch(q: WatchQuery): AsyncIterable<WatchEvent> {
    const predicate = this.predicate(q.labelSelector, q.fieldSelector);
    const keyPrefix = this.info.namespaced && q.namespace ? `${this.prefix}${q.namespace}/` : this.prefix;
    let from = q.resourceVersion ?? '';
    if (from && !/^\d+$/.test(from)) throw badRequest(`resourceVersion: Invalid value: "${from}": must be a number`);
    if (from === '') {
      // "Start at the most recent": the current state as ADDED, then changes after it.
      await this.cache.waitUntilFresh(await this.storage.currentRevision());
      from = '0';
    }
    try {
      for await (const ev of this.cache.watch(from, { keyPrefix, predicate, signal: q.signal, bookmarks: !!q.allowWatchBookmarks })) {
        yield { type: ev.type, object: ev.object };
      }
    } catch (e) {
      if (isStorageError(e, 'Expired')) {
        throw expired(`too old resource version: ${from} (${this.cache.revision})`);
      }
      throw e;
    }
  }

  private predicate(labelSelector?: string, fieldSelector?: string): ((obj: KubeObject) => boolean) | undefined {
    const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
    const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
    // Reject field labels the kind does not expose, as Kubernetes does.
    if (fields) assertFieldsSupported(this.info.kind, fields);
    if (!labels && !fields) return undefined;
    const kind = this.info.kind;
    return (obj) =>
      (!labels || labels.matches(obj.metadata?.labels)) && (!fields || fields.matches(objectFields(kind, obj)));
  }

  /** A dry run's size check; a real write has the storage's (one serialization, not two). */
  private checkSize(obj: KubeObject): KubeObject {
    const size = Buffer.byteLength(JSON.stringify(obj));
    if (size > MAX_OBJECT_BYTES) {
      throw tooLarge(`Request entity too large: ${qualifiedKind(this.info)} "${obj.metadata?.name ?? ''}" is ${size} bytes; the limit is ${MAX_OBJECT_BYTES} bytes`);
    }
    return obj;
  }

  private mapStorageError(e: unknown, name: string): StatusError {
    if (e instanceof StatusError) return e;
    if (isStorageError(e)) {
      switch (e.code) {
        case 'KeyNotFound':
          return notFound(this.target(name));
        case 'KeyExists':
          return alreadyExists(this.target(name));
        case 'Conflict':
          return staleConflict(this.target(name));
        case 'TooLarge':
          // The storage's message says how large ("is N bytes; the limit is M bytes").
          return tooLarge(`Request entity too large: ${qualifiedKind(this.info)} "${name}" ${e.message}`);
        case 'Expired':
          return expired(e.message);
        case 'Unavailable':
          return new StatusError({ reason: 'ServiceUnavailable', code: 503, message: `storage unavailable: ${e.message}` });
      }
    }
    return internalError((e as Error)?.message ?? String(e));
  }
}

function propagationOf(options: DeleteOptions, fallback: PropagationPolicy): PropagationPolicy {
  if (options.propagationPolicy) {
    const p = options.propagationPolicy;
    if (p !== 'Orphan' && p !== 'Background' && p !== 'Foreground') {
      throw badRequest(`propagationPolicy: Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan"`);
    }
    return p;
  }
  if (options.orphanDependents === true) return 'Orphan';
  if (options.orphanDependents === false) return 'Background';
  return fallback;
}

function isFinalized(obj: KubeObject): boolean {
  const specFinalizers = (obj['spec'] as { finalizers?: string[] } | undefined)?.finalizers ?? [];
  return (obj.metadata?.finalizers ?? []).length === 0 && specFinalizers.length === 0 && !((obj.metadata?.deletionGracePeriodSeconds ?? 0) > 0);
}

function sameSet(a: Set<string>, b: string[] | undefined): boolean {
  const bs = new Set(b ?? []);
  return a.size === bs.size && [...a].every((x) => bs.has(x));
}
