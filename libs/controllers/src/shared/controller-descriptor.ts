// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { ApiClient, ClientLogger, InformerFactory } from '@berth/client';

/** The type of an event, as Kubernetes has it. */
export type ControllerEventType = 'Normal' | 'Warning';

/**
 * What a controller needs to report events. Structurally the same as @berth/events'
 * EventRecorder (this library does no I/O of its own, so it does not depend on it).
 */
export interface ControllerEventRecorder {
  event(obj: KubeObject, type: ControllerEventType, reason: string, message: string): void;
  eventf(obj: KubeObject, type: ControllerEventType, reason: string, fmt: string, ...args: unknown[]): void;
}

/**
 * Everything the controller-manager hands each controller: one API client and one shared
 * InformerFactory for all of them (so each kind is watched once), an event recorder per
 * component name, a logger, and the signal that stops it (leadership lost or SIGTERM).
 */
export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  /** Recorder whose events say `From: <component>`, e.g. recorder('replicaset-controller'). */
  recorder: (component: string) => ControllerEventRecorder;
  logger: ClientLogger;
  signal: AbortSignal;
  /**
   * Per-controller settings from flags, e.g. podEvictionTimeoutSeconds, clusterCidr,
   * nodeMonitorGracePeriodSeconds, workers. Controllers read what they know and ignore the rest.
   */
  options: Record<string, unknown>;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
  /** Where queue depth and sync durations go (the manager's /metrics); absent in tests. */
  metrics?: ControllerMetrics;
}

/** Metrics hooks the manager provides; see runController in ./run-controller. */
export interface ControllerMetrics {
  /** Reports a queue's depth on every scrape. */
  registerQueue(controller: string, depth: () => number): void;
  /** One sync of one key took `seconds`; `ok` false when it threw. */
  observeSync(controller: string, seconds: number, ok: boolean): void;
}

/** One controller the controller-manager can run (selected with --controllers). */
export interface ControllerDescriptor {
  /** The name in --controllers and in logs, e.g. 'replicaset-controller'. */
  name: string;
  /**
   * Registers informer handlers and starts the workers; returns once started (the workers
   * run until ctx.signal aborts). The manager starts the informer factory after every
   * controller's start has returned.
   */
  start(ctx: ControllerContext): Promise<void>;
}
