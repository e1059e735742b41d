// SPDX-License-Identifier: Apache-2.0
import {
  isConflict,
  isNotFound,
  labelSelectorFromObject,
  nothing,
  objectKey,
  selectorFromSet,
  type KubeObject,
  type LabelSelectorMatcher,
  type LabelSelectorObject,
  deepCopy,
} from '@berth/api';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { claimObjects, recheckOwner } from '../shared/controller-ref-manager';
import { ControllerExpectations } from '../shared/expectations';
import { getControllerOf, newControllerRef } from '../shared/owner-refs';
import { comparePodsForDeletion, isPodActive, isPodReady, type Pod } from '../shared/pod-utils';
import { PODS, REPLICASETS, REPLICATION_CONTROLLERS } from '../shared/resources';
import { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch } from '../shared/slow-start-batch';
import { calculateReplicaSetStatus, sameReplicaSetStatus, type ManageError, type ReplicaSetStatus } from './replicaset-status';

/** A ReplicaSet or ReplicationController, as far as this controller reads them. */
export interface ReplicaSetLike extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: unknown;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: unknown };
  };
  status?: ReplicaSetStatus;
}

/** What differs between the ReplicaSet and ReplicationController flavours of the controller. */
export interface ReplicaSetKind {
  /** The controller's name: 'replicaset-controller' or 'replicationcontroller-controller'. */
  name: string;
  type: ResourceType;
  apiVersion: string;
  kind: string;
  /** The owner's selector; one selecting everything is treated as selecting nothing. */
  selector(obj: ReplicaSetLike): LabelSelectorMatcher;
}

/** ReplicaSets: set-based selectors. */
export const REPLICASET_KIND: ReplicaSetKind = {
  name: 'replicaset-controller',
  type: REPLICASETS,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector: (rs) => {
    const sel = rs.spec?.selector as LabelSelectorObject | undefined;
    if (!sel) return nothing();
    return labelSelectorFromObject(sel);
  },
};

/** ReplicationControllers: map selectors, defaulting to the template's labels. */
export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind = {
  name: 'replicationcontroller-controller',
  type: REPLICATION_CONTROLLERS,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selector: (rc) => {
    const sel = (rc.spec?.selector as Record<string, string> | undefined) ?? rc.spec?.template?.metadata?.labels;
    if (!sel || Object.keys(sel).length === 0) return nothing();
    return selectorFromSet(sel);
  },
};

/** At most this many pods are created or deleted per sync (Kubernetes' BurstReplicas). */
export const BURST_REPLICAS = 500;

/** What the controller needs. */
export interface ReplicaSetControllerDeps {
  client: ApiClient;
  owners: SharedInformer<ReplicaSetLike>;
  pods: SharedInformer<Pod>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  kind?: ReplicaSetKind;
  now?: () => Date;
  burstReplicas?: number;
}

/**
 * Reconciles ReplicaSets (or ReplicationControllers): keeps `spec.replicas` active pods
 * matching the selector, adopting orphans and releasing pods whose labels stop matching,
 * and reports status. Kubernetes' pkg/controller/replicaset.
 */
export class ReplicaSetController {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly expectations: ControllerExpectations;
  private readonly kind: ReplicaSetKind;
  private readonly logger: ClientLogger;
  private readonly now: () => Date;

  constructor(private readonly deps: ReplicaSetControllerDeps) {
    this.kind = deps.kind ?? REPLICASET_KIND;
    this.name = this.kind.name;
    this.queue = new WorkQueue<string>({ name: this.name });
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    this.expectations = new ControllerExpectations(() => this.now().getTime());
    deps.owners.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        this.enqueue(cur);
      },
      onDelete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.enqueue(rs);
      },
    });
    deps.pods.addEventHandler({
      onAdd: (pod) => this.onPodAdded(pod),
      onUpdate: (old, cur) => this.onPodUpdated(old, cur),
      onDelete: (pod) => this.onPodDeleted(pod),
    });
  }

  private enqueue(rs: KubeObject): void {
    this.queue.add(objectKey(rs));
  }

  /** The owner a controllerRef points to, if it is in the cache with that uid. */
  private resolveControllerRef(namespace: string, ref: { kind?: string; name?: string; uid?: string }): ReplicaSetLike | undefined {
    if (ref.kind !== this.kind.kind) return undefined;
    const rs = this.deps.owners.store.get(`${namespace}/${ref.name ?? ''}`);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** Owners in the pod's namespace whose selector matches it (for orphans). */
  private ownersMatching(pod: Pod): ReplicaSetLike[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.deps.owners.store.listByNamespace(ns).filter((rs) => {
      const sel = this.kind.selector(rs);
      return !sel.isEmpty() && sel.matches(pod.metadata?.labels);
    });
  }

  private onPodAdded(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod that shows up already being deleted (e.g. after a relist): count it as deleted.
      this.onPodDeleted(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.enqueue(rs);
      return;
    }
    // An orphan: wake every matching owner so one can adopt it.
    for (const rs of this.ownersMatching(pod)) this.enqueue(rs);
  }

  private onPodUpdated(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion: the pod no longer counts; tell its owner now, not when it is gone.
      this.onPodDeleted(cur);
      if (labelsChanged) this.onPodDeleted(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const oldRs = this.resolveControllerRef(old.metadata?.namespace ?? '', oldRef);
      if (oldRs) this.enqueue(oldRs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace ?? '', curRef);
      if (!rs) return;
      this.enqueue(rs);
      // Becoming ready starts the minReadySeconds clock: look again when it has run.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.queue.addAfter(objectKey(rs), minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) {
      for (const rs of this.ownersMatching(cur)) this.enqueue(rs);
    }
  }

  private onPodDeleted(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.enqueue(rs);
  }

  /** Reconciles one owner by key: the test seam and the workers' sync function. */
  async sync(key: string): Promise<void> {
    const cached = this.deps.owners.store.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const rs = deepCopy(cached);
    const needsSync = this.expectations.satisfied(key);
    const selector = this.kind.selector(rs);
    const ns = rs.metadata?.namespace ?? '';
    const active = this.deps.pods.store.listByNamespace(ns).filter(isPodActive);
    const pods = await claimObjects(
      {
        client: this.deps.client,
        type: PODS,
        owner: rs,
        controllerRef: newControllerRef(rs, this.kind.apiVersion, this.kind.kind),
        selector,
        canAdopt: () => recheckOwner(this.deps.client, this.kind.type, rs),
      },
      active,
    );
    let manageErr: ManageError | undefined;
    let thrown: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, pods, rs);
      } catch (err) {
        thrown = err;
        manageErr = { creating: pods.length < (rs.spec?.replicas ?? 1), message: errorMessage(err) };
      }
    }
    const now = this.now();
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const status = calculateReplicaSetStatus(
      { generation: rs.metadata?.generation, status: rs.status, templateLabels: rs.spec?.template?.metadata?.labels ?? {}, minReadySeconds: minReady },
      pods,
      manageErr,
      now,
    );
    await this.updateStatusIfNeeded(rs, status);
    // Pods ready but not yet available: come back when minReadySeconds has passed.
    const replicas = rs.spec?.replicas ?? 1;
    if (!thrown && minReady > 0 && status.readyReplicas === replicas && status.availableReplicas !== replicas) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (thrown) throw thrown;
  }

  /** Creates or deletes pods to reach spec.replicas. */
  private async manageReplicas(key: string, pods: Pod[], rs: ReplicaSetLike): Promise<void> {
    const want = rs.spec?.replicas ?? 1;
    const burst = this.deps.burstReplicas ?? BURST_REPLICAS;
    let diff = pods.length - want;
    if (diff < 0) {
      diff = Math.min(-diff, burst);
      // Expect before creating: the informer may see a new pod before create returns.
      this.expectations.expectCreations(key, diff);
      this.logger.debug({ controller: this.name, key, need: want, creating: diff }, 'too few replicas');
      const { successes, error } = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(rs));
      // Pods that failed or were never tried will not show up: stop waiting for them.
      const skipped = diff - successes;
      if (skipped > 0) this.expectations.lowerCreations(key, skipped);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, burst);
      const victims = [...pods].sort(comparePodsForDeletion).slice(0, diff);
      this.expectations.expectDeletions(key, victims.map((p) => objectKey(p)));
      this.logger.debug({ controller: this.name, key, need: want, deleting: diff }, 'too many replicas');
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(rs, p)));
      let firstError: unknown;
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          // The deletion will never be observed: stop waiting for it.
          this.expectations.deletionObserved(key, objectKey(victims[i] as Pod));
          firstError ??= r.reason;
        }
      });
      if (firstError !== undefined) throw firstError;
    }
  }

  private async createPod(rs: ReplicaSetLike): Promise<void> {
    const tmpl = rs.spec?.template ?? {};
    const meta = tmpl.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata?.name ?? ''}-`,
        namespace: rs.metadata?.namespace ?? '',
        ...(meta.labels ? { labels: { ...meta.labels } } : {}),
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
        ownerReferences: [newControllerRef(rs, this.kind.apiVersion, this.kind.kind)],
      },
      spec: deepCopy(tmpl.spec ?? {}) as Pod['spec'],
    };
    try {
      const created = await this.deps.client.create<Pod>(PODS, rs.metadata?.namespace ?? '', pod);
      this.deps.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    } catch (err) {
      // Creating into a terminating namespace fails forever: not worth a retry.
      if (errorMessage(err).includes('because it is being terminated')) return;
      this.deps.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async deletePod(rs: ReplicaSetLike, pod: Pod): Promise<void> {
    try {
      await this.deps.client.delete(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        preconditions: { uid: pod.metadata?.uid },
      });
      this.deps.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
    } catch (err) {
      // Already gone: that is what we wanted.
      if (isNotFound(err)) {
        this.expectations.deletionObserved(objectKey(rs), objectKey(pod));
        return;
      }
      this.deps.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Writes status when it changed, retrying once against a fresh copy on conflict. */
  private async updateStatusIfNeeded(rs: ReplicaSetLike, status: ReplicaSetStatus): Promise<void> {
    if (sameReplicaSetStatus(rs.status, status)) return;
    const ns = rs.metadata?.namespace ?? '';
    let current: ReplicaSetLike = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.client.update(this.kind.type, ns, { ...current, status }, { subresource: 'status' });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 1) throw err;
        current = await this.deps.client.get<ReplicaSetLike>(this.kind.type, ns, rs.metadata?.name ?? '');
        if (current.metadata?.uid !== rs.metadata?.uid) return;
        if (sameReplicaSetStatus(current.status, status)) return;
      }
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
