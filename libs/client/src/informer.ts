// SPDX-License-Identifier: Apache-2.0
import { isExpired, objectKey, StatusError, type KubeObject, type WatchEvent } from '@berth/api';
import type { ApiClient, ResourceType } from './api-client';
import { Store, type Indexers, type Lister } from './store';

/**
 * The logger libraries in @berth/client write to: the pino call shape
 * (`logger.warn({ err, key }, 'message')`), so a pino Logger fits, and tests can pass a
 * silent or capturing one.
 */
export interface ClientLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A ClientLogger that drops everything. */
export const silentLogger: ClientLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * What an informer tells its handlers. Handlers run one at a time, in the order of the
 * changes, on the informer's own loop: keep them short (enqueue a key, as controllers do)
 * and never modify the objects they receive.
 */
export interface EventHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  /**
   * The object changed, or (periodic resync) did not: then `oldObj === newObj` and both have
   * the same resourceVersion, which handlers that only care about changes should skip.
   */
  onUpdate?(oldObj: T, newObj: T): void;
  /**
   * The object is gone. When the deletion happened while the informer was disconnected, it
   * is noticed on the next list and `obj` is the last state the informer knew.
   */
  onDelete?(obj: T): void;
}

/** How long to wait between failed list/watch attempts (doubling from initial to max). */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export interface SharedInformerOptions<T extends KubeObject = KubeObject> {
  /** Only this namespace; empty/undefined for all namespaces or cluster-scoped kinds. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as onUpdate(obj, obj) this often; 0/undefined = never. */
  resyncPeriodMs?: number;
  /** Extra indexes of the cache (the 'namespace' index always exists). */
  indexers?: Indexers<T>;
  /** Page size of the initial list; 0 = no paging. Default 500. */
  pageSize?: number;
  /** Backoff after failed lists or broken watches; default 800 ms doubling to 30 s (client-go). */
  backoff?: BackoffOptions;
  logger?: ClientLogger;
}

/**
 * SharedInformer keeps a local cache of one kind (optionally filtered by namespace and
 * selectors) and tells handlers about changes, like client-go's SharedIndexInformer.
 *
 * It lists, stores the result, then watches from the list's resourceVersion (with
 * bookmarks, so resuming after a quiet period does not fall behind compaction). When the
 * watch ends it resumes from the last resourceVersion seen; when the watch fails or the
 * resourceVersion has expired, it lists again after a backoff and delivers the difference
 * between the cache and the new list as adds, updates and deletes.
 *
 * This cache is eventually consistent with the authoritative state: it may lag behind the
 * API and may skip intermediate versions of an object, but every handler eventually sees
 * the latest state of every object, and an object's updates arrive in order. Controllers
 * must therefore be level-triggered: read the cache in sync(key), never rely on having seen
 * a particular event.
 */
export class SharedInformer<T extends KubeObject = KubeObject> {
  /** The cache. NEVER modify the objects it returns: they are shared by every handler. */
  readonly store: Lister<T>;
  private readonly cache: Store<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly logger: ClientLogger;
  private readonly backoff: BackoffOptions;
  private synced = false;
  private started = false;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(
    private readonly client: ApiClient,
    readonly type: ResourceType,
    private readonly opts: SharedInformerOptions<T> = {},
  ) {
    this.cache = new Store<T>(opts.indexers);
    this.store = this.cache;
    this.logger = opts.logger ?? silentLogger;
    this.backoff = opts.backoff ?? { initialMs: 800, maxMs: 30_000 };
  }

  /**
   * Registers handlers. Added after the informer has synced, the handler first gets onAdd
   * for every cached object, so late registrants see the same world as early ones.
   */
  addEventHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced) {
      for (const obj of this.cache.list()) this.call(handler, 'onAdd', obj);
    }
  }

  /** Adds indexes to the cache; call before run(). */
  addIndexers(indexers: Indexers<T>): void {
    this.cache.addIndexers(indexers);
  }

  /** True once the first list has been stored and delivered to handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the cache reflects. */
  lastSyncResourceVersion(): string {
    return this.cache.resourceVersion();
  }

  /** Resolves once synced; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = (): void => reject(abortError(signal as AbortSignal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Lists and watches until `signal` aborts. Resolves when stopped; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`informer for ${describe(this.type)} is already running`);
    this.started = true;
    const resync = this.opts.resyncPeriodMs ? setInterval(() => this.resync(), this.opts.resyncPeriodMs) : undefined;
    let delay = this.backoff.initialMs;
    let needList = true;
    try {
      while (!signal.aborted) {
        let watching = false;
        try {
          if (needList) {
            await this.listAndReplace(signal);
            needList = false;
          }
          watching = true;
          const started = Date.now();
          const events = await this.watch(signal);
          if (signal.aborted) break;
          if (events === 0 && Date.now() - started < 1000) {
            // A watch that ends at once with nothing in it is a sick server, not a timeout
            // (client-go: "very short watch"); do not hammer it.
            this.logger.warn({ resource: describe(this.type), retryInMs: delay }, 'very short watch; retrying');
            await sleep(jitter(delay), signal);
            delay = Math.min(delay * 2, this.backoff.maxMs);
            continue;
          }
          // A clean end (server timeout): resume from the last resourceVersion, no re-list.
          delay = this.backoff.initialMs;
        } catch (err) {
          if (signal.aborted) break;
          needList = true;
          if (watching && isExpired(err)) {
            // Our resourceVersion was compacted away: re-list now, waiting would not help.
            this.logger.info({ resource: describe(this.type), err }, 'watch expired; re-listing');
            continue;
          }
          this.logger.warn({ resource: describe(this.type), err, retryInMs: delay }, 'list/watch failed; retrying');
          await sleep(jitter(delay), signal);
          delay = Math.min(delay * 2, this.backoff.maxMs);
        }
      }
    } finally {
      if (resync) clearInterval(resync);
    }
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let rv = '';
    let cont: string | undefined;
    const limit = this.opts.pageSize ?? 500;
    do {
      const page = await this.client.list<T>(this.type, {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        ...(limit > 0 ? { limit } : {}),
        ...(cont ? { continue: cont } : {}),
      });
      if (signal.aborted) return;
      // Every page is read at the first page's resourceVersion; that is the list's.
      if (!rv) rv = page.metadata.resourceVersion ?? '';
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
    } while (cont);
    this.replace(items, rv);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Stores a fresh list and tells handlers what changed since the cache was last right. */
  private replace(items: T[], rv: string): void {
    const fresh = new Map<string, T>();
    for (const obj of items) fresh.set(objectKey(obj), obj);
    const gone: T[] = [];
    const changed: Array<[T | undefined, T]> = [];
    for (const old of this.cache.list()) {
      if (!fresh.has(objectKey(old))) gone.push(old);
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      if (!old || old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) changed.push([old, obj]);
    }
    this.cache.replace(items, rv);
    for (const old of gone) this.dispatch('onDelete', old);
    for (const [old, obj] of changed) {
      if (old) this.dispatchUpdate(old, obj);
      else this.dispatch('onAdd', obj);
    }
  }

  /** Watches until the stream ends; returns how many events it delivered. */
  private async watch(signal: AbortSignal): Promise<number> {
    // A random server-side timeout spreads re-watches of many informers over time (client-go: 5–10 min).
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const events = this.client.watch<T>(this.type, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.cache.resourceVersion(),
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal,
    });
    let n = 0;
    for await (const ev of events) {
      if (signal.aborted) break;
      n++;
      this.handleEvent(ev);
    }
    return n;
  }

  private handleEvent(ev: WatchEvent<T>): void {
    const rv = ev.object?.metadata?.resourceVersion;
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.cache.getByObject(ev.object);
        this.cache.add(ev.object);
        if (old) this.dispatchUpdate(old, ev.object);
        else this.dispatch('onAdd', ev.object);
        break;
      }
      case 'DELETED': {
        const old = this.cache.delete(ev.object);
        // Deliver the object even if the cache did not have it: the server says it existed.
        this.dispatch('onDelete', ev.object ?? old);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR':
        // The server ended the watch with a Status (Expired, Gone, ...): throw it so run()
        // decides between re-listing at once and backing off.
        throw statusToError(ev);
    }
    if (rv) this.cache.setResourceVersion(rv);
  }

  private resync(): void {
    if (!this.synced) return;
    for (const obj of this.cache.list()) this.dispatchUpdate(obj, obj);
  }

  private dispatch(event: 'onAdd' | 'onDelete', obj: T): void {
    for (const h of this.handlers) this.call(h, event, obj);
  }

  private dispatchUpdate(oldObj: T, newObj: T): void {
    for (const h of this.handlers) {
      try {
        h.onUpdate?.(oldObj, newObj);
      } catch (err) {
        this.logger.error({ resource: describe(this.type), key: objectKey(newObj), err }, 'event handler failed');
      }
    }
  }

  private call(h: EventHandler<T>, event: 'onAdd' | 'onDelete', obj: T): void {
    try {
      h[event]?.(obj);
    } catch (err) {
      // One handler's bug must not stop the others or the informer's loop.
      this.logger.error({ resource: describe(this.type), key: objectKey(obj), err }, 'event handler failed');
    }
  }
}

export interface InformerFactoryOptions {
  /** Namespace of every informer unless informerFor says otherwise. */
  namespace?: string;
  resyncPeriodMs?: number;
  backoff?: BackoffOptions;
  logger?: ClientLogger;
}

/**
 * InformerFactory hands out one SharedInformer per resource and namespace, so every
 * controller in a process shares one cache and one watch per kind (client-go
 * SharedInformerFactory). Ask for informers first, then start(), then waitForSync().
 */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly client: ApiClient,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /** The shared informer for a resource (created on first request). */
  informerFor<T extends KubeObject = KubeObject>(type: ResourceType, opts: { namespace?: string } = {}): SharedInformer<T> {
    const namespace = opts.namespace ?? this.opts.namespace ?? '';
    const key = `${type.group}/${type.version}/${type.resource}/${namespace}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedInformer<KubeObject>(this.client, type, {
        namespace,
        resyncPeriodMs: this.opts.resyncPeriodMs,
        backoff: this.opts.backoff,
        logger: this.opts.logger,
      });
      this.informers.set(key, inf);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer not started yet; they stop when `signal` aborts. Safe to call again. */
  start(signal: AbortSignal): void {
    for (const [key, inf] of this.informers) {
      if (this.running.has(key)) continue;
      this.running.set(key, inf.run(signal));
    }
  }

  /** Resolves once every started informer has synced. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    const started = [...this.informers].filter(([k]) => this.running.has(k)).map(([, inf]) => inf);
    await Promise.all(started.map((inf) => inf.waitForSync(signal)));
  }

  /** Resolves when every started informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running.values());
  }
}

/** Waits until every informer has synced (sample-controller's WaitForCacheSync). */
export async function waitForCacheSync(signal: AbortSignal, ...informers: Array<{ waitForSync(signal?: AbortSignal): Promise<void> }>): Promise<void> {
  await Promise.all(informers.map((i) => i.waitForSync(signal)));
}

function describe(type: ResourceType): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

function statusToError(ev: WatchEvent): StatusError {
  // Kubernetes puts the Status in the event's object; our WatchEvent may carry it in `status`.
  const status = ev.status ?? (ev.object as unknown as NonNullable<WatchEvent['status']>);
  return new StatusError(status ?? { reason: 'InternalError', message: 'watch error', code: 500 });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function jitter(ms: number): number {
  return ms * (1 + Math.random() * 0.2);
}

/** Sleeps, or resolves early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
