// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import type { Node, Pod } from '../types';

/** A fluent Pod builder for tests (kube-scheduler's st.MakePod()). */
export class PodBuilder {
  readonly pod: Pod;
  constructor(name: string, namespace = 'default') {
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels: {} },
      spec: { containers: [] },
      status: { phase: 'Pending' },
    };
  }
  private get spec(): coreV1.PodSpecJson {
    return this.pod.spec!;
  }
  /** Adds a container requesting these resources ({cpu: '500m', memory: '1Gi'}). */
  req(requests: Record<string, string>, image = 'nginx'): this {
    this.spec.containers!.push({ name: `c${this.spec.containers!.length}`, image, resources: { requests } });
    return this;
  }
  container(c: coreV1.ContainerJson): this {
    this.spec.containers!.push(c);
    return this;
  }
  initReq(requests: Record<string, string>): this {
    (this.spec.initContainers ??= []).push({ name: `init${this.spec.initContainers?.length ?? 0}`, image: 'busybox', resources: { requests } });
    return this;
  }
  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    this.spec.containers!.push({ name: `p${port}`, image: 'nginx', ports: [{ containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) }] });
    return this;
  }
  node(name: string): this {
    this.spec.nodeName = name;
    return this;
  }
  nodeSelector(sel: Record<string, string>): this {
    this.spec.nodeSelector = sel;
    return this;
  }
  affinity(a: coreV1.NodeAffinityJson): this {
    this.spec.affinity = { nodeAffinity: a };
    return this;
  }
  toleration(t: coreV1.TolerationJson): this {
    (this.spec.tolerations ??= []).push(t);
    return this;
  }
  labels(l: Record<string, string>): this {
    this.pod.metadata!.labels = { ...this.pod.metadata!.labels, ...l };
    return this;
  }
  owner(kind: string, name: string, uid = `uid-${kind}-${name}`): this {
    this.pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind, name, uid, controller: true }];
    return this;
  }
  priority(p: number): this {
    this.spec.priority = p;
    return this;
  }
  pvc(claimName: string): this {
    (this.spec.volumes ??= []).push({ name: claimName, persistentVolumeClaim: { claimName } });
    return this;
  }
  schedulerName(n: string): this {
    this.spec.schedulerName = n;
    return this;
  }
  created(iso: string): this {
    this.pod.metadata!.creationTimestamp = iso;
    return this;
  }
  obj(): Pod {
    return structuredClone(this.pod);
  }
}

/** A fluent Node builder for tests (st.MakeNode()). */
export class NodeBuilder {
  readonly node: Node;
  constructor(name: string) {
    this.node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: `uid-node-${name}`, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
    };
  }
  capacity(c: Record<string, string>): this {
    this.node.status!.capacity = { ...c };
    this.node.status!.allocatable = { ...c };
    return this;
  }
  labels(l: Record<string, string>): this {
    this.node.metadata!.labels = { ...this.node.metadata!.labels, ...l };
    return this;
  }
  taint(key: string, value: string, effect: string): this {
    (this.node.spec!.taints ??= []).push({ key, value, effect });
    return this;
  }
  unschedulable(u = true): this {
    this.node.spec!.unschedulable = u;
    return this;
  }
  image(names: string[], sizeBytes: number): this {
    (this.node.status!.images ??= []).push({ names, sizeBytes });
    return this;
  }
  obj(): Node {
    return structuredClone(this.node);
  }
}

/** makePod('db') → a PodBuilder. */
export function makePod(name: string, namespace = 'default'): PodBuilder {
  return new PodBuilder(name, namespace);
}

/** makeNode('node-1') → a NodeBuilder (4 cpu, 8Gi, 110 pods). */
export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}
