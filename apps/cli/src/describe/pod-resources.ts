// SPDX-License-Identifier: Apache-2.0
/** A pod's effective requests and limits and its QoS class, as kubectl computes them. */
import type { Quantity } from '@berth/api';
import { arr, obj, str } from './json';
import { quantity } from './format';

export type ResourceList = Map<string, Quantity>;

function addInto(total: ResourceList, list: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(list)) {
    const q = quantity(v);
    const cur = total.get(name);
    total.set(name, cur === undefined ? q : cur.add(q));
  }
}

function maxInto(total: ResourceList, list: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(list)) {
    const q = quantity(v);
    const cur = total.get(name);
    if (cur === undefined || q.cmp(cur) > 0) total.set(name, q);
  }
}

/**
 * resourcehelper.PodRequestsAndLimits: the sum over app containers (plus restartable init
 * containers, which run alongside them), at least the largest init container, plus overhead.
 */
export function podRequestsAndLimits(pod: unknown): { requests: ResourceList; limits: ResourceList } {
  const requests: ResourceList = new Map();
  const limits: ResourceList = new Map();
  for (const c of arr(pod, 'spec.containers')) {
    addInto(requests, obj(c, 'resources.requests'));
    addInto(limits, obj(c, 'resources.limits'));
  }
  const sidecarReq: ResourceList = new Map();
  const sidecarLim: ResourceList = new Map();
  const initReq: ResourceList = new Map();
  const initLim: ResourceList = new Map();
  for (const c of arr(pod, 'spec.initContainers')) {
    if (str(c, 'restartPolicy') === 'Always') {
      addInto(requests, obj(c, 'resources.requests'));
      addInto(limits, obj(c, 'resources.limits'));
      addInto(sidecarReq, obj(c, 'resources.requests'));
      addInto(sidecarLim, obj(c, 'resources.limits'));
      continue;
    }
    // An init container runs with the sidecars started before it.
    const req = new Map(sidecarReq);
    addInto(req, obj(c, 'resources.requests'));
    const lim = new Map(sidecarLim);
    addInto(lim, obj(c, 'resources.limits'));
    maxInto(initReq, Object.fromEntries(req));
    maxInto(initLim, Object.fromEntries(lim));
  }
  maxInto(requests, Object.fromEntries(initReq));
  maxInto(limits, Object.fromEntries(initLim));
  addInto(requests, obj(pod, 'spec.overhead'));
  addInto(limits, obj(pod, 'spec.overhead'));
  return { requests, limits };
}

const QOS_RESOURCES = new Set(['cpu', 'memory']);

/** qos.GetPodQOS: the class the apiserver recorded, else computed from the containers. */
export function podQOS(pod: unknown): string {
  const recorded = str(pod, 'status.qosClass');
  if (recorded) return recorded;
  const requests: ResourceList = new Map();
  const limits: ResourceList = new Map();
  let guaranteed = true;
  const containers = [...arr(pod, 'spec.containers'), ...arr(pod, 'spec.initContainers')];
  for (const c of containers) {
    for (const [name, v] of Object.entries(obj(c, 'resources.requests'))) {
      if (!QOS_RESOURCES.has(name)) continue;
      const q = quantity(v);
      if (q.sign() > 0) requests.set(name, (requests.get(name) ?? quantity('0')).add(q));
    }
    const found = new Set<string>();
    for (const [name, v] of Object.entries(obj(c, 'resources.limits'))) {
      if (!QOS_RESOURCES.has(name)) continue;
      const q = quantity(v);
      if (q.sign() > 0) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? quantity('0')).add(q));
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

