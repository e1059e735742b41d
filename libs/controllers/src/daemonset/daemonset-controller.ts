// SPDX-License-Identifier: Apache-2.0
import type { appsV1, coreV1 } from '@berth/api-types';
import { intOrStringValue, isNotFound, labelSelectorFromObject, objectKey, type KubeObject, deepCopy } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { ControllerExpectations } from '../shared/expectations';
import { getControllerOf, newControllerRef } from '../shared/owner-refs';
import { isPodAvailable, isPodReady } from '../shared/pod-utils';
import { CONTROLLER_REVISION_HASH_LABEL, CONTROLLER_REVISIONS, ensureRevision, revisionHash, truncateHistory, type ControllerRevision } from '../statefulset/controller-history';
import { daemonPodNode, daemonPodTolerations, nodeShouldRunDaemonPod, pinToNode } from './node-eligibility';

/** The controller's name (--controllers, logs, events' source). */
export const DAEMONSET_CONTROLLER = 'daemonset-controller';
export const DAEMONSETS: ResourceType = { group: 'apps', version: 'v1', resource: 'daemonsets' };
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

export type DaemonSet = appsV1.DaemonSetJson;
type Pod = coreV1.PodJson;
type Node = coreV1.NodeJson;

export interface DaemonSetControllerDeps {
  client: ApiClient;
  daemonSets: SharedInformer<DaemonSet>;
  pods: SharedInformer<Pod>;
  nodes: SharedInformer<Node>;
  revisions: SharedInformer<ControllerRevision>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  now?: () => Date;
}

/**
 * Runs one pod of a DaemonSet on every eligible node, as Kubernetes' DaemonSet controller:
 * eligibility is nodeSelector + required node affinity + taints (daemon pods tolerate
 * not-ready, unreachable, pressure and unschedulable taints). Pods are created unbound with
 * a node affinity term `metadata.name In [<node>]` — as Kubernetes does since 1.12 — and the
 * scheduler binds them. Extra pods, pods on nodes that are no longer eligible and failed
 * pods are deleted. Template changes make a ControllerRevision; RollingUpdate deletes old
 * pods while at most maxUnavailable (default 1) daemon pods are unavailable, OnDelete waits
 * for users.
 */
export class DaemonSetController {
  readonly queue = new WorkQueue<string>({ name: DAEMONSET_CONTROLLER });
  readonly expectations: ControllerExpectations;
  private readonly logger: ClientLogger;
  private readonly now: () => Date;

  constructor(private readonly deps: DaemonSetControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    this.expectations = new ControllerExpectations(() => this.now().getTime());
    deps.daemonSets.addEventHandler({
      onAdd: (d) => this.queue.add(objectKey(d)),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.queue.add(objectKey(n)),
      onDelete: (d) => {
        this.expectations.delete(createKey(objectKey(d)));
        this.expectations.delete(deleteKey(objectKey(d)));
      },
    });
    const owner = (p: Pod): string | undefined => {
      const ref = getControllerOf(p);
      return ref?.kind === 'DaemonSet' ? `${p.metadata?.namespace ?? ''}/${ref.name}` : undefined;
    };
    deps.pods.addEventHandler({
      onAdd: (p) => {
        const k = owner(p);
        if (!k) return;
        this.expectations.creationObserved(createKey(k));
        this.queue.add(k);
      },
      onUpdate: (o, n) => {
        const k = owner(n);
        if (k && o.metadata?.resourceVersion !== n.metadata?.resourceVersion) this.queue.add(k);
      },
      onDelete: (p) => {
        const k = owner(p);
        if (!k) return;
        this.expectations.deletionObserved(deleteKey(k), objectKey(p));
        this.queue.add(k);
      },
    });
    // Any node change may change where every DaemonSet should run.
    const all = (): void => {
      for (const k of deps.daemonSets.store.listKeys()) this.queue.add(k);
    };
    deps.nodes.addEventHandler({ onAdd: all, onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && all(), onDelete: all });
  }

  async run(signal: AbortSignal, workers = 2): Promise<void> {
    const { daemonSets, pods, nodes, revisions } = this.deps;
    await Promise.all([daemonSets, pods, nodes, revisions].map((i) => i.waitForSync(signal)));
    await runWorkers({ name: DAEMONSET_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** Reconciles one DaemonSet ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const cached = this.deps.daemonSets.store.get(key);
    if (!cached) {
      this.expectations.delete(createKey(key));
      this.expectations.delete(deleteKey(key));
      return;
    }
    if (cached.metadata?.deletionTimestamp) return;
    const ds = deepCopy(cached);
    const ns = ds.metadata?.namespace ?? '';
    const uid = ds.metadata?.uid;
    const spec = ds.spec ?? {};
    const selector = labelSelectorFromObject(spec.selector);
    const revisions = this.deps.revisions.store.listByNamespace(ns).filter((r) => getControllerOf(r)?.uid === uid);
    const rev = await ensureRevision(this.deps.client, ds as KubeObject, 'apps/v1', 'DaemonSet', { spec: { template: spec.template ?? {} } }, revisions, spec.selector?.matchLabels ?? {});
    const hash = revisionHash(rev);

    const pods = this.deps.pods.store.listByNamespace(ns).filter((p) => getControllerOf(p)?.uid === uid && selector.matches(p.metadata?.labels ?? {}));
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = daemonPodNode(p);
      if (n === undefined) continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodes = this.deps.nodes.store.list();
    const templateSpec = spec.template?.spec ?? { containers: [] };
    const now = this.now();
    const minReady = spec.minReadySeconds ?? 0;

    if (this.expectations.satisfied(createKey(key)) && this.expectations.satisfied(deleteKey(key))) {
      const create: string[] = [];
      const remove: Pod[] = [];
      for (const node of nodes) {
        const name = node.metadata?.name ?? '';
        const should = nodeShouldRunDaemonPod(node, templateSpec);
        const live = (byNode.get(name) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
        if (!should) {
          remove.push(...live);
          continue;
        }
        const failed = live.filter((p) => p.status?.phase === 'Failed');
        remove.push(...failed);
        const running = live.filter((p) => p.status?.phase !== 'Failed');
        const terminating = (byNode.get(name) ?? []).some((p) => p.metadata?.deletionTimestamp);
        if (running.length === 0 && !terminating && failed.length === 0) create.push(name);
        // More than one: keep the oldest.
        if (running.length > 1) {
          const sorted = [...running].sort((a, b) => Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? ''));
          remove.push(...sorted.slice(1));
        }
      }
      // Pods for nodes that no longer exist.
      const known = new Set(nodes.map((n) => n.metadata?.name ?? ''));
      for (const [n, ps] of byNode) if (!known.has(n)) remove.push(...ps.filter((p) => !p.metadata?.deletionTimestamp));

      // RollingUpdate: delete old pods while fewer than maxUnavailable are unavailable.
      if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && create.length === 0 && remove.length === 0) {
        remove.push(...this.rollingUpdateVictims(ds, nodes, byNode, hash, templateSpec, minReady, now));
      }
      await this.manage(ds, key, create, remove, hash);
    }
    await this.writeStatus(ds, nodes, byNode, hash, templateSpec, minReady, now);
    const live = new Set([rev.metadata?.name ?? '', ...revisions.filter((r) => pods.some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === revisionHash(r))).map((r) => r.metadata?.name ?? '')]);
    await truncateHistory(this.deps.client, revisions, live, spec.revisionHistoryLimit ?? 10);
  }

  private rollingUpdateVictims(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string, templateSpec: coreV1.PodSpecJson, minReady: number, now: Date): Pod[] {
    const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, templateSpec));
    // Percentages of the desired pods round up, as upstream's unavailableCount.
    const maxUnavailable = Math.max(0, intOrStringValue((ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1) as number | string, desired.length, true) || 0);
    let unavailable = 0;
    const oldAvailable: Pod[] = [];
    const oldUnavailable: Pod[] = [];
    for (const n of desired) {
      const ps = (byNode.get(n.metadata?.name ?? '') ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      const pod = ps[0];
      const available = pod !== undefined && isPodAvailable(pod, minReady, now);
      if (!available) unavailable++;
      if (pod && pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hash) (available ? oldAvailable : oldUnavailable).push(pod);
    }
    // Old pods that are unavailable anyway go first: replacing them costs nothing.
    const victims = [...oldUnavailable];
    let budget = maxUnavailable - unavailable;
    for (const p of oldAvailable) {
      if (budget <= 0) break;
      victims.push(p);
      budget--;
    }
    return victims;
  }

  private async manage(ds: DaemonSet, key: string, create: string[], remove: Pod[], hash: string): Promise<void> {
    const ns = ds.metadata?.namespace ?? '';
    if (create.length === 0 && remove.length === 0) return;
    // Creations and deletions are tracked under two keys: one record holds only one kind.
    this.expectations.expectCreations(createKey(key), create.length);
    this.expectations.expectDeletions(deleteKey(key), remove.map((p) => objectKey(p)));
    const errors: unknown[] = [];
    await Promise.all([
      ...create.map(async (nodeName) => {
        try {
          const pod = await this.deps.client.create<Pod>(PODS, ns, newDaemonPod(ds, nodeName, hash));
          this.deps.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
        } catch (err) {
          this.expectations.creationObserved(createKey(key));
          this.deps.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
          errors.push(err);
        }
      }),
      ...remove.map(async (p) => {
        try {
          await this.deps.client.delete(PODS, ns, p.metadata?.name ?? '');
          this.deps.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
        } catch (err) {
          this.expectations.deletionObserved(deleteKey(key), objectKey(p));
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    ]);
    if (errors.length > 0) throw errors[0];
  }

  private async writeStatus(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string, templateSpec: coreV1.PodSpecJson, minReady: number, now: Date): Promise<void> {
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const ps = (byNode.get(node.metadata?.name ?? '') ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      const should = nodeShouldRunDaemonPod(node, templateSpec);
      if (should) desired++;
      if (ps.length === 0) continue;
      if (!should) {
        misscheduled++;
        continue;
      }
      current++;
      const pod = ps[0] as Pod;
      if (isPodReady(pod)) ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
      if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) updated++;
    }
    const status: appsV1.DaemonSetStatusJson = {
      ...deepCopy(ds.status ?? {}),
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata?.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
    };
    if (JSON.stringify(status) === JSON.stringify(ds.status ?? {})) return;
    try {
      await this.deps.client.update(DAEMONSETS, ds.metadata?.namespace ?? '', { ...ds, status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The daemon pod for one node: the template, pinned to the node by affinity, with daemon tolerations. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = deepCopy(ds.spec?.template ?? {});
  const spec: coreV1.PodSpecJson = template.spec ?? { containers: [] };
  spec.affinity = pinToNode(spec, nodeName);
  spec.tolerations = daemonPodTolerations(spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata?.name ?? ''}-`,
      namespace: ds.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata?.generation ?? 1) },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [newControllerRef(ds as KubeObject, 'apps/v1', 'DaemonSet')],
    },
    spec,
  };
}

const createKey = (key: string): string => `${key}#create`;
const deleteKey = (key: string): string => `${key}#delete`;

export { CONTROLLER_REVISIONS };
