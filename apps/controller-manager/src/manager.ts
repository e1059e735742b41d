// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { InformerFactory, LeaderElector, type ApiClient } from '@berth/client';
import { allControllers, type ControllerDescriptor, type ControllerEventRecorder } from '@berth/controllers';
import { connectNats, createEventRecorder, NatsEventSink, type EventSink, type NatsConnection } from '@berth/events';
import { apiClientFromFiles } from '@berth/grpc';
import { createMetricsRegistry, startHealthServer, type HealthServer, type Logger } from '@berth/observability';
import { ConfigError, isControllerEnabled, validateControllers, type ControllerManagerConfig } from './config';
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

/** What the controllers get from files (they do no I/O): ControllerContext.options' PEM strings. */
export interface ControllerFileOptions {
  /** --service-account-private-key-file's content, for the token controller. */
  serviceAccountPrivateKey?: string;
  /** --root-ca-file's content, written into token Secrets as ca.crt. */
  rootCa?: string;
}

/**
 * Reads the files the flags name, once at start, as kube-controller-manager does; an
 * unreadable file fails the start naming its flag.
 */
export async function readControllerFiles(
  config: Pick<ControllerManagerConfig, 'serviceAccountPrivateKeyFile' | 'rootCaFile'>,
  read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
): Promise<ControllerFileOptions> {
  const load = async (flag: string, path: string | undefined): Promise<string | undefined> => {
    if (!path) return undefined;
    try {
      return await read(path);
    } catch (err) {
      throw new ConfigError(`--${flag}: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const serviceAccountPrivateKey = await load('service-account-private-key-file', config.serviceAccountPrivateKeyFile);
  const rootCa = await load('root-ca-file', config.rootCaFile);
  return { ...(serviceAccountPrivateKey !== undefined ? { serviceAccountPrivateKey } : {}), ...(rootCa !== undefined ? { rootCa } : {}) };
}

/**
 * Wires the process: API client, health/metrics server, event sink, leader election, and
 * once leading one shared InformerFactory with every enabled controller started on it.
 */
export async function startControllerManager(config: ControllerManagerConfig, logger: Logger): Promise<ControllerManager> {
  const controllers = enabledControllers(config);
  const files = await readControllerFiles(config);
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
        await c.start({ client, informers, recorder, logger: log, signal, options: { ...config.controllerOptions, ...files }, metrics });
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
