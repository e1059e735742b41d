// SPDX-License-Identifier: Apache-2.0
import { isAlreadyExists, isNotFound, type KubeObject } from '@berth/api';
import { LEASES, SharedInformer, silentLogger, type ApiClient, type ClientLogger, type ResourceType } from '@berth/client';

const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const LEASE_NAMESPACE = 'kube-node-lease';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

export interface HollowNodesOptions {
  client: ApiClient;
  count: number;
  /** Nodes are named `${namePrefix}${i}` (i from 0). Default "hollow-node-". */
  namePrefix?: string;
  /** Capacity (= allocatable) of each node. Default 4 cpu, 16Gi, 110 pods. */
  capacity?: { cpu?: string; memory?: string; pods?: string; 'ephemeral-storage'?: string };
  /** Lease renewal period of each node (kubelet: 10 s). Default 10 s. */
  heartbeatMs?: number;
  /** Extra labels on every node. */
  labels?: Record<string, string>;
  /** Report bound pods Running (default true); false leaves pods as the scheduler bound them. */
  reportPods?: boolean;
  /** Concurrent API calls for registration, heartbeats and pod status (default 32). */
  concurrency?: number;
  /**
   * A pod informer of all namespaces to share with the caller, who runs it (as a process's
   * components share one informer per resource): each watch of pods costs the apiserver a
   * send per pod event. Default: one of their own.
   */
  podInformer?: SharedInformer<KubeObject>;
  logger?: ClientLogger;
}

/** A running set of hollow nodes. */
export interface HollowNodes {
  readonly nodeNames: readonly string[];
  /** Pods this set has reported Running so far. */
  runningCount(): number;
  /** Stops heartbeats and the pod watch (the Node objects stay, as a stopped kubelet's do). */
  stop(): Promise<void>;
  /** Deletes the Node objects and their Leases. */
  deleteNodes(): Promise<void>;
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i]!);
    }),
  );
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function microTime(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

/** The fake pod CIDR of node i: 10.(128 + i/256).(i%256).0/24, so pod IPs never collide. */
export function hollowPodCidr(i: number): string {
  return `10.${128 + ((i >> 8) & 127)}.${i & 255}.0/24`;
}

/** The Node object a hollow node registers. */
export function hollowNode(name: string, i: number, capacity: Record<string, string>, labels: Record<string, string>): Obj {
  const now = nowRfc3339();
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'berth.dev/hollow': 'true', ...labels } },
    spec: { podCIDR: hollowPodCidr(i), podCIDRs: [hollowPodCidr(i)] },
    status: {
      capacity: { ...capacity },
      allocatable: { ...capacity },
      phase: 'Running',
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status (hollow)'),
      ],
      addresses: [
        { type: 'InternalIP', address: `10.${64 + ((i >> 8) & 63)}.${i & 255}.1` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: `hollow-${i}`,
        systemUUID: `hollow-${i}`,
        bootID: `hollow-${i}`,
        kernelVersion: 'hollow',
        osImage: 'Berth hollow node',
        containerRuntimeVersion: 'hollow://0.1.0',
        kubeletVersion: 'v1.29.0-berth-hollow',
        kubeProxyVersion: 'v1.29.0-berth-hollow',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/**
 * Starts `count` hollow nodes: fake kubelets for scale tests. Each registers a Node (Ready,
 * capacity = allocatable, addresses, nodeInfo, kubernetes.io/hostname) and a Lease in
 * kube-node-lease that is renewed every heartbeat; pods bound to any of them are reported
 * Running at once (phase, Ready conditions, ready containerStatuses, a pod IP from the
 * node's fake CIDR). One pod informer serves all nodes, and heartbeats are spread over the
 * period in small batches, so 5,000 nodes cost one watch and count/heartbeat writes per second.
 */
export async function startHollowNodes(opts: HollowNodesOptions): Promise<HollowNodes> {
  const { client } = opts;
  const prefix = opts.namePrefix ?? 'hollow-node-';
  const capacity: Record<string, string> = { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi', ...opts.capacity };
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const concurrency = opts.concurrency ?? 32;
  const logger = opts.logger ?? silentLogger;
  const names = Array.from({ length: opts.count }, (_, i) => `${prefix}${i}`);
  const index = new Map(names.map((n, i) => [n, i]));
  const ac = new AbortController();

  // Register nodes and leases.
  await pool(names, concurrency, async (name) => {
    const i = index.get(name)!;
    const node = hollowNode(name, i, capacity, opts.labels ?? {});
    let created: Obj;
    try {
      created = await client.create<Obj>(NODES, '', node);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      created = await client.get<Obj>(NODES, '', name);
    }
    // Some servers drop status on create (it belongs to the status subresource): write it there.
    if (!created.status?.['allocatable'] || !created.status?.['conditions']) {
      await client.update<Obj>(NODES, '', { ...created, status: node.status }, { subresource: 'status' });
    }
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: created.metadata?.uid ?? '' }] },
      spec: { holderIdentity: name, leaseDurationSeconds: Math.max(40, Math.ceil((heartbeatMs * 4) / 1000)), renewTime: microTime() },
    };
    try {
      await client.create(LEASES, LEASE_NAMESPACE, lease);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  });

  // Heartbeats: every second renew the slice of leases due, so the load is even.
  let cursor = 0;
  let beating = false;
  const perTick = Math.max(1, Math.ceil((names.length * 1000) / heartbeatMs));
  const heartbeat = setInterval(() => {
    if (beating) return; // the previous batch is still running: skip rather than pile up
    beating = true;
    const batch: string[] = [];
    for (let k = 0; k < perTick && k < names.length; k++) batch.push(names[(cursor + k) % names.length]!);
    cursor = (cursor + batch.length) % names.length;
    void pool(batch, concurrency, async (name) => {
      try {
        await client.patch(LEASES, LEASE_NAMESPACE, name, 'application/merge-patch+json', { spec: { renewTime: microTime() } });
      } catch (err) {
        logger.warn({ err, node: name }, 'lease renewal failed');
      }
    }).finally(() => (beating = false));
  }, 1000);
  heartbeat.unref();

  // Pods: one informer for all nodes; a small worker pool reports them Running.
  let running = 0;
  let ipCounter = 0;
  const reported = new Set<string>();
  const queue: Obj[] = [];
  const queued = new Set<string>();
  let idle: Array<() => void> = [];
  const wake = (): void => idle.shift()?.();
  const wakeAll = (): void => {
    const w = idle;
    idle = [];
    for (const f of w) f();
  };
  ac.signal.addEventListener('abort', wakeAll, { once: true });
  const shared = opts.podInformer as SharedInformer<Obj> | undefined;
  const informer = shared ?? new SharedInformer<Obj>(client, PODS, { logger });
  const consider = (pod: Obj): void => {
    if (ac.signal.aborted) return; // a shared informer keeps calling after stop()
    const nodeName = pod.spec?.['nodeName'] as string | undefined;
    if (!nodeName || !index.has(nodeName)) return;
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (pod.metadata?.deletionTimestamp) {
      if (!queued.has(key)) {
        queued.add(key);
        queue.push(pod);
        wake();
      }
      return;
    }
    const phase = pod.status?.['phase'];
    if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed' || reported.has(key) || queued.has(key)) return;
    queued.add(key);
    queue.push(pod);
    wake();
  };
  const reportPods = opts.reportPods !== false;
  if (reportPods) {
    informer.addEventHandler({
      onAdd: consider,
      onUpdate: (_o, n) => consider(n),
      onDelete: (p) => reported.delete(`${p.metadata?.namespace}/${p.metadata?.name}`),
    });
  }
  const informerDone = reportPods && !shared ? informer.run(ac.signal) : Promise.resolve();

  const worker = async (): Promise<void> => {
    while (!ac.signal.aborted) {
      const pod = queue.shift();
      if (!pod) {
        await new Promise<void>((r) => idle.push(r));
        continue;
      }
      const ns = pod.metadata?.namespace ?? '';
      const name = pod.metadata?.name ?? '';
      const key = `${ns}/${name}`;
      try {
        if (pod.metadata?.deletionTimestamp) {
          // The kubelet's part of graceful deletion: the containers are "stopped", confirm at once.
          await client.delete(PODS, ns, name, { gracePeriodSeconds: 0 });
        } else {
          await client.patch(PODS, ns, name, 'application/merge-patch+json', { status: runningStatus(pod, index.get(pod.spec?.['nodeName'] as string)!, ipCounter++) }, { subresource: 'status' });
          reported.add(key);
          running++;
        }
      } catch (err) {
        if (!isNotFound(err)) logger.warn({ err, pod: key }, 'hollow node: pod status update failed');
      } finally {
        queued.delete(key);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());

  return {
    nodeNames: names,
    runningCount: () => running,
    async stop() {
      clearInterval(heartbeat);
      ac.abort();
      await Promise.allSettled([informerDone, ...workers]);
    },
    async deleteNodes() {
      await pool(names, concurrency, async (name) => {
        await client.delete(NODES, '', name).catch(() => {});
        await client.delete(LEASES, LEASE_NAMESPACE, name).catch(() => {});
      });
    },
  };
}

/** The status a kubelet reports for a pod whose containers all started. */
export function runningStatus(pod: Obj, nodeIndex: number, n: number): Record<string, unknown> {
  const now = nowRfc3339();
  const cidr = hollowPodCidr(nodeIndex);
  const podIP = `${cidr.slice(0, cidr.lastIndexOf('.'))}.${(n % 253) + 2}`;
  const containers = (pod.spec?.['containers'] as Array<{ name?: string; image?: string }> | undefined) ?? [];
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
  return {
    phase: 'Running',
    hostIP: `10.${64 + ((nodeIndex >> 8) & 63)}.${nodeIndex & 255}.1`,
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
    containerStatuses: containers.map((c) => ({
      name: c.name ?? '',
      image: c.image ?? '',
      imageID: `hollow://${c.image ?? ''}`,
      containerID: `hollow://${pod.metadata?.uid ?? ''}/${c.name ?? ''}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}
