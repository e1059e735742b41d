// SPDX-License-Identifier: Apache-2.0
import { isAlreadyExists, isConflict, isNotFound, type KubeObject } from '@berth/api';
import type { ApiClient, ResourceType } from './api-client';
import { silentLogger, sleep, type ClientLogger } from './informer';

/** coordination.k8s.io/v1 leases: where leader election keeps its record. */
export const LEASES: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

/** The spec of a Lease (coordination.k8s.io/v1). Times are RFC 3339 with microseconds (MicroTime). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease object. */
export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  client: ApiClient;
  /** Namespace and name of the Lease, e.g. kube-system / kube-scheduler. */
  namespace: string;
  name: string;
  /** Unique per process, e.g. `${hostname}_${uuid}`. */
  identity: string;
  /** How long a non-renewed lease keeps standbys away. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between acquire/renew attempts. Default 2 s. */
  retryPeriodMs?: number;
  /**
   * On cancellation, hand the lease back (empty holder) so a standby takes over at once
   * instead of after the lease duration. Default true.
   */
  releaseOnCancel?: boolean;
  /**
   * Called once leading starts; `signal` aborts when leadership ends (lost or cancelled).
   * The work must stop when it aborts: another process may be leading soon after.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called after leading ends (only if it started). */
  onStoppedLeading(): void;
  /** Called when a different holder is observed (including this process). */
  onNewLeader?(identity: string): void;
  logger?: ClientLogger;
}

/**
 * LeaderElector runs active/standby election on a Lease, as client-go's leaderelection
 * package does.
 *
 * Every candidate reads the Lease every retry period. If it is held by someone else whose
 * record has changed within the lease duration, the candidate waits; otherwise it writes
 * itself as holder with the resourceVersion it read, so of several candidates exactly one
 * update succeeds (the others get Conflict). The leader renews every retry period; if it
 * cannot renew for the renew deadline, or sees another holder, it stops leading.
 *
 * Expiry is judged by the local clock from the moment a candidate *observed* the record
 * change, never from the timestamps in it, so clock skew between machines does not matter.
 * `leaseDurationSeconds` in the Lease is whole seconds; candidates sharing this elector's
 * configuration use the exact millisecond duration.
 *
 * run() returns once leadership is lost or the signal aborts; a process that lost the
 * lease usually exits (or calls run() again to stand by).
 */
export class LeaderElector {
  private readonly client: ApiClient;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly leaseDurationSeconds: number;
  private readonly logger: ClientLogger;
  private leading = false;
  private observedKey = '';
  private observedTime = 0;
  private observedHolder = '';
  private reportedLeader = '';

  constructor(private readonly opts: LeaderElectorOptions) {
    this.client = opts.client;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.leaseDurationSeconds = Math.max(1, Math.ceil(this.leaseDurationMs / 1000));
    this.logger = opts.logger ?? silentLogger;
    if (!opts.identity) throw new Error('leader election: identity is required');
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    // client-go's JitterFactor 1.2: retries may come 20% late and must still fit in the deadline.
    if (this.renewDeadlineMs <= this.retryPeriodMs * 1.2) {
      throw new Error('leader election: renewDeadline must be greater than retryPeriod*1.2');
    }
  }

  /** True while this process holds the lease and leads. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed in the Lease ('' when none). */
  getLeader(): string {
    return this.observedHolder;
  }

  /** Stands by until leading, leads until the lease is lost or `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const lead = new AbortController();
    const onAbort = (): void => lead.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.leading = true;
    this.logger.info({ lease: this.leaseName(), identity: this.opts.identity }, 'became leader');
    const work = Promise.resolve()
      .then(() => this.opts.onStartedLeading(lead.signal))
      .catch((err: unknown) => this.logger.error({ err, lease: this.leaseName() }, 'leader work failed'));
    try {
      await this.renewLoop(signal);
    } finally {
      this.leading = false;
      signal.removeEventListener('abort', onAbort);
      lead.abort();
      if (!signal.aborted) this.logger.warn({ lease: this.leaseName(), identity: this.opts.identity }, 'lost leadership');
      // Let the work wind down before someone else may start it, but not forever.
      await withTimeout(work, this.leaseDurationMs, undefined);
      if (signal.aborted && (this.opts.releaseOnCancel ?? true)) await this.release();
      this.opts.onStoppedLeading();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.attempt()) return true;
      await sleep(this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews until it fails for renewDeadline, someone else holds the lease, or signal aborts. */
  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await this.attempt()) {
        lastRenew = Date.now();
        continue;
      }
      if (this.observedHolder && this.observedHolder !== this.opts.identity) return;
      if (Date.now() - lastRenew >= this.renewDeadlineMs) return;
    }
  }

  /** tryAcquireOrRenew, bounded by the renew deadline so a hung call cannot keep us leading. */
  private async attempt(): Promise<boolean> {
    return withTimeout(this.tryAcquireOrRenew(), this.renewDeadlineMs, false);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const client = this.client;
    const now = new Date();
    let lease: Lease;
    try {
      lease = await client.get<Lease>(LEASES, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) {
        this.logger.warn({ err, lease: this.leaseName() }, 'error retrieving lease');
        return false;
      }
      try {
        const created = await client.create<Lease>(LEASES, namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.leaseDurationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        this.observe(created.spec ?? {});
        return true;
      } catch (e) {
        if (!isAlreadyExists(e)) this.logger.warn({ err: e, lease: this.leaseName() }, 'error creating lease');
        return false;
      }
    }

    const spec = lease.spec ?? {};
    this.observe(spec);
    const holder = spec.holderIdentity ?? '';
    if (holder && holder !== identity && Date.now() < this.observedTime + this.durationOf(spec)) {
      return false; // held by someone else, not expired
    }
    const mine = holder === identity;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      // The resourceVersion we read is the precondition: if anyone wrote since, this conflicts.
      const updated = await client.update<Lease>(LEASES, namespace, next);
      this.observe(updated.spec ?? {});
      return true;
    } catch (err) {
      if (!isConflict(err)) this.logger.warn({ err, lease: this.leaseName() }, 'error updating lease');
      return false;
    }
  }

  /** Gives the lease up: empty holder, so standbys need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<Lease>(LEASES, this.opts.namespace, this.opts.name);
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = microTime(new Date());
      await this.client.update<Lease>(LEASES, this.opts.namespace, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      });
    } catch (err) {
      this.logger.warn({ err, lease: this.leaseName() }, 'failed to release lease');
    }
  }

  /** Records when the lease record last changed, by our clock. */
  private observe(spec: LeaseSpec): void {
    const key = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.acquireTime ?? ''}|${spec.leaseTransitions ?? 0}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedTime = Date.now();
    }
    this.observedHolder = spec.holderIdentity ?? '';
    if (this.observedHolder && this.observedHolder !== this.reportedLeader) {
      this.reportedLeader = this.observedHolder;
      try {
        this.opts.onNewLeader?.(this.observedHolder);
      } catch (err) {
        this.logger.error({ err }, 'onNewLeader failed');
      }
    }
  }

  /** The lease's duration in ms: ours when the record was written with our setting. */
  private durationOf(spec: LeaseSpec): number {
    const secs = spec.leaseDurationSeconds;
    if (!secs || secs === this.leaseDurationSeconds) return this.leaseDurationMs;
    return secs * 1000;
  }

  private leaseName(): string {
    return `${this.opts.namespace}/${this.opts.name}`;
  }
}

/** A Date as Kubernetes MicroTime: RFC 3339 with six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Resolves with p, or with `fallback` after ms, clearing the timer either way. */
async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
