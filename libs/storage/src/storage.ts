// SPDX-License-Identifier: Apache-2.0
import { utf8, type KubeObject } from '@berth/api';

/**
 * Storage keeps API objects (Kubernetes JSON) under keys such as
 * `/registry/apps/deployments/default/web`. Every object's metadata.resourceVersion is
 * the storage revision of its last write (etcd's mod revision), and revisions grow
 * monotonically across the whole store, so a list's resourceVersion is a point in time
 * from which a watch misses nothing.
 *
 * Implementations: EtcdStorage (etcd3) and MemoryStorage (tests); both pass
 * storage.contract.ts.
 */
export interface Storage {
  /** Stores a new object; throws StorageError 'KeyExists' when the key is taken. Returns it with resourceVersion set. */
  create(key: string, obj: KubeObject): Promise<KubeObject>;
  /** Reads one object; undefined when absent. */
  get(key: string): Promise<KubeObject | undefined>;
  /**
   * Lists the objects under a prefix (which ends with '/'), sorted by key.
   * `limit` pages; `continueKey` resumes after the last key of the previous page, read at
   * the same revision (`revision`); a compacted revision throws 'Expired'.
   */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /**
   * Compare-and-swap update: writes `obj` only if the stored object's resourceVersion is
   * `expectedResourceVersion`. Throws 'KeyNotFound' or 'Conflict'.
   */
  update(key: string, obj: KubeObject, expectedResourceVersion: string): Promise<KubeObject>;
  /** Deletes, optionally only at a resourceVersion ('Conflict' otherwise). Returns the deleted object. */
  delete(key: string, expectedResourceVersion?: string): Promise<KubeObject>;
  /**
   * Watches every change under a prefix strictly after `fromRevision` (a resourceVersion;
   * '' or '0' = from now). Events arrive in revision order, each revision at most once.
   * A compacted revision fails with 'Expired'. The iterator ends when `signal` aborts.
   */
  watch(prefix: string, fromRevision: string, signal: AbortSignal, opts?: WatchOptions): AsyncIterable<StorageEvent>;
  /** The store's current revision (the resourceVersion a list taken now would carry). */
  currentRevision(): Promise<string>;
  /** Releases connections. */
  close(): Promise<void>;
}

export interface ListOptions {
  limit?: number;
  /** Key to continue after (exclusive). */
  continueKey?: string;
  /** Read at this revision (for consistent paging); empty/undefined = latest. */
  revision?: string;
}

export interface WatchOptions {
  /**
   * Whether events carry the object as it was before the change (prevObject, and for DELETED
   * the deleted object itself). Default true. A watcher that keeps every object itself (the
   * watch cache) turns it off: etcd then reads no earlier version per event and nothing
   * decodes one, and a DELETED event carries only its key and revision.
   */
  withPrevious?: boolean;
  /**
   * Called with a revision R, in order with the events (after every earlier event has been
   * yielded), once the watch has delivered every change under the prefix up to R. It lets a
   * watch cache move past writes to other prefixes, so it can prove it is fresh enough for a
   * consistent list. etcd sends these on its progress interval
   * (`--experimental-watch-progress-notify-interval`, default 10 min; Berth runs 100 ms).
   */
  onProgress?(revision: string): void;
}

export interface ListResult {
  items: KubeObject[];
  /** The storage key of each item (same order), when the implementation returns them. */
  keys?: string[];
  /** The revision the list was read at. */
  revision: string;
  /** Set when more items remain: the last key returned. */
  continueKey?: string;
  remaining?: number;
}

export type StorageEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StorageEvent {
  type: StorageEventType;
  key: string;
  /** The object after the change; for DELETED the last stored object with resourceVersion = the delete's revision. */
  object: KubeObject;
  /** For MODIFIED and DELETED, the object before the change, when known (filters need it). */
  prevObject?: KubeObject;
  revision: string;
}

export type StorageErrorCode = 'KeyNotFound' | 'KeyExists' | 'Conflict' | 'Expired' | 'TooLarge' | 'Unavailable';

/** StorageError is what storage throws; the registry maps it to the API's StatusError. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message?: string,
  ) {
    super(message ?? `${code}: ${key}`);
    this.name = 'StorageError';
  }
}

export const isStorageError = (e: unknown, code?: StorageErrorCode): e is StorageError =>
  e instanceof StorageError && (code === undefined || e.code === code);

/** The largest encoded object storage accepts (etcd's default request limit, and Kubernetes' object limit). */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/**
 * The stored form of an object: its JSON without metadata.resourceVersion (the revision is
 * the storage's, set on read). Throws 'TooLarge' above MAX_OBJECT_BYTES. Both storages use it
 * so they accept and return exactly the same things.
 */
export function encodeObject(key: string, obj: KubeObject): Buffer {
  let stored = obj;
  if (obj.metadata && 'resourceVersion' in obj.metadata) {
    const { resourceVersion: _omit, ...metadata } = obj.metadata;
    stored = { ...obj, metadata };
  }
  const bytes = Buffer.from(JSON.stringify(stored), 'utf8');
  if (bytes.length > MAX_OBJECT_BYTES) {
    throw new StorageError('TooLarge', key, `is ${bytes.length} bytes; the limit is ${MAX_OBJECT_BYTES} bytes`);
  }
  return bytes;
}

/** Parses a stored object and sets its resourceVersion. Each call returns a new object. */
export function decodeObject(bytes: Uint8Array | string, resourceVersion: string): KubeObject {
  const obj = JSON.parse(typeof bytes === 'string' ? bytes : utf8(bytes)) as KubeObject;
  (obj.metadata ??= {}).resourceVersion = resourceVersion;
  return obj;
}

/** The end of the key range holding every key that starts with `prefix` (etcd's range_end). */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix, 'utf8');
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key
}

/**
 * Key order of lists (etcd sorts keys by bytes). Plain string comparison is the same for the
 * ASCII keys the registry builds; it differs from UTF-8 byte order only for characters beyond
 * U+FFFF against U+E000–U+FFFF, which names cannot contain.
 */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
