// SPDX-License-Identifier: Apache-2.0
import type { appsV1, coreV1 } from '@berth/api-types';
import { isAlreadyExists, isNotFound, labelSelectorFromObject, objectKey, type KubeObject, deepCopy } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { getControllerOf, newControllerRef } from '../shared/owner-refs';
import { isPodAvailable, isPodReady } from '../shared/pod-utils';
import { CONTROLLER_REVISION_HASH_LABEL, CONTROLLER_REVISIONS, ensureRevision, truncateHistory, type ControllerRevision } from './controller-history';

/** The controller's name (--controllers, logs, events' source). */
export const STATEFULSET_CONTROLLER = 'statefulset-controller';
export const STATEFULSETS: ResourceType = { group: 'apps', version: 'v1', resource: 'statefulsets' };
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const PVCS: ResourceType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type StatefulSet = appsV1.StatefulSetJson;
type Pod = coreV1.PodJson;
type Pvc = coreV1.PersistentVolumeClaimJson;

export interface StatefulSetControllerDeps {
  client: ApiClient;
  statefulSets: SharedInformer<StatefulSet>;
  pods: SharedInformer<Pod>;
  revisions: SharedInformer<ControllerRevision>;
  pvcs: SharedInformer<Pvc>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  now?: () => Date;
}

/**
 * Runs StatefulSets as Kubernetes' StatefulSet controller: pods `<set>-<ordinal>` with
 * stable hostnames (hostname = pod name, subdomain = spec.serviceName) and per-pod claims
 * `<claim>-<set>-<ordinal>` from volumeClaimTemplates (created when missing, kept on scale
 * down). With OrderedReady, pod N+1 is created only once pods 0..N are Running and Ready,
 * and scale-down removes the highest ordinal first, one at a time; Parallel does both at
 * once. Template changes make a new ControllerRevision; RollingUpdate replaces pods from the
 * highest ordinal down to spec.updateStrategy.rollingUpdate.partition, one at a time and
 * only while the others are ready; OnDelete waits for users to delete pods.
 */
export class StatefulSetController {
  readonly queue = new WorkQueue<string>({ name: STATEFULSET_CONTROLLER });
  private readonly logger: ClientLogger;
  private readonly now: () => Date;

  constructor(private readonly deps: StatefulSetControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    deps.statefulSets.addEventHandler({
      onAdd: (s) => this.queue.add(objectKey(s)),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.queue.add(objectKey(n)),
    });
    const enqueueOwner = (p: KubeObject): void => {
      const ref = getControllerOf(p);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${p.metadata?.namespace ?? ''}/${ref.name}`);
    };
    deps.pods.addEventHandler({
      onAdd: enqueueOwner,
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && enqueueOwner(n),
      onDelete: enqueueOwner,
    });
  }

  async run(signal: AbortSignal, workers = 1): Promise<void> {
    const { statefulSets, pods, revisions, pvcs } = this.deps;
    await Promise.all([statefulSets, pods, revisions, pvcs].map((i) => i.waitForSync(signal)));
    await runWorkers({ name: STATEFULSET_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** Reconciles one StatefulSet ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const cached = this.deps.statefulSets.store.get(key);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const set = deepCopy(cached);
    const ns = set.metadata?.namespace ?? '';
    const name = set.metadata?.name ?? '';
    const spec = set.spec ?? {};
    const replicas = spec.replicas ?? 1;
    const selector = labelSelectorFromObject(spec.selector);
    const uid = set.metadata?.uid;

    // Revisions: the one of the current template is the update revision.
    const revisions = this.deps.revisions.store.listByNamespace(ns).filter((r) => getControllerOf(r)?.uid === uid);
    const updateRevision = await ensureRevision(this.deps.client, set as KubeObject, 'apps/v1', 'StatefulSet', revisionData(set), revisions, spec.selector?.matchLabels ?? {});
    const updateName = updateRevision.metadata?.name ?? '';
    const currentName = set.status?.currentRevision && (revisions.some((r) => r.metadata?.name === set.status?.currentRevision) || set.status.currentRevision === updateName) ? set.status.currentRevision : updateName;
    const currentRevision = revisions.find((r) => r.metadata?.name === currentName) ?? updateRevision;

    const pods = this.deps.pods.store
      .listByNamespace(ns)
      .filter((p) => getControllerOf(p)?.uid === uid && selector.matches(p.metadata?.labels ?? {}));
    const byOrdinal = new Map<number, Pod>();
    const condemned: Pod[] = [];
    for (const p of pods) {
      const ord = podOrdinal(name, p.metadata?.name ?? '');
      if (ord === undefined) continue;
      if (ord < replicas) byOrdinal.set(ord, p);
      else condemned.push(p);
    }
    condemned.sort((a, b) => (podOrdinal(name, b.metadata?.name ?? '') ?? 0) - (podOrdinal(name, a.metadata?.name ?? '') ?? 0));
    const monotonic = (spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    const partition = strategy === 'RollingUpdate' ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const now = this.now();
    const minReady = spec.minReadySeconds ?? 0;

    const ready = (p: Pod): boolean => p.status?.phase === 'Running' && isPodReady(p);
    const terminating = (p: Pod): boolean => !!p.metadata?.deletionTimestamp;
    const revisionOf = (p: Pod): string => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

    const work = async (): Promise<void> => {
      // 1. Replace failed pods and create missing ones, in ordinal order.
      for (let ord = 0; ord < replicas; ord++) {
        let pod = byOrdinal.get(ord);
        if (pod && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') && !terminating(pod)) {
          await this.deletePod(set, pod);
          byOrdinal.delete(ord);
          if (monotonic) return;
          pod = undefined;
        }
        if (!pod) {
          // Pods below the partition are recreated at the current revision; with OnDelete a deleted pod comes back updated.
          const useCurrent = strategy === 'RollingUpdate' && ord < partition;
          const rev = useCurrent ? currentRevision : updateRevision;
          await this.ensureClaims(set, ord);
          await this.createPod(set, newStatefulSetPod(set, ord, rev));
          if (monotonic) return;
          continue;
        }
        // OrderedReady: nothing after a pod that is not Running and Ready yet.
        if (monotonic && (terminating(pod) || !ready(pod))) return;
      }
      // 2. Scale down from the highest ordinal; with OrderedReady one at a time, and only when the rest are healthy.
      if (monotonic) {
        if (condemned.some(terminating)) return;
        const unhealthy = [...byOrdinal.values()].some((p) => !ready(p) || terminating(p));
        const target = condemned[0];
        if (target && !unhealthy) {
          await this.deletePod(set, target);
          return;
        }
        if (target) return;
      } else {
        for (const p of condemned) if (!terminating(p)) await this.deletePod(set, p);
        if (condemned.length > 0) return;
      }
      // 3. RollingUpdate: replace the highest ordinal not at the update revision, down to the partition.
      if (strategy !== 'RollingUpdate') return;
      for (let ord = replicas - 1; ord >= partition; ord--) {
        const pod = byOrdinal.get(ord);
        if (!pod) return;
        if (revisionOf(pod) !== updateName) {
          if (!terminating(pod)) await this.deletePod(set, pod);
          return;
        }
        // Wait for the updated pod to be ready before moving to the next one.
        if (!ready(pod) || terminating(pod)) return;
      }
    };
    await work();
    await this.writeStatus(set, pods, currentName, updateName, minReady, now);
    const live = new Set([currentName, updateName, ...pods.map(revisionOf)]);
    await truncateHistory(this.deps.client, this.deps.revisions.store.listByNamespace(ns).filter((r) => getControllerOf(r)?.uid === uid), live, spec.revisionHistoryLimit ?? 10);
  }

  private async writeStatus(set: StatefulSet, pods: Pod[], currentName: string, updateName: string, minReady: number, now: Date): Promise<void> {
    const counted = pods.filter((p) => !p.metadata?.deletionTimestamp);
    const rev = (p: Pod): string => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
    const status: appsV1.StatefulSetStatusJson = {
      ...deepCopy(set.status ?? {}),
      observedGeneration: set.metadata?.generation,
      replicas: counted.length,
      readyReplicas: counted.filter(isPodReady).length,
      availableReplicas: counted.filter((p) => isPodAvailable(p, minReady, now)).length,
      currentReplicas: counted.filter((p) => rev(p) === currentName).length,
      updatedReplicas: counted.filter((p) => rev(p) === updateName).length,
      currentRevision: currentName,
      updateRevision: updateName,
    };
    // The rollout is complete: every pod runs the update revision.
    const replicas = set.spec?.replicas ?? 1;
    if (status.updatedReplicas === replicas && status.replicas === replicas && status.readyReplicas === replicas) {
      status.currentRevision = updateName;
      status.currentReplicas = status.updatedReplicas;
    }
    if (JSON.stringify(status) === JSON.stringify(set.status ?? {})) return;
    try {
      await this.deps.client.update(STATEFULSETS, set.metadata?.namespace ?? '', { ...set, status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async createPod(set: StatefulSet, pod: Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.deps.client.create(PODS, set.metadata?.namespace ?? '', pod);
    } catch (err) {
      // The name is stable: a stale cache makes us try twice, and the second try is harmless.
      if (isAlreadyExists(err)) return;
      this.deps.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata?.name ?? ''} failed error: ${(err as Error).message}`);
      throw err;
    }
    this.deps.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata?.name ?? ''} successful`);
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.deps.client.delete(PODS, pod.metadata?.namespace ?? '', name);
    } catch (err) {
      if (isNotFound(err)) return;
      this.deps.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${name} in StatefulSet ${set.metadata?.name ?? ''} failed error: ${(err as Error).message}`);
      throw err;
    }
    this.deps.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${set.metadata?.name ?? ''} successful`);
  }

  /** Creates the pod's claims that do not exist yet; existing claims are never changed. */
  private async ensureClaims(set: StatefulSet, ordinal: number): Promise<void> {
    const ns = set.metadata?.namespace ?? '';
    for (const tpl of set.spec?.volumeClaimTemplates ?? []) {
      const claimName = pvcName(set, tpl.metadata?.name ?? '', ordinal);
      if (this.deps.pvcs.store.get(`${ns}/${claimName}`)) continue;
      const claim: Pvc = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { ...deepCopy(tpl.metadata ?? {}), name: claimName, namespace: ns, labels: { ...(tpl.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) } },
        spec: deepCopy(tpl.spec ?? {}),
      };
      try {
        await this.deps.client.create(PVCS, ns, claim);
        this.deps.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${set.metadata?.name ?? ''}-${ordinal} in StatefulSet ${set.metadata?.name ?? ''} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.deps.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claimName} for Pod ${set.metadata?.name ?? ''}-${ordinal} in StatefulSet ${set.metadata?.name ?? ''} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
  }
}

/** What a StatefulSet revision records: the pod template. */
export function revisionData(set: StatefulSet): unknown {
  return { spec: { template: set.spec?.template ?? {} } };
}

/** The ordinal of `<set>-<n>`, or undefined for a name that is not one of the set's. */
export function podOrdinal(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** `<claim>-<set>-<ordinal>`: the claim a pod's volumeClaimTemplate becomes. */
export function pvcName(set: StatefulSet, claim: string, ordinal: number): string {
  return `${claim}-${set.metadata?.name ?? ''}-${ordinal}`;
}

/** The pod for one ordinal at one revision (newVersionedStatefulSetPod). */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revision: ControllerRevision): Pod {
  const data = revision.data as { spec?: { template?: coreV1.PodTemplateSpecJson } } | undefined;
  const template = deepCopy(data?.spec?.template ?? set.spec?.template ?? {});
  const setName = set.metadata?.name ?? '';
  const name = `${setName}-${ordinal}`;
  const spec: coreV1.PodSpecJson = template.spec ?? { containers: [] };
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claims = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const claimNames = new Set(claims.map((c) => c.metadata?.name ?? ''));
    spec.volumes = [
      ...(spec.volumes ?? []).filter((v) => !claimNames.has(v.name ?? '')),
      ...claims.map((c) => ({ name: c.metadata?.name ?? '', persistentVolumeClaim: { claimName: pvcName(set, c.metadata?.name ?? '', ordinal) } })),
    ];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: revision.metadata?.name ?? '', [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [newControllerRef(set as KubeObject, 'apps/v1', 'StatefulSet')],
    },
    spec,
  };
}

export { CONTROLLER_REVISIONS };
