// SPDX-License-Identifier: Apache-2.0
import { isNotFound, type KubeObject, type LabelSelectorMatcher, type OwnerReference } from '@berth/api';
import type { ApiClient, ResourceType } from '@berth/client';
import { getControllerOf } from './owner-refs';

/** What a controller claims dependents with (Kubernetes' BaseControllerRefManager). */
export interface ControllerRefManagerOptions {
  client: ApiClient;
  /** The dependents' resource (pods, replicasets). */
  type: ResourceType;
  owner: KubeObject;
  /** The controllerRef to write when adopting (controller=true, blockOwnerDeletion=true). */
  controllerRef: OwnerReference;
  selector: LabelSelectorMatcher;
  /**
   * Called once before the first adoption: rechecks (from the API, not the cache) that the
   * owner still exists with the same uid and is not being deleted, so a stale cache never
   * makes a deleted owner adopt (RecheckDeletionTimestamp). Throws when adoption must not happen.
   */
  canAdopt: () => Promise<void>;
}

/**
 * Sorts candidates into the owner's dependents, adopting matching orphans (adds the
 * controllerRef) and releasing owned objects whose labels no longer match (removes it),
 * as Kubernetes' ClaimPods/ClaimReplicaSets. Returns the objects the owner now controls.
 * Throws the first adopt/release error after processing every candidate.
 */
export async function claimObjects<T extends KubeObject>(opts: ControllerRefManagerOptions, candidates: T[]): Promise<T[]> {
  const ownerUid = opts.owner.metadata?.uid;
  const ownerDeleting = !!opts.owner.metadata?.deletionTimestamp;
  const claimed: T[] = [];
  const errors: unknown[] = [];
  let adoptCheck: Promise<void> | undefined;
  for (const obj of candidates) {
    const ref = getControllerOf(obj);
    const matches = opts.selector.matches(obj.metadata?.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue; // someone else's
        if (matches) {
          claimed.push(obj);
          continue;
        }
        // Owned but no longer matching: release, unless the owner is going away anyway.
        if (ownerDeleting) continue;
        await release(opts, obj);
        continue;
      }
      // An orphan: adopt when it matches and neither side is being deleted.
      if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp) continue;
      if ((obj.metadata?.namespace ?? '') !== (opts.owner.metadata?.namespace ?? '')) continue;
      adoptCheck ??= opts.canAdopt();
      await adoptCheck;
      const adopted = await adopt(opts, obj);
      if (adopted) claimed.push(adopted);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
  return claimed;
}

/** JSON patch ops that replace ownerReferences only if the object is unchanged since read. */
function ownerRefsPatch(obj: KubeObject, refs: OwnerReference[]): unknown[] {
  const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: obj.metadata?.uid }];
  if (obj.metadata?.resourceVersion) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion });
  ops.push({ op: obj.metadata?.ownerReferences ? 'replace' : 'add', path: '/metadata/ownerReferences', value: refs });
  return ops;
}

async function adopt<T extends KubeObject>(opts: ControllerRefManagerOptions, obj: T): Promise<T | undefined> {
  const refs = [...(obj.metadata?.ownerReferences ?? []), opts.controllerRef];
  try {
    return await opts.client.patch<T>(opts.type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', 'application/json-patch+json', ownerRefsPatch(obj, refs));
  } catch (err) {
    // Gone: nothing to adopt.
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function release(opts: ControllerRefManagerOptions, obj: KubeObject): Promise<void> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== opts.owner.metadata?.uid);
  try {
    await opts.client.patch(opts.type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', 'application/json-patch+json', ownerRefsPatch(obj, refs));
  } catch (err) {
    // Gone: nothing to release.
    if (isNotFound(err)) return;
    throw err;
  }
}

/**
 * The recheck behind canAdopt: reads the owner from the API and fails when it is gone,
 * replaced (different uid) or being deleted.
 */
export async function recheckOwner(client: ApiClient, type: ResourceType, owner: KubeObject): Promise<void> {
  const fresh = await client.get(type, owner.metadata?.namespace ?? '', owner.metadata?.name ?? '');
  if (fresh.metadata?.uid !== owner.metadata?.uid) {
    throw new Error(`original ${type.resource} ${owner.metadata?.namespace}/${owner.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${owner.metadata?.uid}`);
  }
  if (fresh.metadata?.deletionTimestamp) {
    throw new Error(`${type.resource} ${owner.metadata?.namespace}/${owner.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}
