// SPDX-License-Identifier: Apache-2.0
import { newPodInfo, NodeInfo, normalizeImageName, type PodInfo } from './node-info';
import { podKey, type Node, type Pod } from './types';

interface PodState {
  info: PodInfo;
  nodeName: string;
  /** Placed by the scheduler, not yet seen bound through the informer. */
  assumed: boolean;
}

/**
 * Cache is the scheduler's view of nodes and of the pods on them, like kube-scheduler's
 * internal cache. Bound pods come from the informer; a pod the scheduler has just placed
 * is *assumed* on its node before the binding is written, so the next decision counts its
 * requests (optimistic binding). The informer's update that shows the pod bound confirms
 * it; a failed binding forgets it.
 *
 * The scheduling cycle runs synchronously on the event loop, so it reads the cache
 * directly instead of a snapshot: nothing changes under it mid-cycle.
 */
export class Cache {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  /** Normalized image → number of nodes that have it (ImageLocality spread). */
  private readonly imageNodeCounts = new Map<string, number>();
  private list: NodeInfo[] | undefined;

  /** Nodes with a Node object, in a stable order (rebuilt when nodes come or go). */
  nodeInfoList(): NodeInfo[] {
    if (!this.list) {
      this.list = [...this.nodeInfos.values()].filter((n) => n.node !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
    }
    return this.list;
  }

  getNodeInfo(name: string): NodeInfo | undefined {
    const n = this.nodeInfos.get(name);
    return n?.node ? n : undefined;
  }

  nodeCount(): number {
    return this.nodeInfoList().length;
  }

  /** How many nodes have this image (normalized name). */
  imageNodeCount(image: string): number {
    return this.imageNodeCounts.get(normalizeImageName(image)) ?? 0;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.nodeInfos.get(name);
    if (info?.node) this.countImages(info, -1);
    if (!info) {
      info = new NodeInfo();
      this.nodeInfos.set(name, info);
    }
    if (!info.node) this.list = undefined;
    info.setNode(node);
    this.countImages(info, 1);
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(name: string): void {
    const info = this.nodeInfos.get(name);
    if (!info) return;
    if (info.node) this.countImages(info, -1);
    this.list = undefined;
    // Pods may still be listed on a deleted node until their deletion is seen; keep their accounting.
    if (info.pods.size === 0) this.nodeInfos.delete(name);
    else info.node = undefined;
  }

  private countImages(info: NodeInfo, d: 1 | -1): void {
    for (const img of info.images.keys()) {
      const n = (this.imageNodeCounts.get(img) ?? 0) + d;
      if (n <= 0) this.imageNodeCounts.delete(img);
      else this.imageNodeCounts.set(img, n);
    }
  }

  /** Places `pod` on `nodeName` before the binding is written. */
  assumePod(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${key} is already in the cache`);
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    this.place(key, bound, nodeName, true);
  }

  /** Undoes assumePod after a failed binding. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (st?.assumed) this.unplace(key, st);
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed ?? false;
  }

  /** True when the pod is assumed or bound in the cache. */
  hasPod(pod: Pod): boolean {
    return this.podStates.has(podKey(pod));
  }

  /** A bound pod seen by the informer (add or update); confirms an assumed one. */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (st) this.unplace(key, st);
    this.place(key, pod, nodeName, false);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** A pod deleted or no longer holding resources (finished). */
  removePod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (st) this.unplace(key, st);
  }

  private place(key: string, pod: Pod, nodeName: string, assumed: boolean): void {
    let info = this.nodeInfos.get(nodeName);
    if (!info) {
      info = new NodeInfo();
      this.nodeInfos.set(nodeName, info);
    }
    const podInfo = newPodInfo(pod);
    info.addPod(podInfo);
    this.podStates.set(key, { info: podInfo, nodeName, assumed });
  }

  private unplace(key: string, st: PodState): void {
    this.podStates.delete(key);
    const info = this.nodeInfos.get(st.nodeName);
    if (!info) return;
    info.removePod(key);
    if (!info.node && info.pods.size === 0) this.nodeInfos.delete(st.nodeName);
  }

  /** Counts for metrics and tests. */
  stats(): { nodes: number; pods: number; assumed: number } {
    let assumed = 0;
    for (const s of this.podStates.values()) if (s.assumed) assumed++;
    return { nodes: this.nodeCount(), pods: this.podStates.size, assumed };
  }
}
