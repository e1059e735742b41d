// SPDX-License-Identifier: Apache-2.0
import type { metaV1 } from '@berth/api-types';

/** ObjectMeta in its Kubernetes JSON shape. */
export type ObjectMeta = metaV1.ObjectMetaJson;
/** ListMeta in its Kubernetes JSON shape. */
export type ListMeta = metaV1.ListMetaJson;
/** Status (the result and error shape) in its Kubernetes JSON shape. */
export type Status = metaV1.StatusJson;
export type OwnerReference = metaV1.OwnerReferenceJson;
export type LabelSelector = metaV1.LabelSelectorJson;
export type DeleteOptions = metaV1.DeleteOptionsJson;

/**
 * KubeObject is any API object as Kubernetes JSON: the shape manifests, storage,
 * controllers and printers all work with. The typed per-kind shapes are the
 * generated `*Json` types (e.g. `coreV1.PodJson`).
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A list as the API returns it: `{apiVersion, kind: 'PodList', metadata, items}`. */
export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One change seen by a watch. ERROR events carry a Status instead of an object. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
  status?: Status;
}

export interface GroupVersion {
  group: string;
  version: string;
}

export interface GroupVersionKind extends GroupVersion {
  kind: string;
}

export interface GroupVersionResource extends GroupVersion {
  resource: string;
}

/** "apps/v1" → {group:'apps', version:'v1'}; "v1" → {group:'', version:'v1'}. */
export function parseApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** {group:'apps', version:'v1'} → "apps/v1"; the core group has no prefix. */
export function formatApiVersion(gv: GroupVersion): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

/** The cache and queue key of an object: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

/** Splits a key made by objectKey. */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
