// SPDX-License-Identifier: Apache-2.0
import { ExecIptables, ExecNft } from '@berth/iptables';
import { configOrExit, createLogger } from '@berth/observability';
import { cleanupNft, cleanupRules } from './cleanup';
import { compileProxyConfig, ConfigError } from './config';
import { startKubeProxy } from './kube-proxy';

const logger = createLogger('kube-proxy');

/** True for "the binary is not installed" (spawn ENOENT): then that mode left nothing behind. */
function notInstalled(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** --cleanup: remove what either mode wrote (as kube-proxy's CleanupLeftovers); true when all went well. */
async function cleanup(): Promise<boolean> {
  let ok = true;
  try {
    const removed = await cleanupNft(new ExecNft());
    logger.info({ removed }, 'nftables: table ip kube-proxy');
  } catch (err) {
    if (notInstalled(err)) logger.info({}, 'nftables: nft is not installed, nothing to remove');
    else {
      ok = false;
      logger.error({ err }, 'could not remove the nftables table');
    }
  }
  try {
    const chains = await cleanupRules(new ExecIptables());
    logger.info({ chains }, 'iptables: removed kube-proxy chains');
  } catch (err) {
    if (notInstalled(err)) logger.info({}, 'iptables: iptables is not installed, nothing to remove');
    else {
      ok = false;
      logger.error({ err }, 'could not remove the iptables rules');
    }
  }
  return ok;
}

async function main(): Promise<void> {
  const config = configOrExit(() => compileProxyConfig(process.argv.slice(2), process.env), ConfigError);
  logger.level = config.logLevel;
  if (config.cleanup) {
    if (!(await cleanup())) process.exitCode = 1;
    return;
  }
  const proxy = await startKubeProxy(config, logger);
  logger.info({ node: config.nodeName, mode: proxy.mode, healthPort: proxy.healthPort, dryRun: config.dryRun }, 'kube-proxy started');
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
