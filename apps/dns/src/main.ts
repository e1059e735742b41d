// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { GrpcApiClient } from '@berth/grpc';
import { configOrExit, createLogger, createMetricsRegistry, startHealthServer } from '@berth/observability';
import { compileDnsConfig, ConfigError } from './config';
import { startDnsApp } from './dns-app';

const logger = createLogger('dns');

async function main(): Promise<void> {
  const config = configOrExit(() => compileDnsConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  const tls = config.tls
    ? {
        ca: readFileSync(config.tls.caFile),
        ...(config.tls.certFile ? { cert: readFileSync(config.tls.certFile) } : {}),
        ...(config.tls.keyFile ? { key: readFileSync(config.tls.keyFile) } : {}),
        ...(config.tls.serverName ? { serverName: config.tls.serverName } : {}),
      }
    : undefined;
  const client = new GrpcApiClient({ addresses: config.apiservers, ...(tls ? { tls } : {}) });
  const metrics = createMetricsRegistry('dns');
  const app = await startDnsApp(config, { client, logger, metrics });
  const health = await startHealthServer({ port: config.healthPort, host: config.healthHost, metrics, ready: () => app.ready() });
  logger.info({ healthPort: health.port, dnsPort: app.server.port }, 'started');
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void Promise.all([app.stop(), health.close()]).finally(() => {
      client.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'dns failed to start');
  process.exit(1);
});
