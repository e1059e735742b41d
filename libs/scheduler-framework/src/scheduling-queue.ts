// SPDX-License-Identifier: Apache-2.0
import { KeyedHeap } from './heap';
import type { ClusterEvent } from './interface';
import { podKey, podPriority, type Pod } from './types';

/** A pod in the queue with its scheduling history. */
export interface QueuedPodInfo {
  pod: Pod;
  key: string;
  /** When it last entered the queue (or was last attempted); orders equal priorities and starts backoff. */
  timestamp: number;
  /** When it was first added: the end-to-end scheduling latency starts here. */
  initialAttemptTimestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Plugins that rejected it last time; empty after an error. */
  unschedulablePlugins: Set<string>;
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Pods unschedulable for longer than this are retried anyway (flushed every 30 s). */
  maxInUnschedulableMs?: number;
  /** Which plugins care about an event (Framework.pluginsForEvent). */
  pluginsForEvent?: (ev: ClusterEvent) => ReadonlySet<string>;
  now?: () => number;
}

/** Sub-queue sizes (scheduler_pending_pods{queue}). */
export interface QueueLengths {
  active: number;
  backoff: number;
  unschedulable: number;
}

/**
 * SchedulingQueue holds the pods waiting for a node, as kube-scheduler's PriorityQueue:
 * - activeQ: ready to be tried, highest priority first, then oldest;
 * - backoffQ: failed recently and waiting out a per-pod exponential backoff
 *   (initial·2^(attempts-1), capped), moved to activeQ when it expires (checked every second);
 * - unschedulable: rejected by some plugins; moved back only by a cluster event that one of
 *   those plugins registered for (a node added, a pod deleted...), never by polling, except
 *   that pods left there longer than maxInUnschedulableMs are retried (checked every 30 s).
 * A pod that was rejected while a move request happened during its scheduling cycle goes to
 * backoffQ instead, so the event is not lost.
 */
export class SchedulingQueue {
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly now: () => number;
  private readonly pluginsForEvent: (ev: ClusterEvent) => ReadonlySet<string>;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: Array<() => void> = [];
  private closed = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(opts: SchedulingQueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.pluginsForEvent = opts.pluginsForEvent ?? (() => new Set());
    this.activeQ = new KeyedHeap<QueuedPodInfo>(
      (p) => p.key,
      (a, b) => {
        const pa = podPriority(a.pod);
        const pb = podPriority(b.pod);
        return pa > pb || (pa === pb && a.timestamp < b.timestamp);
      },
    );
    this.backoffQ = new KeyedHeap<QueuedPodInfo>(
      (p) => p.key,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    );
  }

  /** Starts the backoff (1 s) and unschedulable-leftover (30 s) flushes. */
  run(): void {
    this.timers.push(setInterval(() => this.flushBackoffCompleted(), 1000));
    this.timers.push(setInterval(() => this.flushUnschedulableLeftover(), 30_000));
    for (const t of this.timers) t.unref();
  }

  /** Stops the flushes and wakes pop() callers with undefined. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.wake();
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const key = podKey(pod);
    const now = this.now();
    const existing = this.activeQ.get(key) ?? this.backoffQ.get(key) ?? this.unschedulable.get(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.activeQ.addOrUpdate(
      existing ? { ...existing, pod } : { pod, key, timestamp: now, initialAttemptTimestamp: now, attempts: 0, unschedulablePlugins: new Set() },
    );
    this.wake();
  }

  /**
   * A pending pod changed. In activeQ/backoffQ it is updated in place; in the unschedulable
   * sub-queue a change of its spec, labels or annotations (not of its status, which the
   * scheduler itself writes) may make it schedulable, so it moves to backoffQ or activeQ.
   */
  update(oldPod: Pod | undefined, newPod: Pod): void {
    const key = podKey(newPod);
    const inActive = this.activeQ.get(key);
    if (inActive) {
      this.activeQ.addOrUpdate({ ...inActive, pod: newPod });
      return;
    }
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) {
      this.backoffQ.addOrUpdate({ ...inBackoff, pod: newPod });
      return;
    }
    const inUnsched = this.unschedulable.get(key);
    if (inUnsched) {
      if (oldPod && !isPodUpdated(oldPod, newPod)) {
        inUnsched.pod = newPod;
        return;
      }
      this.unschedulable.delete(key);
      const info = { ...inUnsched, pod: newPod };
      if (this.isBackingOff(info)) this.backoffQ.addOrUpdate(info);
      else {
        this.activeQ.addOrUpdate(info);
        this.wake();
      }
      return;
    }
    // Not queued (being scheduled right now, or never seen): treat as new.
    this.add(newPod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
  }

  /** True when the pod is in any sub-queue. */
  has(pod: Pod): boolean {
    const key = podKey(pod);
    return this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key);
  }

  /** Waits for a pod in activeQ; undefined once closed or `signal` aborts. */
  async pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      const info = this.activeQ.pop();
      if (info) {
        info.attempts++;
        this.schedulingCycle++;
        return info;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** The current scheduling cycle (incremented by every pop). */
  currentCycle(): number {
    return this.schedulingCycle;
  }

  /**
   * Puts back a pod whose attempt failed in `podSchedulingCycle`. Rejected pods wait for an
   * event in the unschedulable sub-queue; pods that hit an error, or that missed an event
   * during their cycle, wait out their backoff.
   */
  addUnschedulableIfNotPresent(info: QueuedPodInfo, podSchedulingCycle: number): void {
    if (this.has(info.pod)) return;
    info.timestamp = this.now();
    if (info.unschedulablePlugins.size === 0 || this.moveRequestCycle >= podSchedulingCycle) {
      this.backoffQ.addOrUpdate(info);
    } else {
      this.unschedulable.set(info.key, info);
    }
  }

  /**
   * A cluster event happened: pods rejected by a plugin that registered for it move to
   * activeQ (or backoffQ while still backing off).
   */
  moveAllToActiveOrBackoff(ev: ClusterEvent | 'UnschedulableTimeout' | 'ForceActivate'): number {
    const interested = ev === 'UnschedulableTimeout' || ev === 'ForceActivate' ? undefined : this.pluginsForEvent(ev);
    const moved: QueuedPodInfo[] = [];
    for (const info of this.unschedulable.values()) {
      if (interested && ![...info.unschedulablePlugins].some((p) => interested.has(p))) continue;
      moved.push(info);
    }
    this.movePods(moved);
    this.moveRequestCycle = this.schedulingCycle;
    return moved.length;
  }

  private movePods(infos: QueuedPodInfo[]): void {
    let activated = false;
    for (const info of infos) {
      this.unschedulable.delete(info.key);
      if (this.isBackingOff(info)) this.backoffQ.addOrUpdate(info);
      else {
        this.activeQ.addOrUpdate(info);
        activated = true;
      }
    }
    if (activated) this.wake();
  }

  /** Moves pods whose backoff has expired to activeQ. */
  flushBackoffCompleted(): void {
    const now = this.now();
    let activated = false;
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.activeQ.addOrUpdate(head);
      activated = true;
    }
    if (activated) this.wake();
  }

  /** Retries pods that have been unschedulable for longer than maxInUnschedulableMs. */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    const stale = [...this.unschedulable.values()].filter((i) => now - i.timestamp > this.maxInUnschedulableMs);
    this.movePods(stale);
  }

  /** How long the pod backs off after its attempts so far. */
  backoffDuration(info: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < info.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(info: QueuedPodInfo): number {
    return info.timestamp + this.backoffDuration(info);
  }

  private isBackingOff(info: QueuedPodInfo): boolean {
    return this.backoffExpiry(info) > this.now();
  }

  lengths(): QueueLengths {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }

  /** The pods in each sub-queue (tests, debugging). */
  pendingPods(): { active: Pod[]; backoff: Pod[]; unschedulable: Pod[] } {
    return {
      active: this.activeQ.list().map((i) => i.pod),
      backoff: this.backoffQ.list().map((i) => i.pod),
      unschedulable: [...this.unschedulable.values()].map((i) => i.pod),
    };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** True when something other than status/resourceVersion/managedFields changed (kube-scheduler's isPodUpdated). */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): string => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, ...meta } = p.metadata ?? {};
    return JSON.stringify([meta, p.spec]);
  };
  return strip(oldPod) !== strip(newPod);
}
