// SPDX-License-Identifier: Apache-2.0
import { Counter, Gauge, Histogram, type Registry } from '@berth/observability';
import type { AttemptResult, QueueLengths, SchedulerObserver } from '@berth/scheduler-framework';

/** The scheduler's Prometheus metrics (kube-scheduler's names). */
export interface SchedulerMetrics {
  observer: SchedulerObserver;
  /** Where scheduler_pending_pods reads the queue sizes (the leading scheduler's queue, or none). */
  setQueueSource(fn: (() => QueueLengths) | undefined): void;
  setLeader(leading: boolean): void;
}

export function createSchedulerMetrics(registry: Registry, profile: string): SchedulerMetrics {
  const attempts = new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: 'Number of attempts to schedule pods, by the result.',
    labelNames: ['result', 'profile'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'scheduler_scheduling_attempt_duration_seconds',
    help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding).',
    labelNames: ['result', 'profile'],
    buckets: Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
    registers: [registry],
  });
  let source: (() => QueueLengths) | undefined;
  new Gauge({
    name: 'scheduler_pending_pods',
    help: 'Number of pending pods, by the queue type.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      const l = source?.() ?? { active: 0, backoff: 0, unschedulable: 0 };
      this.set({ queue: 'active' }, l.active);
      this.set({ queue: 'backoff' }, l.backoff);
      this.set({ queue: 'unschedulable' }, l.unschedulable);
    },
  });
  const leader = new Gauge({
    name: 'leader_election_master_status',
    help: 'Whether this process leads (1) or stands by (0).',
    labelNames: ['name'],
    registers: [registry],
  });
  return {
    observer: {
      attempt(result: AttemptResult, seconds: number) {
        attempts.inc({ result, profile });
        duration.observe({ result, profile }, seconds);
      },
    },
    setQueueSource(fn) {
      source = fn;
    },
    setLeader(leading) {
      leader.set({ name: 'berth-scheduler' }, leading ? 1 : 0);
    },
  };
}
