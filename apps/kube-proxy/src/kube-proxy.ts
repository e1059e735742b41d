// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { InformerFactory, type ApiClient, type ResourceType } from '@berth/client';
import { apiClientFromFiles } from '@berth/grpc';
import { ExecConntrack, ExecIptables, type Iptables } from '@berth/iptables';
import { createMetricsRegistry, startHealthServer, type Logger } from '@berth/observability';
import { isIPv4 } from '@berth/proxy-rules';
import type { ProxyConfig } from './config';
import { DryRunIptables } from './dry-run-iptables';
import { proxyMetrics } from './metrics';
import { setupNode } from './node-setup';
import { Proxier } from './proxier';

export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };
export const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

type Service = coreV1.ServiceJson & KubeObject;
type EndpointSlice = discoveryV1.EndpointSliceJson & KubeObject;
type Node = coreV1.NodeJson & KubeObject;

/** A running kube-proxy. */
export interface KubeProxy {
  proxier: Proxier;
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
 * Wires kube-proxy: informers on Services, EndpointSlices and Nodes → Proxier (every
 * change requests a sync; the bounded-frequency runner coalesces them) → iptables.
 */
export async function startKubeProxy(
  config: ProxyConfig,
  logger: Logger,
  deps: { client?: ApiClient; iptables?: Iptables } = {},
): Promise<KubeProxy> {
  const client =
    deps.client ??
    apiClientFromFiles(config.apiservers, config.tls);
  const iptables = deps.iptables ?? (config.dryRun ? new DryRunIptables() : new ExecIptables());
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
  const proxier = new Proxier({
    iptables,
    state: () => ({ services: services.store.list(), endpointSlices: slices.store.list() }),
    nodeIPs,
    clusterCidr: config.clusterCidr,
    masqueradeAll: config.masqueradeAll,
    localhostNodePorts: config.localhostNodePorts,
    ...(config.dryRun ? {} : { conntrack: new ExecConntrack() }),
    minSyncIntervalMs: config.minSyncPeriodMs,
    maxSyncIntervalMs: config.syncPeriodMs,
    onSync: (result, err) => {
      if (result) lastSuccess = Date.now();
      recordMetrics(result, err);
    },
    logger,
  });
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
    healthPort: health.port,
    stop: async () => {
      abort.abort();
      await proxier.stop();
      await health.close();
    },
  };
}
