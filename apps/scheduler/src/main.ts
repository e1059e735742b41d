// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { LeaderElector } from '@berth/client';
import { connectNats, createEventRecorder, createNatsEventRecorder, type EventRecorder } from '@berth/events';
import { apiClientFromFiles } from '@berth/grpc';
import { configOrExit, createLogger, createMetricsRegistry, startHealthServer } from '@berth/observability';
import { Scheduler, type SchedulerConfiguration } from '@berth/scheduler-framework';
import { parse as parseYaml } from 'yaml';
import { compileSchedulerAppConfig, ConfigError } from './config';
import { createSchedulerMetrics } from './metrics';

const logger = createLogger('scheduler');
const COMPONENT = 'default-scheduler';

async function main(): Promise<void> {
  const config = configOrExit(() => compileSchedulerAppConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  const schedConfig = (config.configFile ? parseYaml(readFileSync(config.configFile, 'utf8')) : {}) as SchedulerConfiguration;

  const client = apiClientFromFiles(config.apiservers, config.tls);

  let recorder: EventRecorder;
  let closeRecorder = async (): Promise<void> => {};
  if (config.natsUrl) {
    const nc = await connectNats(config.natsUrl, `scheduler-${config.identity}`);
    const nats = createNatsEventRecorder({ nc, component: COMPONENT, onError: (err) => logger.warn({ err }, 'event dropped') });
    recorder = nats;
    closeRecorder = async () => {
      await nats.close(2000);
      await nc.close();
    };
  } else {
    // Without NATS the events are only logged, so they are still visible somewhere.
    recorder = createEventRecorder({
      component: COMPONENT,
      sink: { write: (e) => logger.info({ event: { object: `${e.involvedObject.namespace}/${e.involvedObject.name}`, type: e.type, reason: e.reason, count: e.count } }, e.message) },
    });
  }

  const registry = createMetricsRegistry('scheduler');
  const metrics = createSchedulerMetrics(registry, schedConfig.schedulerName || COMPONENT);
  metrics.setLeader(false);
  const health = await startHealthServer({
    port: config.healthPort,
    metrics: registry,
    // A standby is ready too: it serves its purpose by waiting for the lease.
    ready: () => true,
  });
  logger.info({ healthPort: health.port, apiservers: config.apiservers, identity: config.identity, leaderElect: config.leaderElect }, 'scheduler starting');

  const stop = new AbortController();
  let stopping = false;
  const lead = async (signal: AbortSignal): Promise<void> => {
    const s = new Scheduler({ client, recorder, config: schedConfig, logger, observer: metrics.observer, parallelism: config.parallelism });
    metrics.setQueueSource(() => s.queue.lengths());
    metrics.setLeader(true);
    try {
      await s.run(signal);
    } finally {
      metrics.setQueueSource(undefined);
      metrics.setLeader(false);
    }
  };

  const shutdown = async (code: number): Promise<never> => {
    stopping = true;
    stop.abort();
    await done.catch(() => {});
    await Promise.allSettled([closeRecorder(), health.close()]);
    client.close();
    process.exit(code);
  };

  let done: Promise<void>;
  if (config.leaderElect) {
    const elector = new LeaderElector({
      client,
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      logger,
      onStartedLeading: (signal) => lead(signal),
      onStoppedLeading: () => {
        if (!stopping) {
          // Another process may already lead: stop at once (kube-scheduler exits too) and let the supervisor restart us as a standby.
          logger.error({ identity: config.identity }, 'leader election lost');
          void shutdown(1);
        }
      },
      onNewLeader: (id) => logger.info({ leader: id }, 'new leader'),
    });
    done = elector.run(stop.signal);
  } else {
    done = lead(stop.signal);
  }

  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'scheduler failed');
  process.exit(1);
});
