// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { InformerFactory, type ApiClient, type ResourceType } from '@berth/client';
import { apiClientFromFiles } from '@berth/grpc';
import { ExecConntrack, ExecIptables, ExecNft, nftAvailable, type Conntrack, type Iptables, type Nft } from '@berth/iptables';
import { createMetricsRegistry, startHealthServer, type Logger } from '@berth/observability';
import { isIPv4 } from '@berth/proxy-rules';
import { cleanupNft, cleanupRules } from './cleanup';
import type { ProxyConfig, ProxyModeSetting } from './config';
import { DryRunIptables } from './dry-run-iptables';
import { DryRunNft } from './dry-run-nft';
import { proxyMetrics } from './metrics';
import { NftProxier } from './nft-proxier';
import { setupNode } from './node-setup';
import { Proxier } from './proxier';
import type { BaseProxierOptions, ProxierBase, ProxyMode } from './proxier-base';

export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };
export const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

type Service = coreV1.ServiceJson & KubeObject;
type EndpointSlice = discoveryV1.EndpointSliceJson & KubeObject;
type Node = coreV1.NodeJson & KubeObject;

/** A running kube-proxy. */
export interface KubeProxy {
  proxier: ProxierBase;
  mode: ProxyMode;
  healthPort: number;
  stop(): Promise<void>;
}

/** The node's IPv4 addresses from its status (InternalIP first), for node ports and tracing. */
export function nodeAddresses(node: coreV1.NodeJson | undefined): string[] {
  const addrs = node?.status?.addresses ?? [];
  const order = ['InternalIP', 'ExternalIP'];
  return addrs
    .filter((a) => order.includes(a.type ?? '') && isIPv4(a.address))
    .sort((a, b) => order.indexOf(a.type ?? '') - order.indexOf(b.type ?? ''))
    .map((a) => a.address as string);
}

/**
 * The backend to run: the configured one, or with "auto" nftables when `nft` runs (an
 * injected Nft counts as present), else iptables.
 */
export async function resolveProxyMode(setting: ProxyModeSetting, nftPresent: () => Promise<boolean> = () => nftAvailable()): Promise<ProxyMode> {
  if (setting !== 'auto') return setting;
  return (await nftPresent()) ? 'nftables' : 'iptables';
}

/**
 * Removes the rules of the mode not in use (as kube-proxy does at start): left over from a
 * run in the other mode, they would still catch service traffic and send it to endpoints
 * that may be long gone. Failures are logged, not fatal (the other tool may not be installed).
 */
async function cleanupOtherMode(mode: ProxyMode, iptables: Iptables, nft: Nft, logger: Logger): Promise<void> {
  try {
    if (mode === 'nftables') {
      const chains = await cleanupRules(iptables);
      if (chains > 0) logger.info({ chains }, 'removed the iptables mode’s leftover rules');
    } else if (await cleanupNft(nft)) {
      logger.info({}, 'removed the nftables mode’s leftover table');
    }
  } catch (err) {
    logger.warn({ err, mode }, 'could not check for the other proxy mode’s leftover rules');
  }
}

/**
 * Wires kube-proxy: informers on Services, EndpointSlices and Nodes → the proxier of the
 * chosen mode (every change requests a sync; the bounded-frequency runner coalesces them)
 * → nftables or iptables.
 */
export async function startKubeProxy(
  config: ProxyConfig,
  logger: Logger,
  deps: { client?: ApiClient; iptables?: Iptables; nft?: Nft; conntrack?: Conntrack } = {},
): Promise<KubeProxy> {
  const client =
    deps.client ??
    apiClientFromFiles(config.apiservers, config.tls);
  const iptables = deps.iptables ?? (config.dryRun ? new DryRunIptables() : new ExecIptables());
  const nft = deps.nft ?? (config.dryRun ? new DryRunNft() : new ExecNft());
  // A caller that injects one backend (a test) gets that one with "auto", and neither real
  // tool is run for it: never touch the host's rules on behalf of a fake.
  const injected = deps.iptables !== undefined || deps.nft !== undefined;
  const mode = await resolveProxyMode(
    config.proxyMode,
    injected ? () => Promise.resolve(deps.nft !== undefined) : undefined,
  );
  logger.info({ mode, setting: config.proxyMode }, 'proxy mode');
  if (!config.dryRun && (!injected || (deps.iptables && deps.nft))) await cleanupOtherMode(mode, iptables, nft, logger);
  if (!config.dryRun && !config.skipNodeSetup) {
    await setupNode({ serviceCidr: config.serviceCidr, localhostNodePorts: config.localhostNodePorts });
  }
  const registry = createMetricsRegistry('kube-proxy');
  const factory = new InformerFactory(client, { logger });
  const services = factory.informerFor<Service>(SERVICES);
  const slices = factory.informerFor<EndpointSlice>(ENDPOINT_SLICES);
  const nodes = factory.informerFor<Node>(NODES);
  const nodeIPs = (): string[] => nodeAddresses(nodes.store.list().find((n) => n.metadata?.name === config.nodeName));

  const recordMetrics = proxyMetrics(registry);
  let lastSuccess = Date.now();
  const common: BaseProxierOptions = {
    state: () => ({ services: services.store.list(), endpointSlices: slices.store.list() }),
    nodeIPs,
    clusterCidr: config.clusterCidr,
    nodeName: config.nodeName,
    masqueradeAll: config.masqueradeAll,
    localhostNodePorts: config.localhostNodePorts,
    ...(deps.conntrack ? { conntrack: deps.conntrack } : config.dryRun || injected ? {} : { conntrack: new ExecConntrack() }),
    minSyncIntervalMs: config.minSyncPeriodMs,
    maxSyncIntervalMs: config.syncPeriodMs,
    onSync: (result, err) => {
      if (result) lastSuccess = Date.now();
      recordMetrics(result, err);
    },
    logger,
  };
  const proxier: ProxierBase = mode === 'nftables' ? new NftProxier({ ...common, nft }) : new Proxier({ ...common, iptables });
  const changed = { onAdd: () => proxier.requestSync(), onUpdate: (a: KubeObject, b: KubeObject) => a !== b && proxier.requestSync(), onDelete: () => proxier.requestSync() };
  services.addEventHandler(changed);
  slices.addEventHandler(changed);
  let lastNodeIPs = '';
  nodes.addEventHandler({
    onAdd: () => checkNode(),
    onUpdate: () => checkNode(),
  });
  function checkNode(): void {
    const now = nodeIPs().join(',');
    if (now !== lastNodeIPs) {
      lastNodeIPs = now;
      proxier.requestSync();
    }
  }

  const abort = new AbortController();
  factory.start(abort.signal);
  const health = await startHealthServer({
    port: config.healthPort,
    host: '0.0.0.0',
    metrics: registry,
    // Healthy unless syncs have stopped succeeding for two full periods.
    healthy: () => Date.now() - lastSuccess < 2 * config.syncPeriodMs + 60_000,
    ready: () => proxier.isReady(),
  });
  await factory.waitForSync(abort.signal);
  logger.info({ services: services.store.list().length, slices: slices.store.list().length, nodeIPs: nodeIPs() }, 'caches synced');
  // Syncing before the caches are complete would delete the rules of every service not yet seen.
  proxier.start();

  return {
    proxier,
    mode,
    healthPort: health.port,
    stop: async () => {
      abort.abort();
      await proxier.stop();
      await health.close();
    },
  };
}
