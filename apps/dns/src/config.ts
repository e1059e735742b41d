// SPDX-License-Identifier: Apache-2.0
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

/** Everything the DNS add-on is configured with, after defaults and checks. */
export interface DnsConfig {
  /** apiserver replicas, host:port. */
  apiservers: string[];
  /** Without it the API connection is plaintext (--insecure, loopback tests only). */
  tls?: { caFile: string; certFile?: string; keyFile?: string; serverName?: string };
  /** Where DNS is served (UDP and TCP). */
  listenHost: string;
  listenPort: number;
  clusterDomain: string;
  /**
   * Resolvers for names outside the cluster domain: explicit (--upstream), or undefined to
   * read `resolvConf` at start; [] (--upstream none) refuses such names.
   */
  upstreams?: string[];
  resolvConf: string;
  ttl: number;
  /** /healthz, /readyz, /metrics (0 = any free port). */
  healthPort: number;
  healthHost: string;
  logLevel: string;
}

export class ConfigError extends Error {}

/**
 * Reads flags and BERTH_* environment variables. Pure, so every rule has a unit test.
 *
 * --apiserver host:port[,host:port]   (BERTH_APISERVER; default 127.0.0.1:6443)
 * --insecure | --tls-ca-file F [--tls-cert-file F --tls-key-file F] [--tls-server-name N]
 * --listen host:port                  (default 0.0.0.0:53)
 * --cluster-domain D                  (default cluster.local)
 * --upstream host[:port][,...] | none (default: the nameservers of --resolv-conf)
 * --resolv-conf F                     (default /etc/resolv.conf)
 * --ttl S                             (default 5)
 * --health-port P                     (default 8080), --health-host H (default 0.0.0.0)
 */
export function compileDnsConfig(argv: string[], env: Record<string, string | undefined>): DnsConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      apiserver: { type: 'string' },
      insecure: { type: 'boolean' },
      'tls-ca-file': { type: 'string' },
      'tls-cert-file': { type: 'string' },
      'tls-key-file': { type: 'string' },
      'tls-server-name': { type: 'string' },
      listen: { type: 'string' },
      'cluster-domain': { type: 'string' },
      upstream: { type: 'string' },
      'resolv-conf': { type: 'string' },
      ttl: { type: 'string' },
      'health-port': { type: 'string' },
      'health-host': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const apiservers = (values.apiserver ?? env['BERTH_APISERVER'] ?? '127.0.0.1:6443').split(',').map((s) => s.trim()).filter(Boolean);
  if (apiservers.length === 0 || !apiservers.every((a) => /^[^\s:]+:\d+$|^\[[^\]]+\]:\d+$/.test(a))) {
    throw new ConfigError(`--apiserver: invalid value "${values.apiserver ?? ''}": want host:port[,host:port]`);
  }
  const insecure = values.insecure ?? env['BERTH_INSECURE'] === 'true';
  const caFile = values['tls-ca-file'] ?? env['BERTH_TLS_CA_FILE'];
  const certFile = values['tls-cert-file'] ?? env['BERTH_TLS_CERT_FILE'];
  const keyFile = values['tls-key-file'] ?? env['BERTH_TLS_KEY_FILE'];
  if (!insecure && !caFile) throw new ConfigError('--tls-ca-file is required to verify the apiserver (or --insecure, for tests on loopback only)');
  if (!!certFile !== !!keyFile) throw new ConfigError('--tls-cert-file and --tls-key-file go together');

  const listen = values.listen ?? env['BERTH_DNS_LISTEN'] ?? '0.0.0.0:53';
  const lm = /^(.+):(\d+)$/.exec(listen);
  const listenPort = Number(lm?.[2]);
  if (!lm || !Number.isInteger(listenPort) || listenPort < 0 || listenPort > 65535) {
    throw new ConfigError(`--listen: invalid value "${listen}": want host:port`);
  }
  const clusterDomain = (values['cluster-domain'] ?? env['BERTH_CLUSTER_DOMAIN'] ?? 'cluster.local').replace(/^\.+|\.+$/g, '').toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(clusterDomain)) {
    throw new ConfigError(`--cluster-domain: invalid value "${clusterDomain}": want a DNS name like cluster.local`);
  }
  const upstreamFlag = values.upstream ?? env['BERTH_DNS_UPSTREAM'];
  let upstreams: string[] | undefined;
  if (upstreamFlag !== undefined) {
    upstreams = upstreamFlag === 'none' ? [] : upstreamFlag.split(',').map((s) => s.trim()).filter(Boolean);
    for (const u of upstreams) {
      const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(u) ?? /^([^:]+)(?::(\d+))?$/.exec(u) ?? [u, u, undefined];
      const port = m[2] === undefined ? 53 : Number(m[2]);
      if (isIP(m[1] ?? '') === 0 || port < 1 || port > 65535) {
        throw new ConfigError(`--upstream: invalid value "${u}": want an IP address with an optional :port, or none`);
      }
    }
  }
  const ttl = Number(values.ttl ?? env['BERTH_DNS_TTL'] ?? '5');
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new ConfigError(`--ttl: invalid value "${String(values.ttl)}": want 0-3600 seconds`);
  const healthPort = Number(values['health-port'] ?? env['BERTH_HEALTH_PORT'] ?? '8080');
  if (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535) {
    throw new ConfigError(`--health-port: invalid value "${String(values['health-port'])}": want 0-65535`);
  }
  return {
    apiservers,
    ...(insecure ? {} : { tls: { caFile: caFile ?? '', ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}), ...(values['tls-server-name'] ? { serverName: values['tls-server-name'] } : {}) } }),
    listenHost: (lm[1] ?? '').replace(/^\[|\]$/g, ''),
    listenPort,
    clusterDomain,
    ...(upstreams ? { upstreams } : {}),
    resolvConf: values['resolv-conf'] ?? '/etc/resolv.conf',
    ttl,
    healthPort,
    healthHost: values['health-host'] ?? '0.0.0.0',
    logLevel: values['log-level'] ?? env['BERTH_LOG_LEVEL'] ?? 'info',
  };
}
