// SPDX-License-Identifier: Apache-2.0
import { configOrExit, createLogger } from '@berth/observability';
import { compileApiserverConfig, ConfigError } from './config';
import { startApiserver } from './server';

const logger = createLogger('apiserver');

async function main(): Promise<void> {
  const config = configOrExit(() => compileApiserverConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  const server = await startApiserver(config, logger);
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'apiserver failed to start');
  process.exit(1);
});
