// SPDX-License-Identifier: Apache-2.0
import { parseArgs } from 'node:util';
import { parseGoDuration } from '@berth/api';

/** Everything the apiserver process is configured with, after defaults and checks. */
export interface ApiserverConfig {
  /** gRPC listen address, host:port. */
  bindAddress: string;
  /** Where pods reach this apiserver: the `kubernetes` Service's endpoint (--advertise-address). */
  advertise?: { ip: string; port: number };
  /** Health and metrics HTTP port (0 = any). */
  healthPort: number;
  etcdServers: string[];
  /** NATS URL for the Events stream; empty disables events. */
  natsUrl: string;
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  /**
   * PEM key verifying service-account tokens (--service-account-key-file: SPKI public or
   * PKCS#8 private key). Set, callers may authenticate with a bearer token instead of a
   * client certificate; it needs TLS with a client CA.
   */
  serviceAccountKeyFile?: string;
  /**
   * PEM private key the TokenRequest API signs bound tokens with
   * (--service-account-signing-key-file); its public half must be among the keys of
   * --service-account-key-file. Without it serviceaccounts/<name>/token is not served.
   */
  serviceAccountSigningKeyFile?: string;
  /** The `iss` of bound tokens (--service-account-issuer; default https://kubernetes.default.svc.cluster.local). */
  serviceAccountIssuer?: string;
  /** Audiences the apiserver accepts bound tokens for, and gives tokens by default (--api-audiences; default: the issuer). */
  apiAudiences?: string[];
  /**
   * --authorization-mode: AlwaysAllow (the default, as in kube-apiserver) or RBAC, which
   * needs authenticated callers (TLS with a client CA).
   */
  authorizationMode?: 'AlwaysAllow' | 'RBAC';
  logLevel: string;
  /** Events kept per resource for resuming watches (kube-apiserver's --default-watch-cache-size). */
  watchCacheSize: number;
  /** How often etcd's history is compacted (kube-apiserver's --etcd-compaction-interval, default 5 minutes); 0: never. */
  etcdCompactionIntervalMs?: number;
  services?: { serviceCidr: string; nodePortRange: [number, number]; loadBalancerCidr?: string };
}

export class ConfigError extends Error {}

/** kube-apiserver's default --etcd-compaction-interval. */
export const DEFAULT_ETCD_COMPACTION_INTERVAL = '5m';

/** kube-apiserver's usual --service-account-issuer. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * Reads flags (kube-apiserver's names where they exist) and BERTH_* environment variables.
 * Pure: no I/O, so every rule has a unit test.
 */
export function compileApiserverConfig(argv: string[], env: Record<string, string | undefined>): ApiserverConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'bind-address': { type: 'string' },
      'advertise-address': { type: 'string' },
      'health-port': { type: 'string' },
      'etcd-servers': { type: 'string' },
      'nats-url': { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'client-ca-file': { type: 'string' },
      'service-account-key-file': { type: 'string' },
      'service-account-signing-key-file': { type: 'string' },
      'service-account-issuer': { type: 'string' },
      'api-audiences': { type: 'string' },
      'authorization-mode': { type: 'string' },
      insecure: { type: 'boolean' },
      'log-level': { type: 'string' },
      'default-watch-cache-size': { type: 'string' },
      'etcd-compaction-interval': { type: 'string' },
      'service-cluster-ip-range': { type: 'string' },
      'service-node-port-range': { type: 'string' },
      'load-balancer-ip-range': { type: 'string' },
    },
  });
  const bindAddress = values['bind-address'] ?? env['BERTH_BIND_ADDRESS'] ?? '127.0.0.1:6443';
  if (!/^[^:]+:\d+$/.test(bindAddress)) throw new ConfigError(`--bind-address: invalid value "${bindAddress}": want host:port`);
  const bindHost = bindAddress.slice(0, bindAddress.lastIndexOf(':'));
  // Kubernetes' default: the bind address, unless it is a wildcard or loopback (pods can't reach those).
  const advertise = values['advertise-address'] ?? env['BERTH_ADVERTISE_ADDRESS'] ?? (/^(0\.0\.0\.0|127\.|localhost$)/.test(bindHost) ? '' : bindHost);
  if (advertise && !/^(\d{1,3}\.){3}\d{1,3}$/.test(advertise)) throw new ConfigError(`--advertise-address: invalid value "${advertise}": want an IPv4 address`);
  const healthPort = Number(values['health-port'] ?? env['BERTH_HEALTH_PORT'] ?? '0');
  if (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535) {
    throw new ConfigError(`--health-port: invalid value "${String(values['health-port'])}": want 0-65535`);
  }
  const etcd = values['etcd-servers'] ?? env['BERTH_ETCD_SERVERS'] ?? 'http://127.0.0.1:2379';
  const etcdServers = etcd.split(',').map((s) => s.trim()).filter(Boolean);
  if (etcdServers.length === 0) throw new ConfigError('--etcd-servers: at least one etcd address is required');
  const certFile = values['tls-cert-file'] ?? env['BERTH_TLS_CERT_FILE'];
  const keyFile = values['tls-private-key-file'] ?? env['BERTH_TLS_KEY_FILE'];
  const clientCaFile = values['client-ca-file'] ?? env['BERTH_CLIENT_CA_FILE'];
  const insecure = values.insecure ?? env['BERTH_INSECURE'] === 'true';
  if (!insecure && (!certFile || !keyFile)) {
    throw new ConfigError('--tls-cert-file and --tls-private-key-file are required (or --insecure, for tests on loopback only)');
  }
  const serviceAccountKeyFile = values['service-account-key-file'] ?? env['BERTH_SERVICE_ACCOUNT_KEY_FILE'];
  // Tokens are an alternative to client certificates: without TLS or a client CA there is
  // nothing to authenticate against and the flag would silently do nothing.
  if (serviceAccountKeyFile && (insecure || !clientCaFile)) {
    throw new ConfigError('--service-account-key-file needs TLS with --client-ca-file (callers authenticate with a client certificate or a service-account token)');
  }
  const serviceAccountSigningKeyFile = values['service-account-signing-key-file'] ?? env['BERTH_SERVICE_ACCOUNT_SIGNING_KEY_FILE'];
  if (serviceAccountSigningKeyFile && !serviceAccountKeyFile) {
    throw new ConfigError('--service-account-signing-key-file needs --service-account-key-file (the keys bound tokens are verified with)');
  }
  const serviceAccountIssuer = values['service-account-issuer'] ?? env['BERTH_SERVICE_ACCOUNT_ISSUER'] ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  const apiAudiences = (values['api-audiences'] ?? env['BERTH_API_AUDIENCES'] ?? serviceAccountIssuer).split(',').map((a) => a.trim()).filter(Boolean);
  const authorizationMode = authorizationModeOf(values['authorization-mode'] ?? env['BERTH_AUTHORIZATION_MODE'] ?? 'AlwaysAllow');
  if (authorizationMode === 'RBAC' && (insecure || !clientCaFile)) {
    throw new ConfigError('--authorization-mode RBAC needs authenticated callers: TLS with --client-ca-file');
  }
  if (insecure && !/^(127\.|localhost:|\[::1\]:)/.test(bindAddress)) {
    throw new ConfigError(`--insecure serves plaintext and is allowed on loopback only, not on ${bindAddress}`);
  }
  const watchCacheSize = Number(values['default-watch-cache-size'] ?? env['BERTH_WATCH_CACHE_SIZE'] ?? '10000');
  if (!Number.isInteger(watchCacheSize) || watchCacheSize < 1) {
    throw new ConfigError(`--default-watch-cache-size: invalid value "${String(values['default-watch-cache-size'])}": want a positive integer`);
  }
  const compaction = values['etcd-compaction-interval'] ?? env['BERTH_ETCD_COMPACTION_INTERVAL'] ?? DEFAULT_ETCD_COMPACTION_INTERVAL;
  const etcdCompactionIntervalMs = parseGoDuration(compaction);
  if (etcdCompactionIntervalMs === undefined) {
    throw new ConfigError(`--etcd-compaction-interval: invalid duration "${compaction}": want e.g. 5m, 300s, or 0 to never compact`);
  }
  const serviceCidr = values['service-cluster-ip-range'] ?? env['BERTH_SERVICE_CIDR'] ?? '10.96.0.0/12';
  if (!/^\d+\.\d+\.\d+\.\d+\/([89]|[12]\d)$/.test(serviceCidr)) {
    throw new ConfigError(`--service-cluster-ip-range: invalid value "${serviceCidr}": want an IPv4 CIDR with a prefix of /8 to /29`);
  }
  const portRange = values['service-node-port-range'] ?? env['BERTH_NODE_PORT_RANGE'] ?? '30000-32767';
  const pr = /^(\d+)-(\d+)$/.exec(portRange);
  if (!pr || Number(pr[1]) < 1 || Number(pr[2]) > 65535 || Number(pr[1]) > Number(pr[2])) {
    throw new ConfigError(`--service-node-port-range: invalid value "${portRange}": want a range like 30000-32767`);
  }
  const loadBalancerCidr = values['load-balancer-ip-range'] ?? env['BERTH_LOAD_BALANCER_CIDR'];
  return {
    bindAddress,
    ...(advertise ? { advertise: { ip: advertise, port: Number(bindAddress.slice(bindAddress.lastIndexOf(':') + 1)) } } : {}),
    watchCacheSize,
    etcdCompactionIntervalMs,
    services: { serviceCidr, nodePortRange: [Number(pr[1]), Number(pr[2])], ...(loadBalancerCidr ? { loadBalancerCidr } : {}) },
    healthPort,
    etcdServers,
    natsUrl: values['nats-url'] ?? env['BERTH_NATS_URL'] ?? '',
    ...(insecure ? {} : { tls: { certFile: certFile ?? '', keyFile: keyFile ?? '', ...(clientCaFile ? { clientCaFile } : {}) } }),
    ...(serviceAccountKeyFile ? { serviceAccountKeyFile } : {}),
    ...(serviceAccountSigningKeyFile ? { serviceAccountSigningKeyFile } : {}),
    serviceAccountIssuer,
    apiAudiences,
    authorizationMode,
    logLevel: values['log-level'] ?? env['BERTH_LOG_LEVEL'] ?? 'info',
  };
}

/**
 * kube-apiserver takes an ordered list of modes. Berth has two, and one at a time: RBAC
 * (nodes are granted through the system:nodes group, so there is no Node mode) or AlwaysAllow.
 */
function authorizationModeOf(value: string): 'AlwaysAllow' | 'RBAC' {
  const modes = value.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 1 && (modes[0] === 'RBAC' || modes[0] === 'AlwaysAllow')) return modes[0];
  throw new ConfigError(`--authorization-mode: invalid value "${value}": want RBAC or AlwaysAllow (Berth grants nodes through RBAC's system:nodes group; there is no Node mode)`);
}
