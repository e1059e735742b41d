// SPDX-License-Identifier: Apache-2.0
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { alwaysAllow, type ApiBackend, type Authorizer } from '@berth/api';
import { AuthorizingBackend, bootstrapClusterRoleBindings, bootstrapClusterRoles, ensureBootstrapPolicy, RbacAuthorizer, withPrivilegedGroup, type PolicySource } from '@berth/authorization';
import { signBoundServiceAccountToken } from '@berth/certs';
import { createApiServer } from '@berth/grpc';
import { createMetricsRegistry, startHealthServer, type HealthServer, type Logger } from '@berth/observability';
import { Registry, type TokenIssuer, type EventSource, type NodeExecSource, type NodeLogSource, type NodeStatsSource } from '@berth/registry';
import { EtcdStorage, startCompactor } from '@berth/storage';
import { createAuthenticator, parseServiceAccountKey } from './authenticator';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, type ApiserverConfig } from './config';
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
    const compactionMs = config.etcdCompactionIntervalMs ?? 5 * 60_000;
    if (compactionMs > 0) {
      stops.push(startCompactor(storage, { intervalMs: compactionMs, onError: (err) => logger.warn({ err }, 'etcd compaction failed') }));
    }
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
    // RBAC reads its policy from the registry's watch caches (filled by registry.start()).
    const rbac = config.authorizationMode === 'RBAC' ? new RbacAuthorizer(registryPolicySource(() => registry)) : undefined;
    const authorizer: Authorizer = rbac ? withPrivilegedGroup(rbac) : alwaysAllow;
    const issuer = config.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    const audiences = config.apiAudiences ?? [issuer];
    const registry: Registry = new Registry({
      storage,
      authorizer,
      ...(config.serviceAccountSigningKeyFile ? { tokenIssuer: tokenIssuer(readSigningKey(config.serviceAccountSigningKeyFile), issuer, audiences) } : {}),
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
    if (rbac) await ensureBootstrapPolicy(registry, bootstrapClusterRoles(), bootstrapClusterRoleBindings());
    const backend: ApiBackend = new AuthorizingBackend(registry, {
      authorizer,
      ...(rbac ? { rules: rbac, nodeRestriction: (namespace: string, name: string) => registry.lookup('pods', namespace, name) } : {}),
      onDenied: (a) => logger.info({ user: a.user.name, groups: a.user.groups, verb: a.verb, group: a.apiGroup, resource: a.resource, subresource: a.subresource, namespace: a.namespace, name: a.name }, 'RBAC: denied'),
    });
    if (config.advertise) {
      // Re-asserted periodically: another replica's write or a user's delete is repaired.
      const timer = setInterval(() => registry.reconcileKubernetesEndpoints().catch((err: unknown) => logger.warn({ err }, 'kubernetes endpoints')), 10_000);
      timer.unref();
      stops.push(() => clearInterval(timer));
    }
    const metrics = createMetricsRegistry('apiserver');
    const clientCa = config.tls?.clientCaFile ? readFileSync(config.tls.clientCaFile) : undefined;
    // Every call is authenticated once there is a client CA (authenticator.ts). With a
    // service-account key, a caller without a client certificate gets past TLS and must show
    // a token instead; without one, TLS turns away callers without a certificate of the CA.
    const lookup = (resource: 'serviceaccounts' | 'pods' | 'secrets', namespace: string, name: string) => registry.lookup(resource, namespace, name);
    const authenticate = clientCa
      ? createAuthenticator({
          clientCa,
          ...(config.serviceAccountKeyFile
            ? {
                serviceAccountKey: readServiceAccountKey(config.serviceAccountKeyFile),
                getSecret: (namespace: string, name: string) => lookup('secrets', namespace, name),
                boundTokens: { issuer, audiences, lookup },
              }
            : {}),
        })
      : undefined;
    const credentials = config.tls
      ? {
          cert: readFileSync(config.tls.certFile),
          key: readFileSync(config.tls.keyFile),
          ...(clientCa ? { clientCa } : {}),
          ...(config.serviceAccountKeyFile ? { clientCertOptional: true } : {}),
        }
      : undefined;
    const api = await createApiServer({
      backend,
      address: config.bindAddress,
      tls: credentials,
      logger,
      observe: requestMetrics(metrics),
      ...(authenticate ? { authenticate } : {}),
    });
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

/** Signs bound tokens for the TokenRequest API. */
function tokenIssuer(key: KeyObject, issuer: string, audiences: string[]): TokenIssuer {
  return {
    audiences,
    issue: (claims, forAudiences, expirationSeconds) => signBoundServiceAccountToken(claims, key, { issuer, audiences: forAudiences, expirationSeconds }),
  };
}

function readSigningKey(file: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file));
  } catch (err) {
    throw new Error(`--service-account-signing-key-file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function readServiceAccountKey(file: string): KeyObject {
  try {
    return parseServiceAccountKey(readFileSync(file));
  } catch (err) {
    throw new Error(`--service-account-key-file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}


/** RBAC's policy, as the registry's watch caches have it. */
function registryPolicySource(registry: () => Registry): PolicySource {
  const rbac = (resource: string) => registry().store('rbac.authorization.k8s.io', resource);
  return {
    clusterRoleBindings: () => rbac('clusterrolebindings').listCached(''),
    roleBindings: (namespace) => rbac('rolebindings').listCached(namespace),
    clusterRole: (name) => rbac('clusterroles').getCached('', name),
    role: (namespace, name) => rbac('roles').getCached(namespace, name),
  };
}
