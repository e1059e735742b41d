// SPDX-License-Identifier: Apache-2.0

/** How long expectations are trusted before a sync goes ahead anyway (Kubernetes: 5 minutes). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
  /** UIDs (namespace/name keys) of pods whose deletion we await. */
  deleting: Set<string>;
}

/**
 * ControllerExpectations (with Kubernetes' UIDTrackingControllerExpectations for deletes):
 * a controller records how many creations and which deletions it has issued for a key,
 * and its informer handlers count them off as the cache sees them. Until then (or until the
 * TTL runs out) `satisfied(key)` is false and the controller does not act on its possibly
 * stale cache, which would double-create or double-delete.
 */
export class ControllerExpectations {
  private readonly items = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when nothing is pending for the key (or never recorded, or expired). */
  satisfied(key: string): boolean {
    const e = this.items.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Sets what to expect, replacing earlier expectations. */
  expectCreations(key: string, adds: number): void {
    this.items.set(key, { add: adds, del: 0, timestamp: this.now(), deleting: new Set() });
  }

  /** Expects the deletion of these pods (their namespace/name keys). */
  expectDeletions(key: string, podKeys: string[]): void {
    this.items.set(key, { add: 0, del: podKeys.length, timestamp: this.now(), deleting: new Set(podKeys) });
  }

  /** A create was seen (or failed, so it will never be seen). */
  creationObserved(key: string): void {
    const e = this.items.get(key);
    if (e) e.add--;
  }

  /** Lowers expected creations by n (creations skipped after a failed batch). */
  lowerCreations(key: string, n: number): void {
    const e = this.items.get(key);
    if (e) e.add -= n;
  }

  /** A pod's deletion was seen (or failed). Only counts pods whose deletion was expected. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.items.get(key);
    if (e && e.deleting.delete(podKey)) e.del--;
  }

  /** Forgets the key (its object was deleted). */
  delete(key: string): void {
    this.items.delete(key);
  }

  /** The pending counts, for tests and logs. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.items.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}
