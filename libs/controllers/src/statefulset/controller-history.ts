// SPDX-License-Identifier: Apache-2.0
/**
 * ControllerRevisions, as Kubernetes' pkg/controller/history: immutable snapshots of a
 * StatefulSet's or DaemonSet's pod template, named `<owner>-<hash>`, numbered in order. A
 * template that comes back (a rollback) reuses its old revision, renumbered as the newest.
 */
import type { appsV1 } from '@berth/api-types';
import { isAlreadyExists, type KubeObject, deepCopy } from '@berth/api';
import type { ApiClient, ResourceType } from '@berth/client';
import { newControllerRef } from '../shared/owner-refs';
import { canonicalJson, fnv32a, safeEncodeString } from '../shared/pod-template-hash';

export const CONTROLLER_REVISIONS: ResourceType = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };
/** The label on pods (and revisions) naming the revision they were made from. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export type ControllerRevision = appsV1.ControllerRevisionJson;

/** The hash of revision data (FNV-32a of its canonical JSON, plus the collision count), safe-encoded. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let s = canonicalJson(data ?? {});
  if (collisionCount) s += `#${collisionCount}`;
  return safeEncodeString(String(fnv32a(s)));
}

/** The owner's revisions, oldest first. */
export function sortRevisions(revs: ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/**
 * Finds or creates the revision for `data`: an existing one with the same data is reused
 * (renumbered as the newest when it is not); otherwise a new one `<owner>-<hash>` is created
 * with the next number.
 */
export async function ensureRevision(
  client: ApiClient,
  owner: KubeObject,
  ownerApiVersion: string,
  ownerKind: string,
  data: unknown,
  existing: ControllerRevision[],
  labels: Record<string, string>,
): Promise<ControllerRevision> {
  const sorted = sortRevisions(existing);
  const max = sorted.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  const want = canonicalJson(data);
  const same = sorted.filter((r) => canonicalJson(r.data) === want);
  const found = same[same.length - 1];
  if (found) {
    if ((found.revision ?? 0) === max) return found;
    const updated = { ...deepCopy(found), revision: max + 1 };
    return client.update<ControllerRevision>(CONTROLLER_REVISIONS, found.metadata?.namespace ?? '', updated);
  }
  const ns = owner.metadata?.namespace ?? '';
  for (let collision = 0; collision < 5; collision++) {
    const hash = hashRevisionData(data, collision);
    const rev: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata?.name ?? ''}-${hash}`,
        namespace: ns,
        labels: { ...labels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(owner, ownerApiVersion, ownerKind)],
      },
      data: data as ControllerRevision['data'],
      revision: max + 1,
    };
    try {
      return await client.create<ControllerRevision>(CONTROLLER_REVISIONS, ns, rev);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Same name: ours with the same data (a stale cache) — use it; else a hash collision.
      const other = await client.get<ControllerRevision>(CONTROLLER_REVISIONS, ns, rev.metadata?.name ?? '');
      if (canonicalJson(other.data) === want) return other;
    }
  }
  throw new Error(`could not name a ControllerRevision for ${ownerKind} ${ns}/${owner.metadata?.name ?? ''}: too many hash collisions`);
}

/** The hash part of a revision's name (what pods carry in controller-revision-hash). */
export function revisionHash(rev: ControllerRevision): string {
  return rev.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? (rev.metadata?.name ?? '').split('-').pop() ?? '';
}

/** Deletes the oldest revisions not in `live` beyond `limit` (revisionHistoryLimit). */
export async function truncateHistory(client: ApiClient, revisions: ControllerRevision[], live: Set<string>, limit: number): Promise<void> {
  const dead = sortRevisions(revisions).filter((r) => !live.has(r.metadata?.name ?? ''));
  const excess = dead.length - Math.max(0, limit);
  for (const r of dead.slice(0, Math.max(0, excess))) {
    try {
      await client.delete(CONTROLLER_REVISIONS, r.metadata?.namespace ?? '', r.metadata?.name ?? '');
    } catch {
      // Gone already, or it will be retried on the next sync.
    }
  }
}
