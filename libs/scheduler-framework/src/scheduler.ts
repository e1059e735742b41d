// SPDX-License-Identifier: Apache-2.0
import { objectKey, type KubeObject } from '@berth/api';
import { InformerFactory, silentLogger, type ApiClient, type ClientLogger, type SharedInformer } from '@berth/client';
import { Cache } from './cache';
import { compileSchedulerConfig, type CompiledSchedulerConfig, type SchedulerConfiguration } from './config';
import { Framework } from './framework';
import type { ClusterEvent, Handle, PluginFactory } from './interface';
import { inTreeRegistry } from './registry';
import { SchedulingQueue, type QueuedPodInfo } from './scheduling-queue';
import { FitError } from './status';
import { DEFAULT_SCHEDULER_NAME, NODES, PODS, PVCS, SERVICES, type Node, type PersistentVolumeClaim, type Pod, type Service } from './types';

/** Longest stretch of back-to-back scheduling cycles before letting I/O in. */
const YIELD_EVERY_MS = 5;

/** Where the scheduler reports events (an @berth/events EventRecorder fits). */
export interface SchedulerEventRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Result label of scheduler_schedule_attempts_total. */
export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** Metrics hooks (the app wires them to Prometheus). */
export interface SchedulerObserver {
  /** One scheduling attempt finished; for 'scheduled', after the binding was written. */
  attempt(result: AttemptResult, seconds: number): void;
}

export interface SchedulerOptions {
  client: ApiClient;
  recorder: SchedulerEventRecorder;
  config?: SchedulerConfiguration;
  /** Out-of-tree plugins are added here; defaults to the in-tree registry. */
  registry?: Record<string, PluginFactory>;
  logger?: ClientLogger;
  observer?: SchedulerObserver;
  /** Bindings written concurrently (the scheduling cycle itself is sequential). Default 16. */
  parallelism?: number;
  /** Informer factory to share; a private one otherwise. */
  informers?: InformerFactory;
}

/**
 * Scheduler places pending pods on nodes, as kube-scheduler's scheduleOne loop:
 * pop a pod → run the framework (filter, score) → assume it on the chosen node in the cache
 * → write the binding asynchronously while the next pod is scheduled. A pod that fits
 * nowhere gets a FailedScheduling event and PodScheduled=False (Unschedulable) with the
 * aggregated reasons, and waits in the queue for a cluster event that could help.
 *
 * It only takes pods whose spec.schedulerName is its own (default-scheduler, or empty) and
 * that have no nodeName and are not being deleted.
 */
export class Scheduler {
  readonly cache = new Cache();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly config: CompiledSchedulerConfig;
  private readonly client: ApiClient;
  private readonly recorder: SchedulerEventRecorder;
  private readonly logger: ClientLogger;
  private readonly observer: SchedulerObserver | undefined;
  private readonly parallelism: number;
  private readonly informers: InformerFactory;
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly pvcInformer: SharedInformer<PersistentVolumeClaim>;
  private readonly serviceInformer: SharedInformer<Service>;
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private readonly binds = new Set<Promise<void>>();

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.recorder = opts.recorder;
    this.logger = opts.logger ?? silentLogger;
    this.observer = opts.observer;
    this.parallelism = Math.max(1, opts.parallelism ?? 16);
    const registry = opts.registry ?? inTreeRegistry();
    this.config = compileSchedulerConfig(opts.config ?? {}, Object.keys(registry));
    this.informers = opts.informers ?? new InformerFactory(opts.client, { logger: this.logger });
    this.podInformer = this.informers.informerFor<Pod>(PODS);
    this.nodeInformer = this.informers.informerFor<Node>(NODES);
    this.pvcInformer = this.informers.informerFor<PersistentVolumeClaim>(PVCS);
    this.serviceInformer = this.informers.informerFor<Service>(SERVICES);
    const handle: Handle = {
      cache: this.cache,
      client: opts.client,
      getPvc: (ns, name) => this.pvcInformer.store.get(`${ns}/${name}`),
      listServices: (ns) => this.serviceInformer.store.byIndex('namespace', ns),
    };
    this.framework = new Framework(this.config, registry, handle);
    this.queue = new SchedulingQueue({
      initialBackoffMs: this.config.podInitialBackoffMs,
      maxBackoffMs: this.config.podMaxBackoffMs,
      maxInUnschedulableMs: this.config.podMaxInUnschedulablePodsDurationMs,
      pluginsForEvent: (ev) => this.framework.pluginsForEvent(ev),
    });
    this.addEventHandlers();
  }

  /** True when this scheduler is responsible for the pod (its scheduler name, not bound, not being deleted). */
  responsibleFor(pod: Pod): boolean {
    const name = pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME;
    return name === this.config.schedulerName && !pod.spec?.nodeName;
  }

  private addEventHandlers(): void {
    const move = (ev: ClusterEvent): void => {
      this.queue.moveAllToActiveOrBackoff(ev);
    };
    this.podInformer.addEventHandler({
      onAdd: (pod) => {
        if (pod.spec?.nodeName) {
          if (!isTerminal(pod)) this.cache.addPod(pod);
        } else if (this.responsibleFor(pod) && !pod.metadata?.deletionTimestamp) {
          this.queue.add(pod);
        }
      },
      onUpdate: (oldPod, pod) => {
        if (oldPod === pod || oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        if (pod.spec?.nodeName) {
          if (!oldPod.spec?.nodeName) this.queue.delete(pod);
          if (isTerminal(pod)) {
            // A finished pod holds no resources any more.
            if (this.cache.hasPod(pod)) {
              this.cache.removePod(pod);
              move('AssignedPodDelete');
            }
            return;
          }
          this.cache.updatePod(pod);
          if (oldPod.spec?.nodeName && this.resourcesShrank(oldPod, pod)) move('AssignedPodUpdate');
          return;
        }
        if (!this.responsibleFor(pod)) return;
        if (pod.metadata?.deletionTimestamp) this.queue.delete(pod);
        else this.queue.update(oldPod, pod);
      },
      onDelete: (pod) => {
        if (pod.spec?.nodeName || this.cache.hasPod(pod)) {
          this.cache.removePod(pod);
          move('AssignedPodDelete');
        } else {
          this.queue.delete(pod);
        }
      },
    });
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        move('NodeAdd');
      },
      onUpdate: (oldNode, node) => {
        if (oldNode === node || oldNode.metadata?.resourceVersion === node.metadata?.resourceVersion) return;
        this.cache.updateNode(node);
        for (const ev of nodeChangeEvents(oldNode, node)) move(ev);
      },
      onDelete: (node) => this.cache.removeNode(node.metadata?.name ?? ''),
    });
    this.pvcInformer.addEventHandler({
      onAdd: () => move('PvcChange'),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) move('PvcChange');
      },
    });
    this.serviceInformer.addEventHandler({
      onAdd: () => move('ServiceChange'),
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) move('ServiceChange');
      },
      onDelete: () => move('ServiceChange'),
    });
  }

  private resourcesShrank(oldPod: Pod, pod: Pod): boolean {
    return JSON.stringify(oldPod.spec?.containers?.map((c) => c.resources)) !== JSON.stringify(pod.spec?.containers?.map((c) => c.resources));
  }

  /** Starts the informers, waits for them, then schedules until `signal` aborts; waits for in-flight bindings. */
  async run(signal: AbortSignal): Promise<void> {
    this.informers.start(signal);
    await this.informers.waitForSync(signal);
    if (signal.aborted) return;
    this.logger.info({ nodes: this.cache.nodeCount(), pending: this.queue.lengths().active }, 'scheduler caches synced');
    this.queue.run();
    const onAbort = (): void => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let lastYield = performance.now();
      while (!signal.aborted) {
        await this.waitForBindSlot();
        const info = await this.queue.pop(signal);
        if (!info) break;
        this.scheduleOne(info);
        // pop() resolves without an I/O turn while activeQ has pods: yield every few ms so
        // watch events (bindings confirmed, new pods) keep flowing and the watch never falls behind.
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.close();
      await Promise.allSettled([...this.binds]);
      await this.informers.stopped();
    }
  }

  private async waitForBindSlot(): Promise<void> {
    while (this.inFlight >= this.parallelism) await new Promise<void>((r) => this.slotWaiters.push(r));
  }

  /** One scheduling cycle for one pod (synchronous up to the binding). */
  scheduleOne(info: QueuedPodInfo): void {
    const latest = this.podInformer.store.get(info.key) ?? info.pod;
    const pod = latest;
    info.pod = pod;
    if (pod.metadata?.deletionTimestamp || pod.spec?.nodeName || this.cache.hasPod(pod) || !this.responsibleFor(pod)) return;
    const start = performance.now();
    const cycle = this.queue.currentCycle();
    let nodeName: string;
    try {
      nodeName = this.framework.schedulePod(pod).nodeName;
    } catch (err) {
      const seconds = (performance.now() - start) / 1000;
      if (err instanceof FitError) {
        info.unschedulablePlugins = err.diagnosis.unschedulablePlugins;
        this.observer?.attempt('unschedulable', seconds);
        this.handleFailure(info, 'Unschedulable', err.message, cycle);
      } else {
        info.unschedulablePlugins = new Set();
        this.observer?.attempt('error', seconds);
        this.logger.error({ err, pod: info.key }, 'scheduling failed');
        this.handleFailure(info, 'SchedulerError', err instanceof Error ? err.message : String(err), cycle);
      }
      return;
    }
    // Optimistic: the next cycle counts this pod on its node before the binding is written.
    this.cache.assumePod(pod, nodeName);
    this.inFlight++;
    const p = this.bindPod(info, pod, nodeName, start, cycle).finally(() => {
      this.inFlight--;
      this.binds.delete(p);
      const w = this.slotWaiters.shift();
      w?.();
    });
    this.binds.add(p);
  }

  private async bindPod(info: QueuedPodInfo, pod: Pod, nodeName: string, start: number, cycle: number): Promise<void> {
    const status = await this.framework.bind(pod, nodeName);
    const seconds = (performance.now() - start) / 1000;
    if (status === undefined || status.isSuccess()) {
      this.observer?.attempt('scheduled', seconds);
      const ns = pod.metadata?.namespace ?? '';
      this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${pod.metadata?.name ?? ''} to ${nodeName}`);
      return;
    }
    this.observer?.attempt('error', seconds);
    this.logger.warn({ pod: info.key, node: nodeName, reason: status.message() }, 'binding failed');
    this.cache.forgetPod(pod);
    // The assumed pod's resources are free again: pods waiting for them may fit now.
    this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    info.unschedulablePlugins = new Set();
    this.handleFailure(info, 'SchedulerError', `binding rejected: ${status.message()}`, cycle);
  }

  /** Requeues the pod and reports why: a FailedScheduling event and the PodScheduled condition. */
  private handleFailure(info: QueuedPodInfo, reason: 'Unschedulable' | 'SchedulerError', message: string, cycle: number): void {
    const current = this.podInformer.store.get(info.key);
    // Deleted or bound meanwhile: nothing to retry.
    if (!current || current.spec?.nodeName || current.metadata?.deletionTimestamp) return;
    info.pod = current;
    this.queue.addUnschedulableIfNotPresent(info, cycle);
    this.recorder.event(current, 'Warning', 'FailedScheduling', message);
    void this.updatePodScheduledCondition(current, reason, message);
  }

  private async updatePodScheduledCondition(pod: Pod, reason: string, message: string): Promise<void> {
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (cond && cond.status === 'False' && cond.reason === reason && cond.message === message) return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const patch = {
      status: {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason,
            message,
            lastProbeTime: null,
            lastTransitionTime: cond?.status === 'False' && cond.lastTransitionTime ? cond.lastTransitionTime : now,
          },
        ],
      },
    };
    try {
      await this.client.patch(PODS, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'application/strategic-merge-patch+json', patch, {
        subresource: 'status',
      });
    } catch (err) {
      this.logger.warn({ err, pod: objectKey(pod) }, 'updating the PodScheduled condition failed');
    }
  }

  /** Bindings still being written (tests). */
  pendingBinds(): number {
    return this.inFlight;
  }
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Which cluster events a node update amounts to (kube-scheduler's nodeSchedulingPropertiesChange). */
export function nodeChangeEvents(oldNode: Node, node: Node): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  const j = (v: unknown): string => JSON.stringify(v ?? null);
  if (!!oldNode.spec?.unschedulable !== !!node.spec?.unschedulable) out.push('NodeUnschedulableChange');
  if (j(oldNode.status?.allocatable) !== j(node.status?.allocatable)) out.push('NodeAllocatableChange');
  if (j(oldNode.metadata?.labels) !== j(node.metadata?.labels)) out.push('NodeLabelChange');
  if (j(oldNode.spec?.taints) !== j(node.spec?.taints)) out.push('NodeTaintChange');
  if (j(oldNode.status?.images) !== j(node.status?.images)) out.push('NodeImagesChange');
  return out;
}
