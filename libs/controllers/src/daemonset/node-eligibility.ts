// SPDX-License-Identifier: Apache-2.0
/**
 * Whether a DaemonSet's pod belongs on a node (daemon_controller.go's
 * NodeShouldRunDaemonPod): the node matches the template's nodeSelector and required node
 * affinity, and the pod (with the tolerations every daemon pod gets) tolerates the node's
 * NoSchedule and NoExecute taints.
 */
import type { coreV1 } from '@berth/api-types';
import { toleratesTaint } from '../node-lifecycle/taints';
import { deepCopy } from '@berth/api';

type Node = coreV1.NodeJson;
type PodSpec = coreV1.PodSpecJson;
type Toleration = coreV1.TolerationJson;
type Requirement = coreV1.NodeSelectorRequirementJson;

/** The tolerations Kubernetes adds to every daemon pod (util.AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of add) {
    if (!out.some((o) => o.key === t.key && o.effect === t.effect && (o.operator ?? 'Equal') === 'Exists')) out.push(t);
  }
  return out;
}

/** Whether the daemon pod spec should run on the node. */
export function nodeShouldRunDaemonPod(node: Node, spec: PodSpec): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0 && !terms.some((t) => termMatches(node, t))) return false;
  const tolerations = daemonPodTolerations(spec);
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerations.some((t) => toleratesTaint(t, taint))) return false;
  }
  return true;
}

function termMatches(node: Node, term: coreV1.NodeSelectorTermJson): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return exprs.every((r) => requirementMatches(r, labels[r.key ?? ''])) && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, node.metadata?.name));
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const n = Number(value);
      const w = Number(values[0]);
      if (value === undefined || Number.isNaN(n) || Number.isNaN(w)) return false;
      return r.operator === 'Gt' ? n > w : n < w;
    }
    default:
      return false;
  }
}

/**
 * The node a daemon pod is for: spec.nodeName once bound, else the
 * `metadata.name In [node]` matchFields term the controller put in its affinity.
 */
export function daemonPodNode(pod: coreV1.PodJson): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/**
 * The pod's affinity with its node pinned (util.ReplaceDaemonSetPodNodeNameNodeAffinity):
 * every required term is replaced by one `metadata.name In [node]` field term, so the
 * scheduler binds the pod to exactly that node while still checking its resources.
 */
export function pinToNode(spec: PodSpec, nodeName: string): coreV1.AffinityJson {
  const affinity = deepCopy(spec.affinity ?? {});
  affinity.nodeAffinity = {
    ...(affinity.nodeAffinity ?? {}),
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
    },
  };
  return affinity;
}
