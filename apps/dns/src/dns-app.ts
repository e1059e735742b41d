// SPDX-License-Identifier: Apache-2.0
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { objectKey } from '@berth/api';
import { InformerFactory, silentLogger, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import {
  ClusterRecords,
  endpointsFromEndpoints,
  endpointsFromSlice,
  hostUpstreams,
  serviceInfoFromObject,
  startDnsServer,
  type DnsServer,
  type QueryEvent,
} from '@berth/dns-server';
import { Counter, Histogram, type Registry } from '@berth/observability';
import type { DnsConfig } from './config';

export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };
export const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
export const ENDPOINTS: ResourceType = { group: '', version: 'v1', resource: 'endpoints' };
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** What the app needs from outside: an API client, a logger and a metrics registry. */
export interface DnsAppDeps {
  client: ApiClient;
  logger?: ClientLogger;
  metrics?: Registry;
}

/** A running DNS add-on. */
export interface DnsApp {
  readonly server: DnsServer;
  readonly records: ClusterRecords;
  /** Which kind the endpoints come from. */
  readonly endpointsSource: 'endpointslices' | 'endpoints';
  /** The resolvers names outside the cluster domain go to ([] = refused). */
  readonly upstreams: string[];
  /** True once Services and endpoints have been listed (until then answers would be NXDOMAIN). */
  ready(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts cluster DNS: informers on Services and EndpointSlices (or Endpoints, when the API
 * has no EndpointSlices) feed a ClusterRecords, which the DNS server answers from. The DNS
 * port opens at once, but queries are only answered from a synced cache: until then the
 * readiness probe fails, so the kube-dns Service sends no traffic here.
 */
export async function startDnsApp(config: DnsConfig, deps: DnsAppDeps): Promise<DnsApp> {
  const logger = deps.logger ?? silentLogger;
  const records = new ClusterRecords();
  const ac = new AbortController();
  const factory = new InformerFactory(deps.client, { logger });

  const services = factory.informerFor<coreV1.ServiceJson>(SERVICES);
  services.addEventHandler({
    onAdd: (s) => records.upsertService(serviceInfoFromObject(s)),
    onUpdate: (_o, s) => records.upsertService(serviceInfoFromObject(s)),
    onDelete: (s) => records.deleteService(s.metadata?.namespace ?? '', s.metadata?.name ?? ''),
  });

  const endpointsSource = (await hasEndpointSlices(deps.client)) ? 'endpointslices' : 'endpoints';
  let endpoints: SharedInformer;
  if (endpointsSource === 'endpointslices') {
    const slices = factory.informerFor<discoveryV1.EndpointSliceJson>(ENDPOINT_SLICES);
    const set = (s: discoveryV1.EndpointSliceJson, eps: ReturnType<typeof endpointsFromSlice> | undefined): void => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc) records.setEndpoints(s.metadata?.namespace ?? '', svc, objectKey(s), eps);
    };
    slices.addEventHandler({
      onAdd: (s) => set(s, endpointsFromSlice(s)),
      onUpdate: (o, s) => {
        // The service-name label could change: drop the old contribution first.
        if (o.metadata?.labels?.[SERVICE_NAME_LABEL] !== s.metadata?.labels?.[SERVICE_NAME_LABEL]) set(o, undefined);
        set(s, endpointsFromSlice(s));
      },
      onDelete: (s) => set(s, undefined),
    });
    endpoints = slices as unknown as SharedInformer;
  } else {
    const eps = factory.informerFor<coreV1.EndpointsJson>(ENDPOINTS);
    const set = (e: coreV1.EndpointsJson, list: ReturnType<typeof endpointsFromEndpoints> | undefined): void =>
      records.setEndpoints(e.metadata?.namespace ?? '', e.metadata?.name ?? '', 'endpoints', list);
    eps.addEventHandler({
      onAdd: (e) => set(e, endpointsFromEndpoints(e)),
      onUpdate: (_o, e) => set(e, endpointsFromEndpoints(e)),
      onDelete: (e) => set(e, undefined),
    });
    endpoints = eps as unknown as SharedInformer;
  }

  const metrics = deps.metrics ? dnsMetrics(deps.metrics) : undefined;
  const upstreams = config.upstreams ?? withoutSelf(hostUpstreams(config.resolvConf), config);
  const server = await startDnsServer({
    records,
    zone: config.clusterDomain,
    ttl: config.ttl,
    host: config.listenHost,
    port: config.listenPort,
    upstreams,
    onQuery: metrics ? (e) => metrics.observe(e) : undefined,
    onError: (err) => logger.warn({ err }, 'query failed'),
  });
  factory.start(ac.signal);
  let synced = false;
  void Promise.all([services.waitForSync(ac.signal), endpoints.waitForSync(ac.signal)]).then(() => {
    if (ac.signal.aborted) return;
    synced = true;
    logger.info({ endpointsSource, services: services.store.list().length }, 'caches synced; answering from them');
  });
  logger.info({ listen: `${config.listenHost}:${server.port}`, zone: config.clusterDomain, upstreams, endpointsSource }, 'cluster DNS serving');
  return {
    server,
    records,
    endpointsSource,
    upstreams,
    ready: () => synced,
    stop: async () => {
      ac.abort();
      await server.close();
      await factory.stopped();
    },
  };
}

/** Whether the API serves discovery.k8s.io/v1 EndpointSlices (else Endpoints are read). */
async function hasEndpointSlices(client: ApiClient): Promise<boolean> {
  try {
    await client.list(ENDPOINT_SLICES, { limit: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Never forward to ourselves: a resolv.conf naming the cluster DNS address would loop. */
function withoutSelf(upstreams: string[], config: DnsConfig): string[] {
  const self = new Set([`${config.listenHost}:${config.listenPort}`, `10.96.0.10:${config.listenPort}`]);
  return upstreams.filter((u) => !self.has(u));
}

/** dns_requests_total{type,rcode,transport} and dns_request_duration_seconds. */
function dnsMetrics(registry: Registry): { observe(e: QueryEvent): void } {
  const requests = new Counter({ name: 'dns_requests_total', help: 'DNS queries answered, by question type, response code and transport.', labelNames: ['type', 'rcode', 'transport', 'forwarded'], registers: [registry] });
  const truncated = new Counter({ name: 'dns_truncated_responses_total', help: 'UDP responses sent with the TC bit.', registers: [registry] });
  const duration = new Histogram({
    name: 'dns_request_duration_seconds',
    help: 'Time from receiving a query to sending its response.',
    labelNames: ['forwarded'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 2.5],
    registers: [registry],
  });
  return {
    observe(e) {
      const forwarded = e.forwarded ? 'true' : 'false';
      requests.inc({ type: e.type, rcode: e.rcode, transport: e.transport, forwarded });
      duration.observe({ forwarded }, e.seconds);
      if (e.truncated) truncated.inc();
    },
  };
}
