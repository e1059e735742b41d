// SPDX-License-Identifier: Apache-2.0
import { isAlreadyExists, isNotFound } from '@berth/api';
import type { ApiClient } from '@berth/client';
import type { coreV1 } from '@berth/api-types';
import { LEASES, NODES, silentKubeletLogger, type KubeletLogger, type Node } from './types';

/** What the node reports about itself. */
export interface NodeInfoOptions {
  nodeName: string;
  hostIP: string;
  hostname: string;
  /** capacity: cpu, memory, pods (Kubernetes quantities), plus anything else. */
  capacity: Record<string, string>;
  /** allocatable (defaults to capacity). */
  allocatable?: Record<string, string>;
  labels: Record<string, string>;
  /** Taints to register with (e.g. node-role.kubernetes.io/control-plane:NoSchedule). */
  taints?: coreV1.TaintJson[];
  nodeInfo: coreV1.NodeSystemInfoJson;
  /** The kubelet's health/port (daemonEndpoints.kubeletEndpoint.Port). */
  kubeletPort?: number;
  /** --pod-cidr: written to spec.podCIDR when the node is created. */
  podCIDR?: string;
}

/** Pressure signals (true = under pressure); read on every status update. */
export interface NodePressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
  /** Why the node is not ready (e.g. the runtime is down); undefined = ready. */
  notReady?: string;
}

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * NodeAgent keeps the Node object of this kubelet: registers it (creating or updating the
 * labels), reports status (capacity, allocatable, addresses, nodeInfo and the conditions
 * Ready, MemoryPressure, DiskPressure, PIDPressure), and renews the node's Lease in
 * kube-node-lease, which the node lifecycle controller watches as the heartbeat.
 */
export class NodeAgent {
  private readonly log: KubeletLogger;
  private lastConditions: coreV1.NodeConditionJson[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly info: NodeInfoOptions,
    private readonly pressure: () => Promise<NodePressure> | NodePressure,
    opts: { logger?: KubeletLogger; leaseDurationSeconds?: number } = {},
  ) {
    this.log = opts.logger ?? silentKubeletLogger;
    this.leaseDurationSeconds = opts.leaseDurationSeconds ?? 40;
  }

  private readonly leaseDurationSeconds: number;

  /** Creates the Node (or merges our labels into an existing one) and writes its status. */
  async register(): Promise<Node> {
    const name = this.info.nodeName;
    let node: Node;
    try {
      node = await this.client.get<Node>(NODES, '', name);
      const missing = Object.entries(this.info.labels).filter(([k, v]) => node.metadata?.labels?.[k] !== v);
      if (missing.length > 0) {
        node = await this.client.patch<Node>(NODES, '', name, 'application/merge-patch+json', { metadata: { labels: Object.fromEntries(missing) } });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        node = await this.client.create<Node>(NODES, '', {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels: this.info.labels },
          spec: { ...(this.info.podCIDR ? { podCIDR: this.info.podCIDR, podCIDRs: [this.info.podCIDR] } : {}), ...(this.info.taints?.length ? { taints: this.info.taints } : {}) },
        });
        this.log.info({ node: name }, 'registered node');
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        node = await this.client.get<Node>(NODES, '', name);
      }
    }
    await this.updateStatus();
    return node;
  }

  /** Writes the node status (always: the Ready heartbeat time moves). */
  async updateStatus(): Promise<void> {
    const p = await this.pressure();
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string, status: boolean, reason: string, message: string): coreV1.NodeConditionJson => {
      const s = status ? 'True' : 'False';
      const old = this.lastConditions.find((c) => c.type === type);
      return { type, status: s, lastHeartbeatTime: now, lastTransitionTime: old?.status === s ? old.lastTransitionTime : now, reason, message };
    };
    const conditions = [
      p.memory ? cond('MemoryPressure', true, 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available') : cond('MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      p.disk ? cond('DiskPressure', true, 'KubeletHasDiskPressure', 'kubelet has disk pressure') : cond('DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      p.pid ? cond('PIDPressure', true, 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available') : cond('PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      p.notReady ? cond('Ready', false, 'KubeletNotReady', p.notReady) : cond('Ready', true, 'KubeletReady', 'kubelet is posting ready status'),
    ];
    this.lastConditions = conditions;
    const status: coreV1.NodeStatusJson = {
      capacity: this.info.capacity,
      allocatable: this.info.allocatable ?? this.info.capacity,
      conditions,
      addresses: [
        { type: 'InternalIP', address: this.info.hostIP },
        { type: 'Hostname', address: this.info.hostname },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.info.kubeletPort ?? 10250 } },
      nodeInfo: this.info.nodeInfo,
    };
    await this.client.patch(NODES, '', this.info.nodeName, 'application/merge-patch+json', { status }, { subresource: 'status' });
  }

  /** Creates or renews the node's Lease (renewTime = now). */
  async renewLease(): Promise<void> {
    const name = this.info.nodeName;
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    try {
      await this.client.patch(LEASES, NODE_LEASE_NAMESPACE, name, 'application/merge-patch+json', { spec: { holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const node = await this.client.get<Node>(NODES, '', name).catch(() => undefined);
      await this.client
        .create(LEASES, NODE_LEASE_NAMESPACE, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name,
            namespace: NODE_LEASE_NAMESPACE,
            ...(node?.metadata?.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }] } : {}),
          },
          spec: { holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime },
        })
        .catch((e: unknown) => {
          if (!isAlreadyExists(e)) throw e;
        });
    }
  }

  /** Renews the lease every `leaseMs` and the status every `statusMs` until `signal` aborts. */
  async run(signal: AbortSignal, leaseMs = 10_000, statusMs = 10_000): Promise<void> {
    let nextStatus = Date.now() + statusMs;
    while (!signal.aborted) {
      try {
        await this.renewLease();
        if (Date.now() >= nextStatus) {
          await this.updateStatus();
          nextStatus = Date.now() + statusMs;
        }
      } catch (err) {
        this.log.warn({ err: String(err) }, 'node heartbeat failed');
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, leaseMs);
        signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
    }
  }
}

/** The node's pod CIDR from its spec (podCIDRs[0] or podCIDR). */
export function nodePodCIDR(node: Node): string | undefined {
  return node.spec?.podCIDRs?.[0] || node.spec?.podCIDR || undefined;
}
