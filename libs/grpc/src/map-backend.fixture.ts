// SPDX-License-Identifier: Apache-2.0
// A tiny ApiBackend on a Map, for the transport's tests: enough behaviour (versions,
// conflicts, validation, watch) to see that requests, answers and errors cross the wire
// intact. It is not the registry: it knows one kind shape and checks almost nothing.
import {
  alreadyExists,
  expired,
  invalid,
  notFound,
  staleConflict,
  type ApiBackend,
  type ApiResourceInfo,
  type BackendListOptions,
  type BackendWatchOptions,
  type BackendWriteOptions,
  type DeleteOptions,
  type KubeObject,
  type ObjectList,
  type RequestContext,
  type ResourceRef,
  type StatusError,
  type VersionInfo,
  type WatchEvent,
} from '@berth/api';

type Verb = 'create' | 'get' | 'list' | 'update' | 'patch' | 'delete';

/** One call as the backend received it. */
export interface ReceivedCall {
  verb: Verb | 'watch' | 'deleteCollection';
  ref: ResourceRef;
  body?: unknown;
  opts?: unknown;
}

export class MapBackend implements ApiBackend {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: ReceivedCall[] = [];
  /** Errors to throw on the next calls of a verb, in order. */
  readonly failNext = new Map<Verb, Array<StatusError | Error>>();
  activeWatches = 0;
  private rv = 100;
  private readonly watchers = new Set<(ev: WatchEvent) => void>();

  async create(_ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions) {
    this.calls.push({ verb: 'create', ref, body, opts });
    this.maybeFail('create');
    const obj = sanitize(body);
    const name = obj.metadata?.name;
    if (!name) {
      throw invalid({ resource: ref.resource, kind: 'ConfigMap' }, [
        { type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' },
      ]);
    }
    const ns = ref.namespace || obj.metadata?.namespace || '';
    const key = this.key(ref, ns, name);
    if (this.objects.has(key)) throw alreadyExists({ resource: ref.resource, name });
    const stored: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, namespace: ns, uid: `uid-${name}`, resourceVersion: String(++this.rv) },
    };
    this.objects.set(key, stored);
    this.emit({ type: 'ADDED', object: stored });
    const warnings = Object.keys(body as object)
      .filter((k) => !['apiVersion', 'kind', 'metadata', 'data'].includes(k))
      .map((k) => `unknown field "${k}"`);
    return { object: stored, warnings };
  }

  async get(_ctx: RequestContext, ref: ResourceRef, opts: { resourceVersion?: string }) {
    this.calls.push({ verb: 'get', ref, opts });
    this.maybeFail('get');
    const obj = this.objects.get(this.key(ref, ref.namespace, ref.name));
    if (!obj) throw notFound({ resource: ref.resource, name: ref.name });
    return obj;
  }

  async list(_ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions): Promise<ObjectList> {
    this.calls.push({ verb: 'list', ref, opts });
    this.maybeFail('list');
    return { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: String(this.rv) }, items: this.matching(ref) };
  }

  async update(_ctx: RequestContext, ref: ResourceRef, body: unknown, opts: BackendWriteOptions) {
    this.calls.push({ verb: 'update', ref, body, opts });
    this.maybeFail('update');
    const obj = sanitize(body);
    const key = this.key(ref, ref.namespace, ref.name);
    const old = this.objects.get(key);
    if (!old) throw notFound({ resource: ref.resource, name: ref.name });
    const rv = obj.metadata?.resourceVersion;
    if (rv && rv !== old.metadata?.resourceVersion) throw staleConflict({ resource: ref.resource, name: ref.name });
    const stored: KubeObject = { ...obj, metadata: { ...old.metadata, ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(key, stored);
    this.emit({ type: 'MODIFIED', object: stored });
    return { object: stored, warnings: [] };
  }

  async patch(_ctx: RequestContext, ref: ResourceRef, patchType: string, patch: unknown, opts: BackendWriteOptions) {
    this.calls.push({ verb: 'patch', ref, body: { patchType, patch }, opts });
    this.maybeFail('patch');
    const key = this.key(ref, ref.namespace, ref.name);
    const old = this.objects.get(key);
    if (!old) throw notFound({ resource: ref.resource, name: ref.name });
    const merged = mergePatch(old, patch) as KubeObject;
    const stored: KubeObject = { ...merged, metadata: { ...merged.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(key, stored);
    this.emit({ type: 'MODIFIED', object: stored });
    return { object: stored, warnings: [] };
  }

  async delete(_ctx: RequestContext, ref: ResourceRef, options: DeleteOptions) {
    this.calls.push({ verb: 'delete', ref, opts: options });
    this.maybeFail('delete');
    const key = this.key(ref, ref.namespace, ref.name);
    const old = this.objects.get(key);
    if (!old) throw notFound({ resource: ref.resource, name: ref.name });
    this.objects.delete(key);
    this.emit({ type: 'DELETED', object: old });
    return old;
  }

  async deleteCollection(_ctx: RequestContext, ref: ResourceRef, opts: BackendListOptions, options: DeleteOptions) {
    this.calls.push({ verb: 'deleteCollection', ref, opts: { ...opts, ...options } });
    const items = this.matching(ref);
    for (const obj of items) {
      this.objects.delete(this.key(ref, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
      this.emit({ type: 'DELETED', object: obj });
    }
    return { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: String(this.rv) }, items };
  }

  /** resourceVersion "1" is too old (Expired); labelSelector "error=1" sends an ERROR event. */
  async *watch(ctx: RequestContext, ref: ResourceRef, opts: BackendWatchOptions): AsyncIterable<WatchEvent> {
    this.calls.push({ verb: 'watch', ref, opts });
    if (opts.resourceVersion === '1') throw expired(`too old resource version: 1 (${this.rv})`);
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const push = (ev: WatchEvent): void => {
      if (ref.namespace && ev.object.metadata?.namespace !== ref.namespace) return;
      queue.push(ev);
      notify();
    };
    this.watchers.add(push);
    ctx.signal?.addEventListener('abort', notify);
    this.activeWatches++;
    try {
      if (opts.labelSelector === 'error=1') {
        const st = expired('the watch cache was reset').status;
        yield { type: 'ERROR', object: st as KubeObject, status: st };
      }
      if (!opts.resourceVersion) for (const obj of this.matching(ref)) yield { type: 'ADDED', object: obj };
      while (!ctx.signal?.aborted) {
        const ev = queue.shift();
        if (ev) yield ev;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.watchers.delete(push);
      ctx.signal?.removeEventListener('abort', notify);
      this.activeWatches--;
    }
  }

  version(): VersionInfo {
    return {
      major: '1',
      minor: '30',
      gitVersion: 'v1.30.0-berth',
      gitCommit: 'abc123',
      buildDate: '2025-01-01T00:00:00Z',
      goVersion: 'node20',
      compiler: 'tsx',
      platform: 'linux/amd64',
    };
  }

  resources(): ApiResourceInfo[] {
    return [
      {
        name: 'configmaps',
        singularName: 'configmap',
        namespaced: true,
        group: '',
        version: 'v1',
        kind: 'ConfigMap',
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['cm'],
        categories: [],
      },
    ];
  }

  private key(ref: ResourceRef, namespace: string, name: string): string {
    return `${ref.resource}/${namespace}/${name}`;
  }

  private matching(ref: ResourceRef): KubeObject[] {
    const prefix = ref.namespace ? `${ref.resource}/${ref.namespace}/` : `${ref.resource}/`;
    return [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  }

  private emit(ev: WatchEvent): void {
    for (const w of this.watchers) w(ev);
  }

  private maybeFail(verb: Verb): void {
    const err = this.failNext.get(verb)?.shift();
    if (err) throw err;
  }
}

// Keeps what a ConfigMap has, as the registry would after dropping unknown fields.
function sanitize(body: unknown): KubeObject {
  const b = body as KubeObject;
  return { apiVersion: b.apiVersion, kind: b.kind, metadata: { ...b.metadata }, ...(b.data ? { data: b.data } : {}) };
}

// RFC 7386 JSON merge patch.
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
