// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';

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
   * Watches every change under a prefix strictly after `fromRevision` (a resourceVersion).
   * Events arrive in revision order. A compacted revision fails with 'Expired'.
   * The iterator ends when `signal` aborts.
   */
  watch(prefix: string, fromRevision: string, signal: AbortSignal): AsyncIterable<StorageEvent>;
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

export interface ListResult {
  items: KubeObject[];
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
