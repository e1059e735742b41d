// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { isNotFound } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { CidrSet } from './cidr-set';

/** The controller's name (--controllers, logs, events' source). */
export const NODE_IPAM_CONTROLLER = 'node-ipam-controller';
/** The cluster CIDR pod subnets come from unless options.clusterCidr says otherwise. */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

type Node = coreV1.NodeJson;

export interface NodeIpamControllerDeps {
  client: ApiClient;
  nodes: SharedInformer<Node>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  /** Default 10.244.0.0/16. */
  clusterCidr?: string;
  /** Size of each node's subnet; default 24. */
  nodeMaskSize?: number;
}

/**
 * Gives every node a pod subnet (spec.podCIDR and spec.podCIDRs), as Kubernetes' node IPAM
 * controller with the RangeAllocator: subnets come from one cluster CIDR, a node keeps the
 * subnet it has (also across controller restarts: the map is rebuilt from the nodes before
 * any allocation), and a deleted node's subnet becomes free again.
 */
export class NodeIpamController {
  readonly queue = new WorkQueue<string>({ name: NODE_IPAM_CONTROLLER });
  readonly cidrs: CidrSet;
  private readonly logger: ClientLogger;
  /** The subnet this controller knows each node by: what to release when the node goes. */
  private readonly assigned = new Map<string, string>();
  private rebuilt = false;

  constructor(private readonly deps: NodeIpamControllerDeps) {
    this.cidrs = new CidrSet(deps.clusterCidr ?? DEFAULT_CLUSTER_CIDR, deps.nodeMaskSize ?? 24);
    this.logger = deps.logger ?? silentLogger;
    deps.nodes.addEventHandler({
      onAdd: (n) => this.enqueue(n),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) this.enqueue(n);
      },
      onDelete: (n) => this.enqueue(n),
    });
  }

  /**
   * Marks every subnet the cached nodes already have as used. Must run once the node cache
   * has synced and before the first allocation, or a restart could hand out a taken subnet.
   */
  rebuildFromCache(): void {
    for (const node of this.deps.nodes.store.list()) this.occupyExisting(node);
    this.rebuilt = true;
  }

  /** Waits for the node cache, rebuilds the map, then processes the queue until the signal aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await this.deps.nodes.waitForSync(signal);
    this.rebuildFromCache();
    // One worker: allocations must be serialised on the CidrSet anyway.
    await runWorkers({ name: NODE_IPAM_CONTROLLER, queue: this.queue, workers: Math.min(workers, 1), sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** Reconciles one node (its key is its name). */
  async sync(name: string): Promise<void> {
    if (!this.rebuilt) this.rebuildFromCache();
    const node = this.deps.nodes.store.get(name);
    if (!node || node.metadata?.deletionTimestamp) {
      // Gone (or going): its subnet may go to the next node.
      const cidr = this.assigned.get(name);
      if (cidr && !node) {
        this.cidrs.release(cidr);
        this.assigned.delete(name);
        this.logger.info({ node: name, cidr }, 'released the pod CIDR of a deleted node');
      }
      return;
    }
    const existing = nodeCidr(node);
    if (existing) {
      this.occupyExisting(node);
      return;
    }
    // A subnet we already picked whose write the cache has not shown yet is reused, not re-picked.
    let cidr = this.assigned.get(name);
    if (!cidr) {
      cidr = this.cidrs.allocateNext();
      if (!cidr) {
        this.deps.recorder.event(node, 'Warning', 'CIDRAssignmentFailed', `Node ${name}: no remaining pod CIDRs in ${this.cidrs.clusterCidr}`);
        this.deps.recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw new Error(`no remaining pod CIDRs in ${this.cidrs.clusterCidr} for node ${name}`);
      }
      this.assigned.set(name, cidr);
    }
    try {
      await this.deps.client.patch(NODES, '', name, 'application/merge-patch+json', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.logger.info({ node: name, cidr }, 'assigned a pod CIDR');
    } catch (err) {
      if (isNotFound(err)) {
        this.cidrs.release(cidr);
        this.assigned.delete(name);
        return;
      }
      this.deps.recorder.event(node, 'Warning', 'CIDRAssignmentFailed', `Node ${name}: failed to set the pod CIDR ${cidr}: ${String(err)}`);
      throw err;
    }
  }

  private occupyExisting(node: Node): void {
    const name = node.metadata?.name ?? '';
    const cidr = nodeCidr(node);
    if (!cidr) return;
    const prev = this.assigned.get(name);
    if (prev && prev !== cidr) this.cidrs.release(prev);
    if (this.cidrs.occupy(cidr)) this.assigned.set(name, cidr);
    else this.logger.warn({ node: name, cidr, clusterCidr: this.cidrs.clusterCidr }, 'node has a pod CIDR outside the cluster CIDR');
  }

  private enqueue(node: Node): void {
    this.queue.add(node.metadata?.name ?? '');
  }
}

/** The node's IPv4 pod CIDR: spec.podCIDRs[0] or spec.podCIDR. */
export function nodeCidr(node: Node): string | undefined {
  return node.spec?.podCIDRs?.[0] || node.spec?.podCIDR || undefined;
}
