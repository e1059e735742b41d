// SPDX-License-Identifier: Apache-2.0
import { objectKey, type KubeObject } from '@berth/api';

/** Computes the index values of an object (e.g. its namespace, its node name). */
export type IndexFunc<T> = (obj: T) => string[];

/** Named index functions. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** The name of the index every Store has: objects by metadata.namespace ('' when cluster-scoped). */
export const NAMESPACE_INDEX = 'namespace';

/** Index function of NAMESPACE_INDEX. */
export function namespaceIndexFunc(obj: KubeObject): string[] {
  return [obj.metadata?.namespace ?? ''];
}

/**
 * Lister is the read side of an informer's cache, what controllers read desired and
 * observed state from.
 *
 * NEVER modify objects returned by a Lister: they are the shared cache of every
 * controller in the process. `structuredClone` one before changing it.
 */
export interface Lister<T extends KubeObject> {
  /** The object under a key made by objectKey ("ns/name" or "name"). */
  get(key: string): T | undefined;
  list(): T[];
  listKeys(): string[];
  /** Objects whose index `indexName` yields `value`; throws if the index does not exist. */
  byIndex(indexName: string, value: string): T[];
  /** Shorthand for byIndex(NAMESPACE_INDEX, namespace). */
  listByNamespace(namespace: string): T[];
}

/**
 * Store is an Indexer (client-go `cache.Indexer`): objects by key plus secondary
 * indexes kept up to date on every write. It stores what it is given, without copying.
 */
export class Store<T extends KubeObject> implements Lister<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** indexName → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private rv = '';

  constructor(indexers: Indexers<T> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: namespaceIndexFunc, ...indexers });
  }

  /** Adds indexes; existing objects are indexed at once. An existing name throws. */
  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer "${name}" already exists`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) addToIndex(index, fn(obj), key);
    }
  }

  /** Inserts or replaces the object under its key. */
  add(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
  }

  /** Same as add: the store does not distinguish. */
  update(obj: T): void {
    this.add(obj);
  }

  /** Removes the object (by its key); returns what was stored, if anything. */
  delete(obj: T | string): T | undefined {
    const key = typeof obj === 'string' ? obj : objectKey(obj);
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  /** The stored object with the same key as `obj`. */
  getByObject(obj: KubeObject): T | undefined {
    return this.items.get(objectKey(obj));
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  size(): number {
    return this.items.size;
  }

  /** Replaces the whole content, as after a list; `resourceVersion` is the list's. */
  replace(items: T[], resourceVersion: string): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of items) this.add(obj);
    this.rv = resourceVersion;
  }

  /** The resourceVersion given to the last replace (or set with setResourceVersion). */
  resourceVersion(): string {
    return this.rv;
  }

  setResourceVersion(rv: string): void {
    this.rv = rv;
  }

  byIndex(indexName: string, value: string): T[] {
    const keys = this.indexKeys(indexName, value);
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.items.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Keys of the objects whose index `indexName` yields `value`. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** The values present in an index. */
  listIndexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...index.keys()];
  }

  listByNamespace(namespace: string): T[] {
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) addToIndex(this.indices.get(name) as Map<string, Set<string>>, fn(obj), key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name) as Map<string, Set<string>>;
      for (const v of fn(obj)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        // Drop empty sets so listIndexValues only reports values that still have objects.
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const v of values) {
    let keys = index.get(v);
    if (!keys) index.set(v, (keys = new Set()));
    keys.add(key);
  }
}
