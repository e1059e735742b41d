// SPDX-License-Identifier: Apache-2.0
import { configOrExit, createLogger } from '@berth/observability';
import { compileControllerManagerConfig, ConfigError } from './config';
import { startControllerManager } from './manager';

const logger = createLogger('controller-manager');

async function main(): Promise<void> {
  const config = configOrExit(() => compileControllerManagerConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  const manager = await startControllerManager(config, logger);
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void manager.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Lost leadership: exit so a restart stands by, never keep running controllers another leader runs.
  if ((await manager.done) === 'lost') {
    logger.error({}, 'leaderelection lost; exiting');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  if (err instanceof Error && err.name === 'ConfigError') {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(2);
  }
  logger.fatal({ err }, 'controller-manager failed to start');
  process.exit(1);
});
