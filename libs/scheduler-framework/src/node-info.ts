// SPDX-License-Identifier: Apache-2.0
import { addResourceList, emptyResource, podNonZeroRequests, podRequests, type Resource } from './resources';
import { podKey, type Node, type Pod } from './types';

/** A pod on a node with its requests computed once. */
export interface PodInfo {
  pod: Pod;
  key: string;
  requests: Resource;
  nonZero: { milliCPU: number; memory: number };
  /** UID of the controlling owner (ReplicaSet, StatefulSet...), '' when none. */
  controllerUID: string;
}

/** Builds a PodInfo. */
export function newPodInfo(pod: Pod): PodInfo {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  return { pod, key: podKey(pod), requests: podRequests(pod), nonZero: podNonZeroRequests(pod), controllerUID: owner?.uid ?? '' };
}

/** "protocol/port/hostIP" of each host port a pod uses. */
export function podHostPorts(pod: Pod): Array<{ protocol: string; port: number; hostIP: string }> {
  const out: Array<{ protocol: string; port: number; hostIP: string }> = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol || 'TCP', port: p.hostPort, hostIP: p.hostIP || '0.0.0.0' });
    }
  }
  return out;
}

/**
 * What the scheduler knows about one node: the Node object, the pods on it (bound or
 * assumed) and their summed requests, so filters are O(1) per node.
 */
export class NodeInfo {
  node: Node | undefined;
  readonly pods = new Map<string, PodInfo>();
  /** Sum of the pods' requests. */
  readonly requested: Resource = emptyResource();
  /** Sum of the pods' requests with kube-scheduler's non-zero defaults (for scoring). */
  readonly nonZeroRequested = { milliCPU: 0, memory: 0 };
  allocatable: Resource = emptyResource();
  /** "protocol/hostIP/port" → count. */
  readonly usedPorts = new Map<string, number>();
  /** Controller UID → number of its pods here (SelectorSpread). */
  readonly controllerCounts = new Map<string, number>();
  /** Normalized image name → size in bytes. */
  images = new Map<string, number>();

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  get name(): string {
    return this.node?.metadata?.name ?? '';
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = emptyResource();
    addResourceList(this.allocatable, node.status?.allocatable ?? node.status?.capacity);
    const images = new Map<string, number>();
    for (const img of node.status?.images ?? []) {
      const size = typeof img.sizeBytes === 'number' ? img.sizeBytes : 0;
      for (const n of img.names ?? []) images.set(normalizeImageName(n), size);
    }
    this.images = images;
  }

  addPod(info: PodInfo): void {
    if (this.pods.has(info.key)) this.removePod(info.key);
    this.pods.set(info.key, info);
    this.account(info, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.pods.get(key);
    if (!info) return undefined;
    this.pods.delete(key);
    this.account(info, -1);
    return info;
  }

  private account(info: PodInfo, sign: 1 | -1): void {
    const r = info.requests;
    this.requested.milliCPU += sign * r.milliCPU;
    this.requested.memory += sign * r.memory;
    this.requested.ephemeralStorage += sign * r.ephemeralStorage;
    for (const [k, v] of Object.entries(r.scalar)) this.requested.scalar[k] = (this.requested.scalar[k] ?? 0) + sign * v;
    this.nonZeroRequested.milliCPU += sign * info.nonZero.milliCPU;
    this.nonZeroRequested.memory += sign * info.nonZero.memory;
    for (const p of podHostPorts(info.pod)) bump(this.usedPorts, `${p.protocol}/${p.hostIP}/${p.port}`, sign);
    if (info.controllerUID) bump(this.controllerCounts, info.controllerUID, sign);
  }
}

function bump(m: Map<string, number>, k: string, d: number): void {
  const n = (m.get(k) ?? 0) + d;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
}

/** "nginx" → "docker.io/library/nginx:latest"-free form used for matching: adds ":latest" when no tag or digest. */
export function normalizeImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const tail = name.slice(lastSlash + 1);
  if (tail.includes(':') || name.includes('@')) return name;
  return `${name}:latest`;
}
