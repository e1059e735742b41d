// SPDX-License-Identifier: Apache-2.0
import type { coordinationV1, coreV1 } from '@berth/api-types';
import { isConflict, isNotFound, objectKey, deepCopy } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { desiredTaints, evictionTime, formatTime, sameTaints } from './taints';

/** The controller's name (--controllers, logs, events' source). */
export const NODE_LIFECYCLE_CONTROLLER = 'node-lifecycle-controller';
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const LEASES: ResourceType = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };
/** Where kubelets keep their heartbeat Leases, one per node, named after the node. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const POD_NODE_INDEX = 'spec.nodeName';

type Node = coreV1.NodeJson;
type Pod = coreV1.PodJson;
type Lease = coordinationV1.LeaseJson;
type Condition = coreV1.NodeConditionJson;

export interface NodeLifecycleControllerDeps {
  client: ApiClient;
  nodes: SharedInformer<Node>;
  pods: SharedInformer<Pod>;
  /** Leases of the kube-node-lease namespace. */
  leases: SharedInformer<Lease>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  now?: () => Date;
  /** A node not heard from for this long is Unknown/unreachable. Default 40. */
  nodeMonitorGracePeriodSeconds?: number;
  /** How long pods tolerate not-ready/unreachable when they do not say. Default 300. */
  podEvictionTimeoutSeconds?: number;
  /** How often every node is checked anyway. Default 5000 ms. */
  nodeMonitorPeriodMs?: number;
}

/** What the controller last saw of a node's heartbeats, and when (its own clock). */
interface NodeHealth {
  probeTimestamp: number;
  renewTime?: string;
  heartbeat?: string;
  readyStatus?: string;
}

/**
 * Watches node heartbeats (the node's Lease in kube-node-lease, and its Ready condition)
 * like Kubernetes' node lifecycle controller: a node silent for longer than the grace period
 * gets every condition set to Unknown ("Kubelet stopped posting node status."); the
 * not-ready/unreachable NoExecute and NoSchedule taints follow the Ready condition and
 * unschedulable:NoSchedule follows spec.unschedulable (cordon). It also does the taint
 * eviction manager's work: pods on a node with a NoExecute taint are deleted once their
 * toleration of it runs out.
 *
 * Heartbeats are timed by when this controller saw them change, not by the timestamps in
 * them, so clock skew between nodes and the controller does not matter (as upstream).
 */
export class NodeLifecycleController {
  readonly queue = new WorkQueue<string>({ name: NODE_LIFECYCLE_CONTROLLER });
  private readonly logger: ClientLogger;
  private readonly now: () => Date;
  private readonly graceMs: number;
  private readonly defaultToleration: number;
  private readonly health = new Map<string, NodeHealth>();

  constructor(private readonly deps: NodeLifecycleControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    this.graceMs = (deps.nodeMonitorGracePeriodSeconds ?? 40) * 1000;
    this.defaultToleration = deps.podEvictionTimeoutSeconds ?? 300;
    try {
      deps.pods.addIndexers({ [POD_NODE_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) });
    } catch {
      // Another controller in the process already added the same index.
    }
    const enqueueName = (o: { metadata?: { name?: string } }): void => this.queue.add(o.metadata?.name ?? '');
    deps.nodes.addEventHandler({
      onAdd: enqueueName,
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && enqueueName(n),
      onDelete: enqueueName,
    });
    deps.leases.addEventHandler({
      onAdd: (l) => l.metadata?.namespace === NODE_LEASE_NAMESPACE && enqueueName(l),
      onUpdate: (o, n) => n.metadata?.namespace === NODE_LEASE_NAMESPACE && o.metadata?.resourceVersion !== n.metadata?.resourceVersion && enqueueName(n),
    });
    const enqueuePodNode = (p: Pod): void => {
      if (p.spec?.nodeName) this.queue.add(p.spec.nodeName);
    };
    deps.pods.addEventHandler({
      onAdd: enqueuePodNode,
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && enqueuePodNode(n),
    });
  }

  /** Waits for the caches, then checks nodes until the signal aborts (and every monitor period anyway). */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([this.deps.nodes.waitForSync(signal), this.deps.pods.waitForSync(signal), this.deps.leases.waitForSync(signal)]);
    const tick = setInterval(() => {
      for (const key of this.deps.nodes.store.listKeys()) this.queue.add(key);
    }, this.deps.nodeMonitorPeriodMs ?? 5000);
    try {
      await runWorkers({ name: NODE_LIFECYCLE_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
    } finally {
      clearInterval(tick);
    }
  }

  /** Checks one node's health, fixes its conditions and taints, and evicts its pods that no longer tolerate it. */
  async sync(name: string): Promise<void> {
    const cached = this.deps.nodes.store.get(name);
    if (!cached) {
      this.health.delete(name);
      return;
    }
    const now = this.now();
    let node = cached;
    const lease = this.deps.leases.store.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const ready = readyCondition(node);
    const h = this.observe(name, lease, ready, now);
    const silentFor = now.getTime() - h.probeTimestamp;
    if (silentFor > this.graceMs && ready?.status !== 'Unknown') {
      node = await this.markUnknown(node, now);
    } else if (silentFor <= this.graceMs) {
      // Look again when the grace period would run out.
      this.queue.addAfter(name, this.graceMs - silentFor + 100);
    }
    this.recordReadyTransition(node, h);
    node = await this.syncTaints(node, now);
    await this.evictPods(node, now);
  }

  /** Updates what we know of the node's heartbeats; the probe time moves when a heartbeat changed. */
  private observe(name: string, lease: Lease | undefined, ready: Condition | undefined, now: Date): NodeHealth {
    const renewTime = lease?.spec?.renewTime ?? undefined;
    const heartbeat = ready?.lastHeartbeatTime ?? undefined;
    let h = this.health.get(name);
    if (!h) {
      // First sight (or a controller restart): the node gets a full grace period.
      h = { probeTimestamp: now.getTime(), renewTime, heartbeat, readyStatus: ready?.status };
      this.health.set(name, h);
      return h;
    }
    if (renewTime !== h.renewTime || heartbeat !== h.heartbeat) {
      h.probeTimestamp = now.getTime();
      h.renewTime = renewTime;
      h.heartbeat = heartbeat;
    }
    return h;
  }

  /** NodeReady / NodeNotReady events when the Ready condition changes from what we saw last. */
  private recordReadyTransition(node: Node, h: NodeHealth): void {
    const status = readyCondition(node)?.status;
    if (status === h.readyStatus) return;
    const was = h.readyStatus;
    h.readyStatus = status;
    const name = node.metadata?.name ?? '';
    if (status === 'True' && was !== undefined) {
      this.deps.recorder.event(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
    } else if (status !== 'True' && was === 'True') {
      this.deps.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
  }

  /** Sets every condition of a silent node to Unknown (tryUpdateNodeHealth). */
  private async markUnknown(node: Node, now: Date): Promise<Node> {
    const ts = formatTime(now);
    const conditions: Condition[] = deepCopy(node.status?.conditions ?? []);
    if (!conditions.some((c) => c.type === 'Ready')) {
      conditions.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: ts, lastTransitionTime: ts });
    } else {
      for (const c of conditions) {
        if (c.status === 'Unknown') continue;
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = ts;
      }
    }
    const updated: Node = { ...deepCopy(node), status: { ...deepCopy(node.status ?? {}), conditions } };
    this.logger.info({ node: node.metadata?.name }, 'node stopped posting status; marking it Unknown');
    try {
      return await this.deps.client.update<Node>(NODES, '', updated, { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return node;
      throw err;
    }
  }

  private async syncTaints(node: Node, now: Date): Promise<Node> {
    const current = node.spec?.taints ?? [];
    const want = desiredTaints(current, readyCondition(node)?.status, node.spec?.unschedulable === true, now);
    if (sameTaints(current, want)) return node;
    const updated: Node = { ...deepCopy(node), spec: { ...deepCopy(node.spec ?? {}), taints: want } };
    try {
      return await this.deps.client.update<Node>(NODES, '', updated);
    } catch (err) {
      if (isNotFound(err)) return node;
      // A conflict means the kubelet or a user wrote meanwhile: retry on the fresh object.
      if (isConflict(err)) this.logger.debug({ node: node.metadata?.name }, 'conflict updating taints; retrying');
      throw err;
    }
  }

  /** The taint eviction manager for one node: deletes pods whose tolerations have run out. */
  private async evictPods(node: Node, now: Date): Promise<void> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const name = node.metadata?.name ?? '';
    let nextCheck: number | undefined;
    for (const pod of this.deps.pods.store.byIndex(POD_NODE_INDEX, name)) {
      if (pod.metadata?.deletionTimestamp) continue;
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const at = evictionTime(taints, pod.spec?.tolerations ?? [], this.defaultToleration, now);
      if (at === undefined) continue;
      if (at > now.getTime()) {
        nextCheck = Math.min(nextCheck ?? Infinity, at);
        continue;
      }
      const key = objectKey(pod);
      this.deps.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      this.logger.info({ pod: key, node: name }, 'evicting pod from a tainted node');
      try {
        await this.deps.client.delete(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (nextCheck !== undefined) this.queue.addAfter(name, nextCheck - now.getTime() + 10);
  }
}

/** The node's Ready condition, if it has one. */
export function readyCondition(node: Node): Condition | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
}
