// SPDX-License-Identifier: Apache-2.0
import { isAlreadyExists, isConflict, isNotFound, labelSelectorFromObject, objectKey, type KubeObject, type LabelSelectorObject, deepCopy } from '@berth/api';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { claimObjects, recheckOwner } from '../shared/controller-ref-manager';
import { getControllerOf, newControllerRef } from '../shared/owner-refs';
import { computePodTemplateHash, POD_TEMPLATE_HASH_LABEL } from '../shared/pod-template-hash';
import type { Pod } from '../shared/pod-utils';
import { DEPLOYMENTS, REPLICASETS } from '../shared/resources';
import {
  availableReplicaCount,
  byCreationTimestamp,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  calculateDeploymentStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicas,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  FAILED_RS_CREATE_REASON,
  filterActive,
  findNewReplicaSet,
  findOldReplicaSets,
  FOUND_NEW_RS_REASON,
  getCondition,
  hasProgressDeadline,
  isRollingUpdate,
  maxRevision,
  maxSurge,
  maxUnavailable,
  NEW_RS_AVAILABLE_REASON,
  NEW_RS_REASON,
  newCondition,
  newRSNewReplicas,
  PAUSED_REASON,
  PROGRESSING,
  removeCondition,
  REPLICA_FAILURE,
  replicaSetProportion,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  RESUMED_REASON,
  REVISION_ANNOTATION,
  RS_UPDATED_REASON,
  sameDeploymentStatus,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicaCount,
  TIMED_OUT_REASON,
  type Deployment,
  type DeploymentStatus,
  type ReplicaSet,
} from './deployment-util';

/** The controller's name (events' source, --controllers). */
export const DEPLOYMENT_CONTROLLER = 'deployment-controller';

/** What the controller needs. */
export interface DeploymentControllerDeps {
  client: ApiClient;
  deployments: SharedInformer<Deployment>;
  replicaSets: SharedInformer<ReplicaSet>;
  pods: SharedInformer<Pod>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  now?: () => Date;
}

/**
 * Reconciles Deployments (Kubernetes' pkg/controller/deployment): one ReplicaSet per pod
 * template, named `<deployment>-<pod-template-hash>`; rolling updates within maxSurge and
 * maxUnavailable, Recreate, proportional scaling, pause, revision history and the
 * Progressing/Available conditions `rollout status` reads.
 */
export class DeploymentController {
  readonly name = DEPLOYMENT_CONTROLLER;
  readonly queue = new WorkQueue<string>({ name: DEPLOYMENT_CONTROLLER });
  private readonly logger: ClientLogger;
  private readonly now: () => Date;

  constructor(private readonly deps: DeploymentControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    deps.deployments.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.enqueue(cur);
      },
      onDelete: (d) => this.enqueue(d),
    });
    deps.replicaSets.addEventHandler({
      onAdd: (rs) => this.onReplicaSetChanged(rs),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
        const oldRef = getControllerOf(old);
        const curRef = getControllerOf(cur);
        if (oldRef && oldRef.uid !== curRef?.uid) this.onReplicaSetChanged(old);
        this.onReplicaSetChanged(cur);
      },
      onDelete: (rs) => this.onReplicaSetChanged(rs),
    });
    // Recreate waits for old pods to be gone: look again when one goes.
    deps.pods.addEventHandler({
      onDelete: (pod) => {
        const rsRef = getControllerOf(pod);
        if (rsRef?.kind !== 'ReplicaSet') return;
        const rs = deps.replicaSets.store.get(`${pod.metadata?.namespace ?? ''}/${rsRef.name ?? ''}`);
        const dRef = rs ? getControllerOf(rs) : undefined;
        const d = dRef ? this.resolve(rs?.metadata?.namespace ?? '', dRef) : undefined;
        if (d && !isRollingUpdate(d)) this.enqueue(d);
      },
    });
  }

  private enqueue(d: KubeObject): void {
    this.queue.add(objectKey(d));
  }

  private resolve(namespace: string, ref: { kind?: string; name?: string; uid?: string }): Deployment | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.deps.deployments.store.get(`${namespace}/${ref.name ?? ''}`);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private onReplicaSetChanged(rs: ReplicaSet): void {
    const ns = rs.metadata?.namespace ?? '';
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.resolve(ns, ref);
      if (d) this.enqueue(d);
      return;
    }
    // An orphan: every Deployment that selects it may adopt it.
    for (const d of this.deps.deployments.store.listByNamespace(ns)) {
      const sel = d.spec?.selector as LabelSelectorObject | undefined;
      if (!sel) continue;
      const m = labelSelectorFromObject(sel);
      if (!m.isEmpty() && m.matches(rs.metadata?.labels)) this.enqueue(d);
    }
  }

  /** Reconciles one Deployment by key: the test seam and the workers' sync function. */
  async sync(key: string): Promise<void> {
    const cached = this.deps.deployments.store.get(key);
    if (!cached) return;
    const d = deepCopy(cached);
    const sel = d.spec?.selector as LabelSelectorObject | undefined;
    if (!sel || labelSelectorFromObject(sel).isEmpty()) {
      this.deps.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.writeStatus(d, { ...(d.status ?? {}), observedGeneration: d.metadata?.generation ?? 0 });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata?.deletionTimestamp) {
      await this.syncStatusOnly(d, rsList);
      return;
    }
    await this.checkPausedConditions(d);
    if (d.spec?.paused) {
      await this.syncScaleOnly(d, rsList);
      return;
    }
    if (this.isScalingEvent(d, rsList)) {
      await this.syncScaleOnly(d, rsList);
      return;
    }
    if (isRollingUpdate(d)) await this.rolloutRolling(d, rsList);
    else await this.rolloutRecreate(d, rsList);
  }

  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const ns = d.metadata?.namespace ?? '';
    const candidates = this.deps.replicaSets.store.listByNamespace(ns).map((rs) => deepCopy(rs));
    return claimObjects(
      {
        client: this.deps.client,
        type: REPLICASETS,
        owner: d,
        controllerRef: newControllerRef(d, 'apps/v1', 'Deployment'),
        selector: labelSelectorFromObject(d.spec?.selector as LabelSelectorObject),
        canAdopt: () => recheckOwner(this.deps.client, DEPLOYMENTS, d),
      },
      candidates,
    );
  }

  // ---- status writes ----

  /** Writes d's status, and keeps d's resourceVersion current for later writes in this sync. */
  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    const ns = d.metadata?.namespace ?? '';
    const updated = await this.deps.client.update<Deployment>(DEPLOYMENTS, ns, { ...d, status }, { subresource: 'status' });
    d.status = status;
    d.metadata = { ...d.metadata, resourceVersion: updated.metadata?.resourceVersion ?? d.metadata?.resourceVersion };
  }

  /** Sets the Deployment's revision annotation (SetDeploymentRevision); true when written. */
  private async syncDeploymentRevision(d: Deployment, revision: string): Promise<void> {
    if (d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    const ns = d.metadata?.namespace ?? '';
    const patched = await this.deps.client.patch<Deployment>(DEPLOYMENTS, ns, d.metadata?.name ?? '', 'application/merge-patch+json', {
      metadata: { annotations: { [REVISION_ANNOTATION]: revision } },
    });
    d.metadata = { ...d.metadata, annotations: { ...(d.metadata?.annotations ?? {}), [REVISION_ANNOTATION]: revision }, resourceVersion: patched.metadata?.resourceVersion };
  }

  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, PROGRESSING);
    // A reported lack of progress is not overwritten by a pause.
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedExists = cond?.reason === PAUSED_REASON;
    const status: DeploymentStatus = deepCopy(d.status ?? {});
    if (d.spec?.paused && !pausedExists) {
      setCondition(status, newCondition(PROGRESSING, 'Unknown', PAUSED_REASON, 'Deployment is paused', this.now()));
    } else if (!d.spec?.paused && pausedExists) {
      setCondition(status, newCondition(PROGRESSING, 'Unknown', RESUMED_REASON, 'Deployment is resumed', this.now()));
    } else return;
    await this.writeStatus(d, status);
  }

  // ---- the new and old ReplicaSets ----

  /**
   * The new ReplicaSet (created when `create` and missing) and the old ones, with
   * revisions brought up to date (getAllReplicaSetsAndSyncRevision).
   */
  private async getAllReplicaSets(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: Deployment, rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const ns = d.metadata?.namespace ?? '';
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.now();
    if (existing) {
      const copy = deepCopy(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyNeedsUpdate = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        copy.spec = { ...copy.spec, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        return this.deps.client.update<ReplicaSet>(REPLICASETS, ns, copy);
      }
      await this.syncDeploymentRevision(d, copy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
        const status = deepCopy(d.status ?? {});
        setCondition(status, newCondition(PROGRESSING, 'True', FOUND_NEW_RS_REASON, `Found new replica set "${copy.metadata?.name ?? ''}"`, now));
        await this.writeStatus(d, status);
      }
      return copy;
    }
    if (!create) return undefined;

    const template = deepCopy(d.spec?.template ?? {});
    const hash = computePodTemplateHash(template, d.status?.collisionCount);
    template.metadata = { ...template.metadata, labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = deepCopy((d.spec?.selector ?? {}) as LabelSelectorObject);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rsName = `${d.metadata?.name ?? ''}-${hash}`;
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: ns,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
        labels: { ...(template.metadata.labels ?? {}) },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector: selector as NonNullable<ReplicaSet['spec']>['selector'], template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec = { ...newRS.spec, replicas };
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.deps.client.create<ReplicaSet>(REPLICASETS, ns, newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const rs = this.deps.replicaSets.store.get(`${ns}/${rsName}`) ?? (await this.deps.client.get<ReplicaSet>(REPLICASETS, ns, rsName));
        const ref = getControllerOf(rs);
        if (ref?.uid === d.metadata?.uid && equalIgnoreHash(rs.spec?.template, d.spec?.template)) {
          created = deepCopy(rs);
          alreadyExisted = true;
        } else {
          // A hash collision: count it so the next hash differs, and retry.
          const status = deepCopy(d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus(d, status);
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${rsName}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          const status = deepCopy(d.status ?? {});
          setCondition(status, newCondition(PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg, now));
          await this.writeStatus(d, status).catch(() => undefined);
        }
        this.deps.recorder.event(d, 'Warning', 'FailedCreate', msg);
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} to ${replicas}`);
    }
    await this.syncDeploymentRevision(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const status = deepCopy(d.status ?? {});
      setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_REASON, `Created new replica set "${rsName}"`, now));
      await this.writeStatus(d, status);
    }
    return created;
  }

  // ---- scaling ----

  /** Scales and records ScalingReplicaSet; returns whether the size changed and the RS as written. */
  private async scaleAndRecord(rs: ReplicaSet, newScale: number, d: Deployment): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, d, newScale > replicasOf(rs) ? 'up' : 'down');
  }

  private async scaleReplicaSet(rs: ReplicaSet, newScale: number, d: Deployment, op: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const sizeNeedsUpdate = replicasOf(rs) !== newScale;
    const desired = desiredReplicas(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = deepCopy(rs);
    copy.spec = { ...copy.spec, replicas: newScale };
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.deps.client.update<ReplicaSet>(REPLICASETS, rs.metadata?.namespace ?? '', copy);
    if (sizeNeedsUpdate) {
      this.deps.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name ?? ''} to ${newScale}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** True when an active RS was last scaled for a different replica count (isScalingEvent). */
  private isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    const newRS = findNewReplicaSet(d, rsList);
    const oldRSs = findOldReplicaSets(d, rsList);
    for (const rs of filterActive([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired === undefined) continue;
      if (desired !== desiredReplicas(d)) return true;
    }
    return false;
  }

  /** Scaling without rollout progress: paused Deployments and replica count changes (sync). */
  private async syncScaleOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** Scales to spec.replicas, proportionally over the active ReplicaSets mid-rollout (scale). */
  private async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const want = desiredReplicas(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) === want) return;
      await this.scaleAndRecord(activeOrLatest, want, d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.scaleAndRecord(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = filterActive([...oldRSs, newRS]);
    const allReplicas = specReplicaCount(all);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - allReplicas;
    let op = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      const name = rs.metadata?.name ?? '';
      if (toAdd !== 0) {
        const p = replicaSetProportion(rs, d, toAdd, added);
        sizes.set(name, replicasOf(rs) + p);
        added += p;
      } else sizes.set(name, replicasOf(rs));
    }
    for (const [i, rs] of all.entries()) {
      const name = rs.metadata?.name ?? '';
      // Leftovers go to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(name) ?? 0, d, op);
    }
  }

  // ---- rollouts ----

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const got = await this.getAllReplicaSets(d, rsList, true);
    const newRS = got.newRS as ReplicaSet;
    let oldRSs = got.oldRSs;
    const allRSs = (): ReplicaSet[] => [...oldRSs, newRS];
    if (await this.reconcileNewReplicaSet(allRSs(), newRS, d)) {
      await this.syncRolloutStatus(allRSs(), newRS, d);
      return;
    }
    const down = await this.reconcileOldReplicaSets(allRSs(), filterActive(oldRSs), newRS, d);
    if (down.scaled) {
      oldRSs = oldRSs.map((rs) => down.updated.get(rs.metadata?.uid ?? '') ?? rs);
      await this.syncRolloutStatus(allRSs(), newRS, d);
      return;
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    await this.syncRolloutStatus(allRSs(), newRS, d);
  }

  private async reconcileNewReplicaSet(allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
    const want = desiredReplicas(d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return (await this.scaleAndRecord(newRS, want, d)).scaled;
    const count = newRSNewReplicas(d, allRSs, newRS);
    const r = await this.scaleAndRecord(newRS, count, d);
    if (r.scaled) Object.assign(newRS, r.rs);
    return r.scaled;
  }

  private async reconcileOldReplicaSets(
    allRSs: ReplicaSet[],
    oldRSs: ReplicaSet[],
    newRS: ReplicaSet,
    d: Deployment,
  ): Promise<{ scaled: boolean; updated: Map<string, ReplicaSet> }> {
    const updated = new Map<string, ReplicaSet>();
    const oldPods = specReplicaCount(oldRSs);
    if (oldPods === 0) return { scaled: false, updated };
    const allPods = specReplicaCount(allRSs);
    const minAvailable = desiredReplicas(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return { scaled: false, updated };

    // Unhealthy old replicas first: they would otherwise block the rollout until the deadline.
    let olds = [...oldRSs].sort(byCreationTimestamp);
    let cleaned = 0;
    for (const [i, rs] of olds.entries()) {
      if (cleaned >= maxScaledDown) break;
      if (replicasOf(rs) === 0) continue;
      const avail = rs.status?.availableReplicas ?? 0;
      if (replicasOf(rs) === avail) continue;
      const n = Math.min(maxScaledDown - cleaned, replicasOf(rs) - avail);
      const r = await this.scaleAndRecord(rs, replicasOf(rs) - n, d);
      cleaned += n;
      olds[i] = r.rs;
      updated.set(r.rs.metadata?.uid ?? '', r.rs);
    }
    // Then healthy ones, as far as availability allows.
    const all = [...olds, newRS];
    const availablePods = availableReplicaCount(all);
    let scaledDown = 0;
    if (availablePods > minAvailable) {
      const total = availablePods - minAvailable;
      olds = olds.sort(byCreationTimestamp);
      for (const rs of olds) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const n = Math.min(replicasOf(rs), total - scaledDown);
        const r = await this.scaleAndRecord(rs, replicasOf(rs) - n, d);
        updated.set(r.rs.metadata?.uid ?? '', r.rs);
        scaledDown += n;
      }
    }
    return { scaled: cleaned + scaledDown > 0, updated };
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) {
      if ((await this.scaleAndRecord(rs, 0, d)).scaled) scaledDown = true;
    }
    if (scaledDown) {
      await this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    // Never run old and new pods together: wait until the old ones are gone.
    if (this.oldPodsRunning(newRS, oldRSs)) {
      await this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, true));
    if (newRS) {
      const r = await this.scaleAndRecord(newRS, desiredReplicas(d), d);
      newRS = r.rs;
    }
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    await this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata?.uid));
    const ns = newRS?.metadata?.namespace ?? oldRSs[0]?.metadata?.namespace ?? '';
    return this.deps.pods.store.listByNamespace(ns).some((pod) => {
      const ref = getControllerOf(pod);
      if (!ref || !oldUids.has(ref.uid)) return false;
      const phase = pod.status?.phase;
      return phase !== 'Failed' && phase !== 'Succeeded';
    });
  }

  /** Deletes the oldest empty ReplicaSets beyond revisionHistoryLimit (cleanupDeployment). */
  private async cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.logger.debug({ controller: this.name, replicaSet: objectKey(rs) }, 'deleting old replica set');
      try {
        await this.deps.client.delete(REPLICASETS, rs.metadata?.namespace ?? '', rs.metadata?.name ?? '', { preconditions: { uid: rs.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // ---- status ----

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  private async syncDeploymentStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const status = calculateDeploymentStatus(allRSs, newRS, d, this.now());
    if (sameDeploymentStatus(d.status, status)) return;
    await this.writeStatusTolerant(d, status);
  }

  /** Status with the Progressing condition judged against the deadline (syncRolloutStatus). */
  private async syncRolloutStatus(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined, d: Deployment): Promise<void> {
    const now = this.now();
    const status = calculateDeploymentStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
    const current = getCondition(d.status, PROGRESSING);
    const complete = status.replicas === status.updatedReplicas && current?.reason === NEW_RS_AVAILABLE_REASON;
    const rsName = newRS?.metadata?.name;
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata?.name ?? ''}" has successfully progressed.`;
        setCondition(status, newCondition(PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata?.name ?? ''}" is progressing.`;
        const cond = newCondition(PROGRESSING, 'True', RS_UPDATED_REASON, msg, now);
        // Progress refreshes lastUpdateTime even with the same reason; the transition time stays.
        if (current) {
          if (current.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, PROGRESSING);
        }
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata?.name ?? ''}" has timed out progressing.`;
        setCondition(status, newCondition(PROGRESSING, 'False', TIMED_OUT_REASON, msg, now));
      }
    }
    const failure = replicaFailure(allRSs, newRS);
    if (failure) setCondition(status, failure);
    else removeCondition(status, REPLICA_FAILURE);
    if (sameDeploymentStatus(d.status, status)) {
      this.requeueStuckDeployment(d, status, now);
      return;
    }
    await this.writeStatusTolerant(d, status);
  }

  private async writeStatusTolerant(d: Deployment, status: DeploymentStatus): Promise<void> {
    try {
      await this.writeStatus(d, status);
    } catch (err) {
      // Gone or changed meanwhile: the informer brings the next version, which syncs again.
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        this.enqueue(d);
        return;
      }
      throw err;
    }
  }

  /** Comes back when the progress deadline would pass (requeueStuckDeployment). */
  private requeueStuckDeployment(d: Deployment, status: DeploymentStatus, now: Date): void {
    const cond = getCondition(status, PROGRESSING);
    if (!hasProgressDeadline(d) || !cond) return;
    if (deploymentComplete(d, status) || cond.reason === TIMED_OUT_REASON) return;
    const from = Date.parse(cond.lastUpdateTime ?? '');
    if (Number.isNaN(from)) return;
    const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now.getTime();
    if (after < 1000) this.queue.addRateLimited(objectKey(d));
    else this.queue.addAfter(objectKey(d), after + 100);
  }
}

/** The single active RS, or the newest when none is active; undefined when several are (FindActiveOrLatest). */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort(byCreationTimestamp).reverse();
  const active = filterActive([...sortedOld, newRS]);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** The new RS runs every desired replica, all available (IsSaturated). */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = desiredReplicas(d);
  return desiredReplicasAnnotation(rs) === want && replicasOf(rs) === want && (rs.status?.availableReplicas ?? 0) === want;
}

/** The ReplicaFailure condition of the new RS, else of an old one (getReplicaFailures). */
function replicaFailure(allRSs: Array<ReplicaSet | undefined>, newRS: ReplicaSet | undefined) {
  const from = (rs: ReplicaSet | undefined) => (rs?.status?.conditions ?? []).find((c) => c.type === REPLICA_FAILURE);
  const c = from(newRS) ?? allRSs.map(from).find((x) => x !== undefined);
  if (!c) return undefined;
  return {
    type: REPLICA_FAILURE,
    status: c.status ?? 'True',
    lastUpdateTime: c.lastTransitionTime ?? '',
    lastTransitionTime: c.lastTransitionTime ?? '',
    reason: c.reason ?? '',
    message: c.message ?? '',
  };
}
