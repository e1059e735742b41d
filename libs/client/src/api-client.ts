// SPDX-License-Identifier: Apache-2.0
import type { DeleteOptions, KubeObject, ObjectList, WatchEvent } from '@berth/api';

/** Which collection a call is about: group/version/resource (plural), as in Kubernetes. */
export interface ResourceType {
  group: string;
  version: string;
  resource: string;
}

export interface ListOptions {
  /** Empty or undefined: all namespaces (for namespaced resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; empty sends the current objects as ADDED first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** 'Strict' | 'Warn' | 'Ignore' (default Warn). */
  fieldValidation?: string;
  fieldManager?: string;
  /** For update: 'status' or 'scale'. For create: 'binding' (pods). */
  subresource?: string;
}

export type PatchType =
  | 'application/merge-patch+json'
  | 'application/json-patch+json'
  | 'application/strategic-merge-patch+json';

/** The result of a write: the object as stored, plus warnings (e.g. dropped unknown fields). */
export interface WriteResult<T extends KubeObject = KubeObject> {
  object: T;
  warnings: string[];
}

/**
 * ApiClient is the whole API as a client sees it. Implementations: the gRPC client
 * (@berth/grpc) and FakeApi (./testing), so controllers are tested without a server.
 * Failures are StatusErrors (NotFound, Conflict, Invalid, Expired...).
 */
export interface ApiClient {
  create<T extends KubeObject>(type: ResourceType, namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  get<T extends KubeObject>(type: ResourceType, namespace: string, name: string, opts?: { subresource?: string }): Promise<T>;
  list<T extends KubeObject>(type: ResourceType, opts?: ListOptions): Promise<ObjectList<T>>;
  update<T extends KubeObject>(type: ResourceType, namespace: string, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts?: WriteOptions,
  ): Promise<T>;
  /** Returns the object as last seen (with deletionTimestamp when deletion is pending). */
  delete<T extends KubeObject>(type: ResourceType, namespace: string, name: string, options?: DeleteOptions): Promise<T>;
  deleteCollection<T extends KubeObject>(type: ResourceType, opts: ListOptions, options?: DeleteOptions): Promise<ObjectList<T>>;
  /** Streams changes until opts.signal aborts or the server ends the watch. */
  watch<T extends KubeObject>(type: ResourceType, opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
}
