// SPDX-License-Identifier: Apache-2.0
import { SharedInformer, WorkQueue, runWorkers, type ApiClient } from '@berth/client';
import type { ContainerRuntime } from '@berth/runtime';
import { PodWorkers, type PodWorkersOptions } from './pod-worker';
import { CONFIGMAPS, PODS, SECRETS, SERVICES, silentKubeletLogger, type ConfigMap, type KubeletLogger, type ObjectSource, type Pod, type Secret, type Service } from './types';

/** What the Kubelet needs besides the pod workers' options (which it fills in). */
export interface KubeletOptions extends Omit<PodWorkersOptions, 'objects' | 'requeue'> {
  /** Pod workers running at once (default 16). */
  workers?: number;
  /** Full resync of every pod and orphan sweep (default 10 s). */
  housekeepingMs?: number;
}

/**
 * Kubelet watches the pods bound to its node (field selector spec.nodeName), the
 * ConfigMaps and Secrets they use, and the runtime's container events, and runs one pod
 * worker per pod through a work queue keyed by pod uid. Housekeeping resyncs every pod
 * and removes the containers of pods that no longer exist (after a kubelet restart too:
 * the state is rebuilt from the runtime's labels, nothing that runs well is restarted).
 */
export class Kubelet {
  readonly pods: SharedInformer<Pod>;
  readonly configMaps: SharedInformer<ConfigMap>;
  readonly secrets: SharedInformer<Secret>;
  readonly services: SharedInformer<Service>;
  readonly workers: PodWorkers;
  private readonly queue = new WorkQueue<string>();
  private readonly log: KubeletLogger;
  private readonly runtime: ContainerRuntime;
  private readonly delayed = new Map<string, { timer: NodeJS.Timeout; due: number }>();

  constructor(
    private readonly client: ApiClient,
    private readonly o: KubeletOptions,
  ) {
    this.log = o.logger ?? silentKubeletLogger;
    this.runtime = o.runtime;
    this.pods = new SharedInformer<Pod>(client, PODS, { fieldSelector: `spec.nodeName=${o.nodeName}`, indexers: { uid: (p) => [p.metadata?.uid ?? ''] } });
    this.configMaps = new SharedInformer<ConfigMap>(client, CONFIGMAPS, {});
    this.secrets = new SharedInformer<Secret>(client, SECRETS, {});
    this.services = new SharedInformer<Service>(client, SERVICES, {});
    const objects: ObjectSource = {
      configMap: (ns, name) => this.configMaps.store.get(`${ns}/${name}`),
      secret: (ns, name) => this.secrets.store.get(`${ns}/${name}`),
      services: (ns) => this.services.store.listByNamespace(ns),
    };
    this.workers = new PodWorkers({ ...o, objects, requeue: (uid, ms) => this.requeue(uid, ms) });
    const enqueue = (p: Pod): void => this.queue.add(p.metadata?.uid ?? '');
    // A pod being deleted must not wait for a postStart hook that may never end.
    const cancelStart = (p: Pod): void => this.workers.cancelStart(p.metadata?.uid ?? '');
    // Our own status writes come back as updates: they need no sync (the worker already
    // requeues what it waits for), so only changes to what the kubelet acts on enqueue.
    this.pods.addEventHandler({
      onAdd: enqueue,
      onUpdate: (o, n) => {
        if (n.metadata?.deletionTimestamp) cancelStart(n);
        if (o === n || podChangedForKubelet(o, n)) enqueue(n);
      },
      onDelete: (p) => {
        cancelStart(p);
        enqueue(p);
      },
    });
    const byNamespace = (obj: { metadata?: { namespace?: string } }): void => {
      for (const p of this.pods.store.listByNamespace(obj.metadata?.namespace ?? '')) enqueue(p);
    };
    for (const inf of [this.configMaps, this.secrets] as Array<SharedInformer<ConfigMap | Secret>>) {
      inf.addEventHandler({ onAdd: byNamespace, onUpdate: (_o, n) => byNamespace(n), onDelete: byNamespace });
    }
  }

  /** Syncs one pod by uid (exposed for tests). */
  async syncPod(uid: string): Promise<void> {
    const pod = this.pods.store.byIndex('uid', uid)[0];
    await this.workers.sync(uid, pod);
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const all = [this.pods, this.configMaps, this.secrets, this.services] as Array<SharedInformer<Pod | ConfigMap | Secret | Service>>;
    const informers = all.map((i) => i.run(signal));
    await Promise.all(all.map((i) => i.waitForSync(signal)));
    const unsubscribe = this.runtime.subscribe((uid) => {
      this.log.debug({ uid }, 'runtime event');
      this.queue.add(uid);
    });
    await this.housekeeping();
    const timer = setInterval(() => void this.housekeeping(), this.o.housekeepingMs ?? 10_000);
    signal.addEventListener('abort', () => {
      clearInterval(timer);
      unsubscribe();
      for (const d of this.delayed.values()) clearTimeout(d.timer);
      this.workers.probes.stopAll();
    }, { once: true });
    await runWorkers({
      name: 'kubelet',
      queue: this.queue,
      workers: this.o.workers ?? 16,
      signal,
      sync: async (uid) => {
        const t0 = Date.now();
        try {
          await this.syncPod(uid);
          this.log.debug({ uid, ms: Date.now() - t0 }, 'pod synced');
        } catch (err) {
          this.log.warn({ uid, err: String(err) }, 'pod sync failed');
          throw err;
        }
      },
    });
    await Promise.allSettled(informers);
  }

  /** Queues every known pod and every pod the runtime still has containers for. */
  async housekeeping(): Promise<void> {
    try {
      for (const p of this.pods.store.list()) this.queue.add(p.metadata?.uid ?? '');
      const uids = new Set<string>();
      for (const s of await this.runtime.listSandboxes()) uids.add(s.pod.uid);
      for (const c of await this.runtime.listContainers()) uids.add(c.pod.uid);
      for (const uid of await this.o.volumes.podUids()) uids.add(uid);
      for (const uid of uids) if (this.pods.store.byIndex('uid', uid).length === 0) this.queue.add(uid);
    } catch (err) {
      this.log.warn({ err: String(err) }, 'housekeeping failed');
    }
  }

  private requeue(uid: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.queue.add(uid);
      return;
    }
    // keep the earliest pending wake-up: a sync re-arms whatever it still needs
    const due = Date.now() + delayMs;
    const old = this.delayed.get(uid);
    if (old && old.due <= due) return;
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(uid);
      this.queue.add(uid);
    }, delayMs);
    timer.unref();
    this.delayed.set(uid, { timer, due });
  }
}


/** True when a pod update touches what the kubelet acts on (spec, deletion, labels and annotations). */
export function podChangedForKubelet(a: Pod, b: Pod): boolean {
  const pick = (p: Pod) =>
    JSON.stringify([p.spec, p.metadata?.deletionTimestamp, p.metadata?.deletionGracePeriodSeconds, p.metadata?.labels, p.metadata?.annotations, p.metadata?.uid, p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed']);
  return pick(a) !== pick(b);
}
