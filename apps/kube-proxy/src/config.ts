// SPDX-License-Identifier: Apache-2.0
import { parseArgs } from 'node:util';

/** Everything kube-proxy is configured with, after defaults and checks. */
export interface ProxyConfig {
  /** apiserver addresses, host:port. */
  apiservers: string[];
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  nodeName: string;
  clusterCidr: string;
  serviceCidr: string;
  healthPort: number;
  /** Minimum time between syncs (kube-proxy --iptables-min-sync-period). */
  minSyncPeriodMs: number;
  /** Full resync period (kube-proxy --iptables-sync-period / --sync-period). */
  syncPeriodMs: number;
  masqueradeAll: boolean;
  /** Node ports answer on 127.0.0.1 (sets net.ipv4.conf.all.route_localnet=1). */
  localhostNodePorts: boolean;
  /**
   * The backend (kube-proxy --proxy-mode): "nftables" (table ip kube-proxy, one `nft -f`
   * per sync) or "iptables" (iptables-restore). "auto", the default, is nftables when the
   * `nft` binary runs, else iptables; it is decided at start (that needs I/O).
   */
  proxyMode: ProxyModeSetting;
  /** Print the restore / nft text instead of applying it (development without root). */
  dryRun: boolean;
  /** Skip sysctls and the service-CIDR dummy route (tests that set up the node themselves). */
  skipNodeSetup: boolean;
  /** Remove every rule and chain kube-proxy made, then exit (kube-proxy --cleanup). */
  cleanup: boolean;
  logLevel: string;
}

export class ConfigError extends Error {}

/** --proxy-mode values, plus "auto" when the flag is not given. */
export type ProxyModeSetting = 'iptables' | 'nftables' | 'auto';

/** The values --proxy-mode accepts (kube-proxy's names; ipvs and kernelspace are not built). */
export const PROXY_MODES = ['iptables', 'nftables'] as const;

/** Parses "1s", "500ms", "1h", "90" (seconds) into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new ConfigError(`${flag}: invalid duration "${text}": want e.g. 1s, 500ms, 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

/** Reads flags (kube-proxy's names where they exist) and BERTH_* variables. Pure. */
export function compileProxyConfig(argv: string[], env: Record<string, string | undefined>): ProxyConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      apiserver: { type: 'string' },
      'certificate-authority': { type: 'string' },
      'client-certificate': { type: 'string' },
      'client-key': { type: 'string' },
      insecure: { type: 'boolean' },
      'node-name': { type: 'string' },
      'hostname-override': { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'service-cidr': { type: 'string' },
      'health-port': { type: 'string' },
      'sync-period': { type: 'string' },
      'min-sync-period': { type: 'string' },
      'masquerade-all': { type: 'boolean' },
      'localhost-nodeports': { type: 'boolean' },
      'proxy-mode': { type: 'string' },
      'iptables-dry-run': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'skip-node-setup': { type: 'boolean' },
      cleanup: { type: 'boolean' },
      'log-level': { type: 'string' },
    },
  });
  const apiserver = values.apiserver ?? env['BERTH_APISERVER'] ?? '127.0.0.1:6443';
  const apiservers = apiserver.split(',').map((s) => s.trim()).filter(Boolean);
  for (const a of apiservers) if (!/^[^:]+:\d+$/.test(a)) throw new ConfigError(`--apiserver: invalid address "${a}": want host:port`);
  const caFile = values['certificate-authority'] ?? env['BERTH_CA_FILE'];
  const certFile = values['client-certificate'] ?? env['BERTH_CLIENT_CERT_FILE'];
  const keyFile = values['client-key'] ?? env['BERTH_CLIENT_KEY_FILE'];
  const insecure = values.insecure ?? env['BERTH_INSECURE'] === 'true';
  const cleanup = values.cleanup ?? false;
  if (!insecure && !caFile && !cleanup) throw new ConfigError('--certificate-authority is required (or --insecure, for tests on loopback only)');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('--client-certificate and --client-key go together');
  const nodeName = values['node-name'] ?? values['hostname-override'] ?? env['BERTH_NODE_NAME'] ?? env['HOSTNAME'] ?? '';
  if (!nodeName && !cleanup) throw new ConfigError('--node-name is required');
  const clusterCidr = values['cluster-cidr'] ?? env['BERTH_CLUSTER_CIDR'] ?? '10.244.0.0/16';
  if (!CIDR.test(clusterCidr)) throw new ConfigError(`--cluster-cidr: invalid value "${clusterCidr}": want an IPv4 CIDR`);
  const serviceCidr = values['service-cidr'] ?? env['BERTH_SERVICE_CIDR'] ?? '10.96.0.0/12';
  if (!CIDR.test(serviceCidr)) throw new ConfigError(`--service-cidr: invalid value "${serviceCidr}": want an IPv4 CIDR`);
  const healthPort = Number(values['health-port'] ?? env['BERTH_HEALTH_PORT'] ?? '10256');
  if (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535) {
    throw new ConfigError(`--health-port: invalid value "${String(values['health-port'])}": want 0-65535`);
  }
  const proxyModeText = values['proxy-mode'] ?? env['BERTH_PROXY_MODE'] ?? '';
  // kube-proxy treats an empty --proxy-mode as "the default".
  if (proxyModeText !== '' && !(PROXY_MODES as readonly string[]).includes(proxyModeText)) {
    throw new ConfigError(`--proxy-mode: invalid value "${proxyModeText}": want ${PROXY_MODES.join(' or ')}`);
  }
  const proxyMode: ProxyModeSetting = proxyModeText === '' ? 'auto' : (proxyModeText as ProxyModeSetting);
  const minSyncPeriodMs = parseDuration(values['min-sync-period'] ?? '1s', '--min-sync-period');
  const syncPeriodMs = parseDuration(values['sync-period'] ?? '1h', '--sync-period');
  if (syncPeriodMs < minSyncPeriodMs) throw new ConfigError('--sync-period must not be shorter than --min-sync-period');
  return {
    apiservers,
    ...(insecure || cleanup ? {} : { tls: { caFile: caFile ?? '', ...(certFile && keyFile ? { certFile, keyFile } : {}) } }),
    nodeName,
    clusterCidr,
    serviceCidr,
    healthPort,
    minSyncPeriodMs,
    syncPeriodMs,
    masqueradeAll: values['masquerade-all'] ?? false,
    localhostNodePorts: values['localhost-nodeports'] ?? false,
    proxyMode,
    dryRun: values['dry-run'] ?? values['iptables-dry-run'] ?? false,
    skipNodeSetup: values['skip-node-setup'] ?? false,
    cleanup,
    logLevel: values['log-level'] ?? env['BERTH_LOG_LEVEL'] ?? 'info',
  };
}
