// SPDX-License-Identifier: Apache-2.0
import { Quantity } from '@berth/api';
import type { Node, Pod } from './types';

/**
 * An amount of each schedulable resource: cpu in millicores, the others in bytes or units.
 * Extended resources (e.g. nvidia.com/gpu) live in `scalar`.
 */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Pods, in allocatable only. */
  allowedPodNumber: number;
  scalar: Record<string, number>;
}

/** An empty Resource. */
export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} };
}

// Quantity parsing is exact (bigint) and slow; a cluster uses few distinct strings.
const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

/** cpu quantity → millicores ("500m" → 500, "2" → 2000); invalid → 0. */
export function milliValue(q: string | undefined): number {
  if (q === undefined) return 0;
  let v = milliCache.get(q);
  if (v === undefined) {
    try {
      v = Quantity.parse(q).milliValue();
    } catch {
      v = 0;
    }
    if (milliCache.size < 10_000) milliCache.set(q, v);
  }
  return v;
}

/** Quantity → integer value rounded up ("128Mi" → 134217728); invalid → 0. */
export function quantityValue(q: string | undefined): number {
  if (q === undefined) return 0;
  let v = valueCache.get(q);
  if (v === undefined) {
    try {
      v = Quantity.parse(q).value();
    } catch {
      v = 0;
    }
    if (valueCache.size < 10_000) valueCache.set(q, v);
  }
  return v;
}

/** Adds a resource list ({cpu: "1", memory: "1Gi", ...}) into `r`. */
export function addResourceList(r: Resource, list: Record<string, string> | undefined): void {
  if (!list) return;
  for (const [name, q] of Object.entries(list)) {
    switch (name) {
      case 'cpu':
        r.milliCPU += milliValue(q);
        break;
      case 'memory':
        r.memory += quantityValue(q);
        break;
      case 'ephemeral-storage':
        r.ephemeralStorage += quantityValue(q);
        break;
      case 'pods':
        r.allowedPodNumber += quantityValue(q);
        break;
      default:
        if (isScalarResourceName(name)) r.scalar[name] = (r.scalar[name] ?? 0) + quantityValue(q);
    }
  }
}

/** Extended resources: names with a domain ("example.com/foo") or hugepages-*. */
export function isScalarResourceName(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-');
}

function maxInto(r: Resource, other: Resource): void {
  r.milliCPU = Math.max(r.milliCPU, other.milliCPU);
  r.memory = Math.max(r.memory, other.memory);
  r.ephemeralStorage = Math.max(r.ephemeralStorage, other.ephemeralStorage);
  for (const [k, v] of Object.entries(other.scalar)) r.scalar[k] = Math.max(r.scalar[k] ?? 0, v);
}

function addInto(r: Resource, other: Resource): void {
  r.milliCPU += other.milliCPU;
  r.memory += other.memory;
  r.ephemeralStorage += other.ephemeralStorage;
  for (const [k, v] of Object.entries(other.scalar)) r.scalar[k] = (r.scalar[k] ?? 0) + v;
}

/**
 * What a pod requests, as kube-scheduler computes it: the sum over its containers, or the
 * largest init container if that is more (init containers run one at a time, before the
 * others; sidecars, i.e. init containers with restartPolicy Always, keep running and add
 * to everything after them), plus the pod overhead.
 */
export function podRequests(pod: Pod): Resource {
  const total = emptyResource();
  for (const c of pod.spec?.containers ?? []) addResourceList(total, c.resources?.requests);
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of pod.spec?.initContainers ?? []) {
    const r = emptyResource();
    addResourceList(r, c.resources?.requests);
    if (c.restartPolicy === 'Always') {
      addInto(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      addInto(r, sidecars);
      maxInto(initMax, r);
    }
  }
  addInto(total, sidecars);
  maxInto(total, initMax);
  addResourceList(total, pod.spec?.overhead);
  return total;
}

/** Requests used for scoring only: containers asking nothing count as 100m cpu and 200Mi (kube-scheduler's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** The cpu/memory a pod is counted for when scoring (non-zero defaults per container). */
export function podNonZeroRequests(pod: Pod): { milliCPU: number; memory: number } {
  let milliCPU = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    const req = c.resources?.requests;
    milliCPU += req?.['cpu'] !== undefined ? milliValue(req['cpu']) : DEFAULT_MILLI_CPU_REQUEST;
    memory += req?.['memory'] !== undefined ? quantityValue(req['memory']) : DEFAULT_MEMORY_REQUEST;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const req = c.resources?.requests;
    milliCPU = Math.max(milliCPU, req?.['cpu'] !== undefined ? milliValue(req['cpu']) : DEFAULT_MILLI_CPU_REQUEST);
    memory = Math.max(memory, req?.['memory'] !== undefined ? quantityValue(req['memory']) : DEFAULT_MEMORY_REQUEST);
  }
  const overhead = pod.spec?.overhead;
  if (overhead) {
    milliCPU += milliValue(overhead['cpu']);
    memory += quantityValue(overhead['memory']);
  }
  return { milliCPU, memory };
}

/** A node's allocatable resources (falling back to capacity when allocatable is unset). */
export function nodeAllocatable(node: Node): Resource {
  const r = emptyResource();
  addResourceList(r, node.status?.allocatable ?? node.status?.capacity);
  return r;
}
