// SPDX-License-Identifier: Apache-2.0
import { ExecIptables } from '@berth/iptables';
import { configOrExit, createLogger } from '@berth/observability';
import { cleanupRules } from './cleanup';
import { compileProxyConfig, ConfigError } from './config';
import { startKubeProxy } from './kube-proxy';

const logger = createLogger('kube-proxy');

async function main(): Promise<void> {
  const config = configOrExit(() => compileProxyConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  if (config.cleanup) {
    const n = await cleanupRules(new ExecIptables());
    logger.info({ chains: n }, 'removed kube-proxy rules');
    return;
  }
  const proxy = await startKubeProxy(config, logger);
  logger.info({ node: config.nodeName, healthPort: proxy.healthPort, dryRun: config.dryRun }, 'kube-proxy started');
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    // Rules stay in place on exit (as kube-proxy's do): services keep working across restarts.
    void proxy.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'kube-proxy failed');
  process.exit(1);
});
