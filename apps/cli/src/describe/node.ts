// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { Quantity } from '@berth/api';
import { arr, bool, get, has, obj, str, strArr } from './json';
import { tryList, type DescribeContext } from './context';
import { describeEvents } from './events';
import {
  annotationsOf,
  byteOrder,
  labelsOf,
  printAnnotationsMultiline,
  printLabelsMultiline,
  printTaintsMultiline,
  quantity,
  rfc1123z,
  since,
} from './format';
import { podRequestsAndLimits, type ResourceList } from './pod-resources';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './prefix-writer';

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_LABEL_ROLE = 'kubernetes.io/role';
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** findNodeRoles: from node-role.kubernetes.io/<role> and kubernetes.io/role labels, sorted. */
function nodeRoles(labels: Record<string, string>): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_LABEL_ROLE && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort(byteOrder);
}

function zero(): Quantity {
  return Quantity.fromValue(0);
}

/** Go's int64(float64 percentage): truncation toward zero; NaN/Inf (0 allocatable) as Go converts them on amd64. */
function percent(part: number, whole: number): number {
  const f = (part / whole) * 100;
  if (!Number.isFinite(f)) return -9223372036854775808;
  return Math.trunc(f);
}

function describeNodeResource(pods: KubeObject[], node: KubeObject, w: PrefixWriter, now: Date): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(LEVEL_1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(LEVEL_1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const allocatable = Object.keys(obj(node, 'status.allocatable')).length > 0 ? obj(node, 'status.allocatable') : obj(node, 'status.capacity');
  const alloc = (name: string): Quantity => quantity(allocatable[name]);
  const at = (list: ResourceList, name: string): Quantity => list.get(name) ?? zero();
  for (const pod of pods) {
    const { requests, limits } = podRequestsAndLimits(pod);
    const cpuReq = at(requests, 'cpu');
    const cpuLim = at(limits, 'cpu');
    const memReq = at(requests, 'memory');
    const memLim = at(limits, 'memory');
    const cpu = alloc('cpu').milliValue();
    const mem = alloc('memory').value();
    w.write(
      LEVEL_1,
      `${str(pod, 'metadata.namespace')}\t${str(pod, 'metadata.name')}\t\t` +
        `${cpuReq.toString()} (${percent(cpuReq.milliValue(), cpu)}%)\t${cpuLim.toString()} (${percent(cpuLim.milliValue(), cpu)}%)\t` +
        `${memReq.toString()} (${percent(memReq.value(), mem)}%)\t${memLim.toString()} (${percent(memLim.value(), mem)}%)\t` +
        `${since(str(pod, 'metadata.creationTimestamp'), now)}\n`,
    );
  }
  w.write(LEVEL_0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
  w.write(LEVEL_1, '--------\t--------\t------\n');
  const reqs: ResourceList = new Map();
  const lims: ResourceList = new Map();
  for (const pod of pods) {
    const { requests, limits } = podRequestsAndLimits(pod);
    for (const [k, q] of requests) reqs.set(k, (reqs.get(k) ?? zero()).add(q));
    for (const [k, q] of limits) lims.set(k, (lims.get(k) ?? zero()).add(q));
  }
  const row = (name: string, milli: boolean): void => {
    const r = at(reqs, name);
    const l = at(lims, name);
    const a = milli ? alloc(name).milliValue() : alloc(name).value();
    const v = (q: Quantity): number => (milli ? q.milliValue() : q.value());
    const fr = a !== 0 ? Math.trunc((v(r) / a) * 100) : 0;
    const fl = a !== 0 ? Math.trunc((v(l) / a) * 100) : 0;
    w.write(LEVEL_1, `${name}\t${r.toString()} (${fr}%)\t${l.toString()} (${fl}%)\n`);
  };
  row('cpu', true);
  row('memory', false);
  row('ephemeral-storage', false);
  const names = Object.keys(allocatable).sort(byteOrder);
  for (const name of names.filter((n) => n.startsWith('hugepages-'))) row(name, false);
  for (const name of names.filter((n) => !n.startsWith('hugepages-') && !STANDARD_CONTAINER_RESOURCES.has(n) && n !== 'pods')) {
    w.write(LEVEL_1, `${name}\t${at(reqs, name).toString()}\t${at(lims, name).toString()}\n`);
  }
}

function describeLease(lease: KubeObject, w: PrefixWriter): void {
  w.write(LEVEL_0, 'Lease:\n');
  w.write(LEVEL_1, `HolderIdentity:\t${has(lease, 'spec.holderIdentity') ? str(lease, 'spec.holderIdentity') : '<unset>'}\n`);
  w.write(LEVEL_1, `AcquireTime:\t${has(lease, 'spec.acquireTime') ? rfc1123z(get(lease, 'spec.acquireTime')) : '<unset>'}\n`);
  w.write(LEVEL_1, `RenewTime:\t${has(lease, 'spec.renewTime') ? rfc1123z(get(lease, 'spec.renewTime')) : '<unset>'}\n`);
}

/** kubectl describe node: conditions, capacity, system info, the pods on it and their resource totals. */
export async function describeNode(node: KubeObject, ctx: DescribeContext): Promise<string> {
  const name = str(node, 'metadata.name');
  const pods = await tryList(ctx, 'pods', '', '', {
    fieldSelector: `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed`,
  });
  if (pods.error && !/forbidden/i.test(pods.error.message)) throw pods.error;
  // The server applies the field selector; filtering again keeps a lenient server honest.
  const podsOnNode = pods.items.filter(
    (p) => str(p, 'spec.nodeName') === name && str(p, 'status.phase') !== 'Succeeded' && str(p, 'status.phase') !== 'Failed',
  );
  const leases = await tryList(ctx, 'leases', 'coordination.k8s.io', 'kube-node-lease');
  const lease = leases.items.find((l) => str(l, 'metadata.name') === name);
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${name}\n`);
    const roles = nodeRoles(labelsOf(node));
    w.write(LEVEL_0, `Roles:\t${roles.length > 0 ? roles.join(',') : '<none>'}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(node));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(node));
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(get(node, 'metadata.creationTimestamp'))}\n`);
    printTaintsMultiline(w, 'Taints', arr(node, 'spec.taints'));
    w.write(LEVEL_0, `Unschedulable:\t${bool(node, 'spec.unschedulable')}\n`);
    if (lease) describeLease(lease, w);
    else if (leases.error) w.write(LEVEL_0, `Lease:\tFailed to get lease: ${leases.error.message}\n`);
    else w.write(LEVEL_0, `Lease:\tFailed to get lease: leases.coordination.k8s.io "${name}" not found\n`);
    const conditions = arr(node, 'status.conditions');
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(
          LEVEL_1,
          `${str(c, 'type')} \t${str(c, 'status')} \t${rfc1123z(get(c, 'lastHeartbeatTime'))} \t${rfc1123z(get(c, 'lastTransitionTime'))} \t` +
            `${str(c, 'reason')} \t${str(c, 'message')}\n`,
        );
      }
    }
    w.write(LEVEL_0, 'Addresses:\n');
    for (const a of arr(node, 'status.addresses')) w.write(LEVEL_1, `${str(a, 'type')}:\t${str(a, 'address')}\n`);
    const resourceList = (list: Record<string, unknown>): void => {
      for (const r of Object.keys(list).sort(byteOrder)) w.write(LEVEL_0, `  ${r}:\t${quantity(list[r]).toString()}\n`);
    };
    if (Object.keys(obj(node, 'status.capacity')).length > 0) {
      w.write(LEVEL_0, 'Capacity:\n');
      resourceList(obj(node, 'status.capacity'));
    }
    if (Object.keys(obj(node, 'status.allocatable')).length > 0) {
      w.write(LEVEL_0, 'Allocatable:\n');
      resourceList(obj(node, 'status.allocatable'));
    }
    const info = obj(node, 'status.nodeInfo');
    w.write(LEVEL_0, 'System Info:\n');
    w.write(LEVEL_0, `  Machine ID:\t${str(info, 'machineID')}\n`);
    w.write(LEVEL_0, `  System UUID:\t${str(info, 'systemUUID')}\n`);
    w.write(LEVEL_0, `  Boot ID:\t${str(info, 'bootID')}\n`);
    w.write(LEVEL_0, `  Kernel Version:\t${str(info, 'kernelVersion')}\n`);
    w.write(LEVEL_0, `  OS Image:\t${str(info, 'osImage')}\n`);
    w.write(LEVEL_0, `  Operating System:\t${str(info, 'operatingSystem')}\n`);
    w.write(LEVEL_0, `  Architecture:\t${str(info, 'architecture')}\n`);
    w.write(LEVEL_0, `  Container Runtime Version:\t${str(info, 'containerRuntimeVersion')}\n`);
    w.write(LEVEL_0, `  Kubelet Version:\t${str(info, 'kubeletVersion')}\n`);
    w.write(LEVEL_0, `  Kube-Proxy Version:\t${str(info, 'kubeProxyVersion')}\n`);
    if (str(node, 'spec.podCIDR')) w.write(LEVEL_0, `PodCIDR:\t${str(node, 'spec.podCIDR')}\n`);
    if (strArr(node, 'spec.podCIDRs').length > 0) w.write(LEVEL_0, `PodCIDRs:\t${strArr(node, 'spec.podCIDRs').join(',')}\n`);
    if (str(node, 'spec.providerID')) w.write(LEVEL_0, `ProviderID:\t${str(node, 'spec.providerID')}\n`);
    if (pods.error && /forbidden/i.test(pods.error.message)) w.write(LEVEL_0, 'Pods:\tnot authorized\n');
    else describeNodeResource(podsOnNode, node, w, ctx.now);
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}
