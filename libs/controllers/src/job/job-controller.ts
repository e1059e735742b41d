// SPDX-License-Identifier: Apache-2.0
import type { batchV1, coreV1 } from '@berth/api-types';
import { isNotFound, labelSelectorFromObject, objectKey, selectorFromSet, type KubeObject, deepCopy } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { ControllerExpectations } from '../shared/expectations';
import { getControllerOf, newControllerRef } from '../shared/owner-refs';
import { comparePodsForDeletion, isPodActive, isPodReady } from '../shared/pod-utils';
import { slowStartBatch } from '../shared/slow-start-batch';

/** The controller's name (--controllers, logs, events' source). */
export const JOB_CONTROLLER = 'job-controller';
export const JOBS: ResourceType = { group: 'batch', version: 'v1', resource: 'jobs' };
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** Back-off before a failed pod is replaced: 10 s doubling per failure, at most 6 minutes (upstream DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff). */
export const JOB_BACKOFF_BASE_MS = 10_000;
export const JOB_BACKOFF_MAX_MS = 360_000;

export type Job = batchV1.JobJson;
type Pod = coreV1.PodJson;
type JobCondition = batchV1.JobConditionJson;

export interface JobControllerDeps {
  client: ApiClient;
  jobs: SharedInformer<Job>;
  pods: SharedInformer<Pod>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  now?: () => Date;
}

/**
 * Runs Jobs to completion, as Kubernetes' job controller (NonIndexed completion mode):
 * keeps `min(parallelism, completions - succeeded)` pods running, counts succeeded and
 * failed pods, backs off exponentially (10 s → 6 min) before replacing failed pods, and
 * finishes the Job with condition Complete, or Failed with reason BackoffLimitExceeded
 * (more failures than spec.backoffLimit; for restartPolicy OnFailure, container restarts
 * count) or DeadlineExceeded (spec.activeDeadlineSeconds since status.startTime). Pods still
 * running when the Job finishes are deleted.
 *
 * Failed and succeeded pods are counted from the pods that exist, never below the counts
 * already in the status: a pod deleted after it finished is not forgotten.
 */
export class JobController {
  readonly queue = new WorkQueue<string>({ name: JOB_CONTROLLER });
  readonly expectations: ControllerExpectations;
  private readonly logger: ClientLogger;
  private readonly now: () => Date;
  /** When this controller first saw each failed pod, for pods that carry no finish time. */
  private readonly failureSeen = new Map<string, number>();

  constructor(private readonly deps: JobControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    this.expectations = new ControllerExpectations(() => this.now().getTime());
    deps.jobs.addEventHandler({
      onAdd: (j) => this.queue.add(objectKey(j)),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.queue.add(objectKey(n)),
      onDelete: (j) => {
        this.expectations.delete(objectKey(j));
        this.queue.add(objectKey(j));
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => {
        const key = this.ownerKey(p);
        if (!key) return;
        this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (o, n) => {
        if (o.metadata?.resourceVersion === n.metadata?.resourceVersion) return;
        const key = this.ownerKey(n);
        if (key) this.queue.add(key);
      },
      onDelete: (p) => {
        const key = this.ownerKey(p);
        if (!key) return;
        this.expectations.deletionObserved(key, objectKey(p));
        this.queue.add(key);
      },
    });
  }

  async run(signal: AbortSignal, workers = 2): Promise<void> {
    await Promise.all([this.deps.jobs.waitForSync(signal), this.deps.pods.waitForSync(signal)]);
    await runWorkers({ name: JOB_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** Reconciles one Job ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const cached = this.deps.jobs.store.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    if (cached.metadata?.deletionTimestamp || isJobFinished(cached)) return;
    const job = deepCopy(cached);
    const spec = job.spec ?? {};
    const now = this.now();
    const pods = this.jobPods(job);
    const active = pods.filter(isPodActive);
    const succeededPods = pods.filter((p) => p.status?.phase === 'Succeeded');
    const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
    const prev = job.status ?? {};
    const succeeded = Math.max(prev.succeeded ?? 0, succeededPods.length);
    const failed = Math.max(prev.failed ?? 0, failedPods.length);
    const status: batchV1.JobStatusJson = { ...deepCopy(prev) };
    if (!status.startTime && !spec.suspend) status.startTime = formatTime(now);

    const backoffLimit = spec.backoffLimit ?? 6;
    const restartPolicy = spec.template?.spec?.restartPolicy;
    const restarts = restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + podRestarts(p), 0) : 0;
    const completions = spec.completions ?? undefined;
    const parallelism = spec.parallelism ?? 1;

    let finished: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
    if (failed > backoffLimit || (restartPolicy === 'OnFailure' && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit))) {
      finished = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    } else if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null && status.startTime) {
      const deadline = Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000;
      if (deadline <= now.getTime()) finished = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      else this.queue.addAfter(key, deadline - now.getTime() + 10);
    }
    if (!finished) {
      const complete = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;
      if (complete) finished = { type: 'Complete', reason: '', message: '' };
    }

    let activeCount = active.length;
    if (finished) {
      // Anything still running is no longer wanted.
      await this.deletePods(job, key, active);
      activeCount = 0;
      status.conditions = [...(status.conditions ?? []), condition(finished.type, finished.reason, finished.message, now)];
      if (finished.type === 'Complete') {
        status.completionTime = formatTime(now);
        this.deps.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      } else {
        this.deps.recorder.event(job, 'Warning', finished.reason, finished.message);
      }
    } else if (this.expectations.satisfied(key)) {
      activeCount = await this.manage(job, key, active, failedPods, { succeeded, failed, completions, parallelism, now });
    }

    status.active = activeCount;
    status.succeeded = succeeded;
    status.failed = failed;
    status.ready = finished ? 0 : active.filter(isPodReady).length;
    if (JSON.stringify(status) !== JSON.stringify(prev)) {
      job.status = status;
      try {
        await this.deps.client.update(JOBS, job.metadata?.namespace ?? '', job, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Creates or deletes pods toward the wanted number of active ones; returns the new active count. */
  private async manage(
    job: Job,
    key: string,
    active: Pod[],
    failedPods: Pod[],
    c: { succeeded: number; failed: number; completions: number | undefined; parallelism: number; now: Date },
  ): Promise<number> {
    const want = job.spec?.suspend
      ? 0
      : c.completions === undefined
        ? c.succeeded > 0
          ? 0
          : c.parallelism
        : Math.max(0, Math.min(c.parallelism, c.completions - c.succeeded));
    if (active.length > want) {
      const extra = [...active].sort(comparePodsForDeletion).slice(0, active.length - want);
      await this.deletePods(job, key, extra);
      return want;
    }
    const diff = want - active.length;
    if (diff <= 0) return active.length;
    if (c.failed > 0) {
      // Exponential back-off from the last failure before replacing pods.
      const last = Math.max(0, ...failedPods.map((p) => this.finishTime(p)));
      const wait = last > 0 ? last + backoffDelay(c.failed) - c.now.getTime() : 0;
      if (wait > 0) {
        this.queue.addAfter(key, wait);
        return active.length;
      }
    }
    this.expectations.expectCreations(key, diff);
    let attempted = 0;
    const { successes, error } = await slowStartBatch(diff, 1, async () => {
      attempted++;
      try {
        const pod = await this.deps.client.create<Pod>(PODS, job.metadata?.namespace ?? '', newJobPod(job));
        this.deps.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        this.expectations.creationObserved(key);
        this.deps.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${String((err as Error).message ?? err)}`);
        throw err;
      }
    });
    // Creations never attempted after a failed batch will never be observed.
    if (error) {
      this.expectations.lowerCreations(key, diff - attempted);
      throw error;
    }
    return active.length + successes;
  }

  private async deletePods(job: Job, key: string, pods: Pod[]): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expectDeletions(key, pods.map((p) => objectKey(p)));
    await Promise.all(
      pods.map(async (p) => {
        try {
          await this.deps.client.delete(PODS, p.metadata?.namespace ?? '', p.metadata?.name ?? '');
          this.deps.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(p));
          if (!isNotFound(err)) throw err;
        }
      }),
    );
  }

  /** The Job's pods: matching its selector and controlled by it. */
  private jobPods(job: Job): Pod[] {
    const uid = job.metadata?.uid;
    const sel = job.spec?.selector ? labelSelectorFromObject(job.spec.selector) : selectorFromSet({ [CONTROLLER_UID_LABEL]: uid ?? '' });
    return this.deps.pods.store
      .listByNamespace(job.metadata?.namespace ?? '')
      .filter((p) => getControllerOf(p)?.uid === uid && sel.matches(p.metadata?.labels ?? {}));
  }

  private ownerKey(pod: Pod): string | undefined {
    const ref = getControllerOf(pod);
    if (ref?.kind !== 'Job') return undefined;
    return `${pod.metadata?.namespace ?? ''}/${ref.name}`;
  }

  /** When a failed pod finished: its containers' finishedAt, else when we first saw it failed. */
  private finishTime(pod: Pod): number {
    const times = (pod.status?.containerStatuses ?? [])
      .map((s) => Date.parse(s.state?.terminated?.finishedAt ?? ''))
      .filter((t) => !Number.isNaN(t));
    if (times.length > 0) return Math.max(...times);
    const uid = pod.metadata?.uid ?? objectKey(pod);
    let seen = this.failureSeen.get(uid);
    if (seen === undefined) {
      seen = this.now().getTime();
      this.failureSeen.set(uid, seen);
    }
    return seen;
  }
}

/** The pod a Job creates: its template, labelled and owned by the Job. */
export function newJobPod(job: Job): Pod {
  const template = deepCopy(job.spec?.template ?? {});
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  const labels = { ...(template.metadata?.labels ?? {}), [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, 'controller-uid': uid, 'job-name': name };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: job.metadata?.namespace,
      labels,
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [newControllerRef(job as KubeObject, 'batch/v1', 'Job')],
    },
    spec: template.spec ?? { containers: [] },
  };
}

/** The back-off before the next pod after `failures` failures: 10 s · 2^(failures−1), at most 6 min. */
export function backoffDelay(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(JOB_BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 20), JOB_BACKOFF_MAX_MS);
}

/** Whether the Job has a Complete or Failed condition that is True. */
export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** The finished condition type of the Job, if any. */
export function jobFinishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

function podRestarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0);
}

function condition(type: string, reason: string, message: string, now: Date): JobCondition {
  const ts = formatTime(now);
  return { type, status: 'True', lastProbeTime: ts, lastTransitionTime: ts, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

