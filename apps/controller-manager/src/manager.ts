// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { InformerFactory, LeaderElector, type ApiClient } from '@berth/client';
import { allControllers, type ControllerDescriptor, type ControllerEventRecorder } from '@berth/controllers';
import { connectNats, createEventRecorder, NatsEventSink, type EventSink, type NatsConnection } from '@berth/events';
import { apiClientFromFiles } from '@berth/grpc';
import { createMetricsRegistry, startHealthServer, type HealthServer, type Logger } from '@berth/observability';
import { isControllerEnabled, validateControllers, type ControllerManagerConfig } from './config';
import { createControllerMetrics } from './manager-metrics';

/** A running controller-manager. */
export interface ControllerManager {
  readonly healthPort: number;
  /** Resolves when leadership is lost (the process should exit) or stop() was called. */
  readonly done: Promise<'lost' | 'stopped'>;
  stop(): Promise<void>;
}

/** The descriptors --controllers enables. */
export function enabledControllers(config: ControllerManagerConfig, all: readonly ControllerDescriptor[] = allControllers): ControllerDescriptor[] {
  validateControllers(config.controllers, all.map((c) => c.name));
  return all.filter((c) => isControllerEnabled(c.name, config.controllers));
}

/**
 * Wires the process: API client, health/metrics server, event sink, leader election, and
 * once leading one shared InformerFactory with every enabled controller started on it.
 */
export async function startControllerManager(config: ControllerManagerConfig, logger: Logger): Promise<ControllerManager> {
  const controllers = enabledControllers(config);
  const client: ApiClient & { close?: () => void } = apiClientFromFiles(config.apiservers, config.tls);
  const registry = createMetricsRegistry('controller-manager');
  const metrics = createControllerMetrics(registry);
  let leading = !config.leaderElect;
  let synced = false;
  const health: HealthServer = await startHealthServer({
    port: config.healthPort,
    metrics: registry,
    // A standby is ready too: it is doing its job, which is to wait.
    ready: () => !leading || synced,
  });
  logger.info({ healthPort: health.port, controllers: controllers.map((c) => c.name) }, 'controller-manager started');

  let nc: NatsConnection | undefined;
  let sink: EventSink = { write: () => {} };
  if (config.natsUrl) {
    nc = await connectNats(config.natsUrl, 'controller-manager');
    sink = new NatsEventSink({ nc, onError: (err) => logger.warn({ err }, 'event not published') });
  }
  const host = hostname();
  const recorder = (component: string): ControllerEventRecorder =>
    createEventRecorder({ component, host, sink, onError: (err) => logger.warn({ err, component }, 'event dropped') });

  const stopAll = new AbortController();
  let resolveDone: (v: 'lost' | 'stopped') => void = () => {};
  const done = new Promise<'lost' | 'stopped'>((r) => (resolveDone = r));

  const runControllers = async (signal: AbortSignal): Promise<void> => {
    leading = true;
    const informers = new InformerFactory(client, { logger });
    for (const c of controllers) {
      const log = logger.child({ controller: c.name });
      try {
        await c.start({ client, informers, recorder, logger: log, signal, options: { ...config.controllerOptions }, metrics });
        log.info({}, 'controller started');
      } catch (err) {
        log.error({ err }, 'controller failed to start');
      }
    }
    informers.start(signal);
    try {
      await informers.waitForSync(signal);
      synced = true;
      logger.info({}, 'informer caches synced');
    } catch {
      // aborted before syncing
    }
  };

  if (config.leaderElect) {
    const identity = `${host}_${randomUUID()}`;
    const elector = new LeaderElector({
      client,
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      logger,
      onStartedLeading: (signal) => {
        logger.info({ identity }, 'became leader; starting controllers');
        void runControllers(signal);
      },
      onStoppedLeading: () => {
        logger.warn({ identity }, 'leader election lost');
      },
      onNewLeader: (id) => {
        if (id !== identity) logger.info({ leader: id }, 'new leader elected');
      },
    });
    void elector.run(stopAll.signal).then(() => resolveDone(stopAll.signal.aborted ? 'stopped' : 'lost'));
  } else {
    void runControllers(stopAll.signal);
  }

  return {
    healthPort: health.port,
    done,
    async stop() {
      stopAll.abort();
      if (!config.leaderElect) resolveDone('stopped');
      await done;
      if (sink instanceof NatsEventSink) await sink.close(2000).catch(() => undefined);
      await nc?.close().catch(() => undefined);
      client.close?.();
      await health.close();
    },
  };
}
