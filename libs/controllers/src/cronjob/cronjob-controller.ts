// SPDX-License-Identifier: Apache-2.0
import type { batchV1, coreV1 } from '@berth/api-types';
import { isAlreadyExists, isNotFound, objectKey, type KubeObject, deepCopy } from '@berth/api';
import { runWorkers, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import type { ControllerEventRecorder } from '../shared/controller-descriptor';
import { getControllerOf, newControllerRef } from '../shared/owner-refs';
import { parseCronSchedule, type CronSchedule } from './cron-schedule';

/** The controller's name (--controllers, logs, events' source). */
export const CRONJOB_CONTROLLER = 'cronjob-controller';
export const CRONJOBS: ResourceType = { group: 'batch', version: 'v1', resource: 'cronjobs' };
export const JOBS: ResourceType = { group: 'batch', version: 'v1', resource: 'jobs' };
/** The annotation with the time a Job was scheduled for. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Missed start times beyond this are not counted one by one (upstream: 100). */
const MAX_MISSED = 100;

export type CronJob = batchV1.CronJobJson;
type Job = batchV1.JobJson;
type ObjectReference = coreV1.ObjectReferenceJson;

export interface CronJobControllerDeps {
  client: ApiClient;
  cronJobs: SharedInformer<CronJob>;
  jobs: SharedInformer<Job>;
  recorder: ControllerEventRecorder;
  logger?: ClientLogger;
  now?: () => Date;
}

/**
 * Starts Jobs on a cron schedule, as Kubernetes' CronJob controller (v2): at each schedule
 * time it creates the Job `<cronjob>-<minutes since the epoch>` from spec.jobTemplate (so a
 * time is never started twice), unless suspended, too late (startingDeadlineSeconds), or
 * forbidden by concurrencyPolicy (Forbid skips while a Job runs, Replace deletes the running
 * ones first). It keeps status.active/lastScheduleTime/lastSuccessfulTime, deletes finished
 * Jobs beyond the history limits, and requeues itself for the next schedule time.
 */
export class CronJobController {
  readonly queue = new WorkQueue<string>({ name: CRONJOB_CONTROLLER });
  private readonly logger: ClientLogger;
  private readonly now: () => Date;

  constructor(private readonly deps: CronJobControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    deps.cronJobs.addEventHandler({
      onAdd: (c) => this.queue.add(objectKey(c)),
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && this.queue.add(objectKey(n)),
    });
    const enqueueOwner = (j: Job): void => {
      const ref = getControllerOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata?.namespace ?? ''}/${ref.name}`);
    };
    deps.jobs.addEventHandler({
      onAdd: enqueueOwner,
      onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && enqueueOwner(n),
      onDelete: enqueueOwner,
    });
  }

  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([this.deps.cronJobs.waitForSync(signal), this.deps.jobs.waitForSync(signal)]);
    await runWorkers({ name: CRONJOB_CONTROLLER, queue: this.queue, workers, sync: (k) => this.sync(k), signal, logger: this.logger });
  }

  /** Reconciles one CronJob ("namespace/name"). */
  async sync(key: string): Promise<void> {
    const cached = this.deps.cronJobs.store.get(key);
    if (!cached) return;
    const cj = deepCopy(cached);
    const ns = cj.metadata?.namespace ?? '';
    const spec = cj.spec ?? {};
    const now = this.now();
    const prevStatus = deepCopy(cj.status ?? {});
    const status: batchV1.CronJobStatusJson = deepCopy(prevStatus);
    const jobs = this.deps.jobs.store.listByNamespace(ns).filter((j) => getControllerOf(j)?.uid === cj.metadata?.uid);

    // Reconcile status.active with the Jobs that exist.
    const active: ObjectReference[] = [...(status.active ?? [])];
    const inActive = (uid: string | undefined): boolean => active.some((r) => r.uid === uid);
    for (const j of jobs) {
      const finished = finishedType(j);
      if (!finished && !inActive(j.metadata?.uid)) {
        active.push(jobRef(j));
      } else if (finished && inActive(j.metadata?.uid)) {
        active.splice(active.findIndex((r) => r.uid === j.metadata?.uid), 1);
        this.deps.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata?.name ?? ''}, condition: ${finished}`);
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        if (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // Active entries whose Job is gone from the cache: ask the API before dropping them.
    for (const ref of [...active]) {
      if (jobs.some((j) => j.metadata?.uid === ref.uid)) continue;
      try {
        await this.deps.client.get(JOBS, ns, ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.deps.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
        active.splice(active.indexOf(ref), 1);
      }
    }
    status.active = active;

    try {
      if (cj.metadata?.deletionTimestamp) return;
      await this.cleanupFinishedJobs(cj, jobs);
      if (spec.suspend) return;
      let sched: CronSchedule;
      try {
        sched = parseCronSchedule(spec.schedule ?? '');
      } catch (err) {
        this.deps.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(err as Error).message}`);
        return;
      }
      const { scheduled, missed } = mostRecentScheduleTime(cj, status, now, sched);
      if (missed > MAX_MISSED) {
        this.deps.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
      }
      const requeue = (): void => this.queue.addAfter(key, nextScheduleDelay(cj, status, now, sched));
      if (!scheduled) {
        requeue();
        return;
      }
      const sds = spec.startingDeadlineSeconds;
      if (sds !== undefined && sds !== null && scheduled.getTime() + sds * 1000 < now.getTime()) {
        this.deps.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${scheduled.toUTCString()}`);
        requeue();
        return;
      }
      const name = jobName(cj, scheduled);
      if (active.some((r) => r.name === name) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled.getTime())) {
        requeue();
        return;
      }
      if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
        this.deps.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
        requeue();
        return;
      }
      if (spec.concurrencyPolicy === 'Replace') {
        for (const ref of [...active]) {
          await this.deleteJob(cj, ns, ref.name ?? '');
          active.splice(active.indexOf(ref), 1);
        }
      }
      let created: Job;
      try {
        created = await this.deps.client.create<Job>(JOBS, ns, jobFromTemplate(cj, scheduled));
      } catch (err) {
        if (isAlreadyExists(err)) {
          // Someone (an earlier run of ours) created it: the cache will show it.
          requeue();
          return;
        }
        this.deps.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      this.deps.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? ''}`);
      active.push(jobRef(created));
      status.lastScheduleTime = formatTime(scheduled);
      requeue();
    } finally {
      await this.writeStatus(cj, prevStatus, status);
    }
  }

  private async writeStatus(cj: CronJob, prev: batchV1.CronJobStatusJson, status: batchV1.CronJobStatusJson): Promise<void> {
    const norm = (s: batchV1.CronJobStatusJson): string => JSON.stringify({ ...s, active: s.active && s.active.length > 0 ? s.active : undefined });
    if (norm(prev) === norm(status)) return;
    const updated: CronJob = { ...cj, status: { ...status, ...(status.active && status.active.length === 0 ? { active: undefined } : {}) } };
    try {
      await this.deps.client.update(CRONJOBS, cj.metadata?.namespace ?? '', updated, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: Job[]): Promise<void> {
    const limits: Array<['Complete' | 'Failed', number | undefined]> = [
      ['Complete', cj.spec?.successfulJobsHistoryLimit ?? 3],
      ['Failed', cj.spec?.failedJobsHistoryLimit ?? 1],
    ];
    for (const [type, limit] of limits) {
      if (limit === undefined || limit === null) continue;
      const finished = jobs.filter((j) => finishedType(j) === type && !j.metadata?.deletionTimestamp);
      if (finished.length <= limit) continue;
      finished.sort((a, b) => startOf(a) - startOf(b));
      for (const j of finished.slice(0, finished.length - limit)) await this.deleteJob(cj, cj.metadata?.namespace ?? '', j.metadata?.name ?? '');
    }
  }

  private async deleteJob(cj: CronJob, ns: string, name: string): Promise<void> {
    try {
      await this.deps.client.delete(JOBS, ns, name, { propagationPolicy: 'Background' });
    } catch (err) {
      if (isNotFound(err)) return;
      this.deps.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      throw err;
    }
    this.deps.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
  }
}

/** `<cronjob>-<scheduled time in minutes since the epoch>` (upstream getJobName). */
export function jobName(cj: CronJob, scheduled: Date): string {
  return `${cj.metadata?.name ?? ''}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** The Job for one scheduled time: the template, the annotation, owned by the CronJob. */
export function jobFromTemplate(cj: CronJob, scheduled: Date): Job {
  const tpl = deepCopy(cj.spec?.jobTemplate ?? {});
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduled),
      namespace: cj.metadata?.namespace,
      ...(tpl.metadata?.labels ? { labels: tpl.metadata.labels } : {}),
      annotations: { ...(tpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatTime(scheduled) },
      ownerReferences: [newControllerRef(cj as KubeObject, 'batch/v1', 'CronJob')],
    },
    spec: tpl.spec ?? {},
  };
}

/**
 * The most recent schedule time that has passed and not been handled (upstream
 * mostRecentScheduleTime): counting from lastScheduleTime (or the creation time), but no
 * earlier than now − startingDeadlineSeconds.
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  status: batchV1.CronJobStatusJson,
  now: Date,
  sched: CronSchedule,
): { scheduled?: Date; missed: number } {
  let earliest = earliestTime(cj, status);
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null) earliest = Math.max(earliest, now.getTime() - sds * 1000);
  if (earliest > now.getTime()) return { missed: 0 };
  let t = sched.next(new Date(earliest));
  if (t.getTime() > now.getTime()) return { missed: 0 };
  let missed = 1;
  for (;;) {
    const n = sched.next(t);
    if (n.getTime() > now.getTime()) return { scheduled: t, missed };
    t = n;
    missed++;
    if (missed > 10_000) {
      // Far behind (a long outage): jump near now instead of walking every minute.
      const near = sched.next(new Date(now.getTime() - 366 * 24 * 3600 * 1000));
      if (near.getTime() > t.getTime()) t = near;
    }
  }
}

/** How long until the next schedule time after the last one handled, plus a little (upstream nextScheduleTimeDuration). */
export function nextScheduleDelay(cj: CronJob, status: batchV1.CronJobStatusJson, now: Date, sched: CronSchedule): number {
  const { scheduled } = mostRecentScheduleTime(cj, status, now, sched);
  const from = scheduled ?? new Date(Math.max(earliestTime(cj, status), now.getTime() - 60_000));
  let next = sched.next(from);
  if (next.getTime() <= now.getTime()) next = sched.next(now);
  return Math.max(0, next.getTime() - now.getTime()) + 100;
}

function earliestTime(cj: CronJob, status: batchV1.CronJobStatusJson): number {
  const t = status.lastScheduleTime ?? cj.metadata?.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

function finishedType(j: Job): 'Complete' | 'Failed' | undefined {
  const c = (j.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

function startOf(j: Job): number {
  const t = Date.parse(j.status?.startTime ?? j.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

function jobRef(j: Job): ObjectReference {
  return { kind: 'Job', namespace: j.metadata?.namespace, name: j.metadata?.name, uid: j.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata?.resourceVersion };
}

function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
