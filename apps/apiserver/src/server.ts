// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { createApiServer } from '@berth/grpc';
import { createMetricsRegistry, startHealthServer, type HealthServer, type Logger } from '@berth/observability';
import { Registry, type EventSource, type NodeExecSource, type NodeLogSource, type NodeStatsSource } from '@berth/registry';
import { EtcdStorage } from '@berth/storage';
import type { ApiserverConfig } from './config';
import { connectEventSource } from './nats-events';
import { natsNodeExec } from './node-exec';
import { natsNodeLogs } from './node-logs';
import { natsNodeStats } from './node-stats';
import { requestMetrics } from './request-metrics';

/** A running apiserver: its addresses and how to stop it. */
export interface RunningApiserver {
  /** host:port of the gRPC API. */
  address: string;
  healthPort: number;
  registry: Registry;
  stop(): Promise<void>;
}

/**
 * Starts the apiserver's components in order — storage, events, registry (watch caches,
 * system namespaces), the gRPC API, health — and stops them in reverse.
 */
export async function startApiserver(config: ApiserverConfig, logger: Logger): Promise<RunningApiserver> {
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.warn({ err }, 'error while stopping');
      }
    }
  };
  try {
    const storage = new EtcdStorage({ endpoints: config.etcdServers });
    stops.push(() => storage.close());
    let events: EventSource | undefined;
    let nodeLogs: NodeLogSource | undefined;
    let nodeExec: NodeExecSource | undefined;
    let nodeStats: NodeStatsSource | undefined;
    if (config.natsUrl) {
      const conn = await connectEventSource(config.natsUrl, logger);
      stops.push(() => conn.close());
      events = conn.source;
      nodeLogs = natsNodeLogs(conn.nc);
      nodeExec = natsNodeExec(conn.nc);
      nodeStats = natsNodeStats(conn.nc);
    } else {
      logger.warn('no --nats-url: the events resource, logs, exec and node stats are unavailable');
    }
    const registry = new Registry({
      storage,
      watchCacheCapacity: config.watchCacheSize,
      services: config.services,
      ...(events ? { events } : {}),
      ...(nodeLogs ? { nodeLogs } : {}),
      ...(nodeExec ? { nodeExec } : {}),
      ...(nodeStats ? { nodeStats } : {}),
      ...(config.advertise ? { advertise: config.advertise } : {}),
    });
    await registry.start();
    stops.push(() => registry.stop());
    if (config.advertise) {
      // Re-asserted periodically: another replica's write or a user's delete is repaired.
      const timer = setInterval(() => registry.reconcileKubernetesEndpoints().catch((err: unknown) => logger.warn({ err }, 'kubernetes endpoints')), 10_000);
      timer.unref();
      stops.push(() => clearInterval(timer));
    }
    const metrics = createMetricsRegistry('apiserver');
    const credentials = config.tls
      ? {
          cert: readFileSync(config.tls.certFile),
          key: readFileSync(config.tls.keyFile),
          ...(config.tls.clientCaFile ? { clientCa: readFileSync(config.tls.clientCaFile) } : {}),
        }
      : undefined;
    const api = await createApiServer({ backend: registry, address: config.bindAddress, tls: credentials, logger, observe: requestMetrics(metrics) });
    stops.push(() => api.stop());
    let ready = true;
    const health: HealthServer = await startHealthServer({ port: config.healthPort, metrics, ready: () => ready });
    stops.push(() => {
      ready = false;
      return health.close();
    });
    logger.info({ address: api.address, healthPort: health.port }, 'apiserver serving');
    return { address: api.address, healthPort: health.port, registry, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
