// SPDX-License-Identifier: Apache-2.0
import { parseArgs } from 'node:util';
import { parseGoDuration } from '@berth/api';

/** Everything the controller-manager process is configured with, after defaults and checks. */
export interface ControllerManagerConfig {
  /** apiserver addresses, host:port. */
  apiservers: string[];
  tls?: { caFile: string; certFile?: string; keyFile?: string; serverName?: string };
  /** The --controllers list as given ('*', 'name', '-name'). */
  controllers: string[];
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Health and metrics HTTP port (0 = any). */
  healthPort: number;
  /** NATS URL for events; empty drops events (tests). */
  natsUrl: string;
  /**
   * The key that signs service-account tokens (PEM), read by the manager at start and handed
   * to the token controller as controllerOptions' serviceAccountPrivateKey; without it no
   * tokens are created.
   */
  serviceAccountPrivateKeyFile?: string;
  /** The cluster CA certificate (PEM) put into token Secrets as ca.crt (rootCa). */
  rootCaFile?: string;
  /** Options handed to every controller (ControllerContext.options). */
  controllerOptions: {
    podEvictionTimeoutSeconds: number;
    clusterCidr: string;
    nodeMonitorGracePeriodSeconds: number;
    nodeCidrMaskSize: number;
  };
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Go-style durations ('300s', '5m', '1m30s', '40s', '500ms'), in milliseconds. */
export function parseDuration(flag: string, s: string): number {
  const ms = parseGoDuration(s);
  if (ms === undefined) throw new ConfigError(`--${flag}: invalid duration "${s}": want e.g. 300s, 5m, 1m30s`);
  return ms;
}

/**
 * Whether a controller runs under --controllers (kube-controller-manager's rule): `name`
 * enables, `-name` disables, `*` enables all; an explicit entry wins over `*`.
 */
export function isControllerEnabled(name: string, controllers: string[]): boolean {
  let star = false;
  for (const c of controllers) {
    if (c === name) return true;
    if (c === `-${name}`) return false;
    if (c === '*') star = true;
  }
  return star;
}

/**
 * Checks the --controllers list against the known names (so a typo fails at start, not
 * silently), as kube-controller-manager does.
 */
export function validateControllers(controllers: string[], known: string[]): void {
  for (const c of controllers) {
    if (c === '*') continue;
    const name = c.startsWith('-') ? c.slice(1) : c;
    if (!known.includes(name)) throw new ConfigError(`--controllers: unknown controller "${name}"; known: ${known.join(', ')}`);
  }
}

/**
 * Reads flags (kube-controller-manager's names where they exist) and BERTH_* environment
 * variables. Pure: no I/O, so every rule has a unit test.
 */
export function compileControllerManagerConfig(argv: string[], env: Record<string, string | undefined>): ControllerManagerConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      apiserver: { type: 'string' },
      insecure: { type: 'boolean' },
      'certificate-authority': { type: 'string' },
      'client-certificate': { type: 'string' },
      'client-key': { type: 'string' },
      'tls-server-name': { type: 'string' },
      controllers: { type: 'string' },
      'leader-elect': { type: 'string' },
      'leader-elect-resource-namespace': { type: 'string' },
      'leader-elect-resource-name': { type: 'string' },
      'leader-elect-lease-duration': { type: 'string' },
      'leader-elect-renew-deadline': { type: 'string' },
      'leader-elect-retry-period': { type: 'string' },
      'health-port': { type: 'string' },
      'nats-url': { type: 'string' },
      'pod-eviction-timeout': { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'node-cidr-mask-size': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'service-account-private-key-file': { type: 'string' },
      'root-ca-file': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const apiserver = values.apiserver ?? env['BERTH_APISERVER'] ?? '127.0.0.1:6443';
  const apiservers = apiserver.split(',').map((s) => s.trim()).filter(Boolean);
  if (apiservers.length === 0) throw new ConfigError('--apiserver: at least one address is required');
  for (const a of apiservers) if (!/^[^:]+:\d+$/.test(a)) throw new ConfigError(`--apiserver: invalid address "${a}": want host:port`);
  const insecure = values.insecure ?? env['BERTH_INSECURE'] === 'true';
  const caFile = values['certificate-authority'] ?? env['BERTH_CA_FILE'];
  const certFile = values['client-certificate'] ?? env['BERTH_CLIENT_CERT_FILE'];
  const keyFile = values['client-key'] ?? env['BERTH_CLIENT_KEY_FILE'];
  if (!insecure && !caFile) throw new ConfigError('--certificate-authority is required (or --insecure, for tests on loopback only)');
  if (insecure && !apiservers.every((a) => /^(127\.|localhost:|\[::1\]:)/.test(a))) {
    throw new ConfigError('--insecure talks plaintext and is allowed to loopback apiservers only');
  }
  if (!!certFile !== !!keyFile) throw new ConfigError('--client-certificate and --client-key go together');

  const controllers = (values.controllers ?? env['BERTH_CONTROLLERS'] ?? '*').split(',').map((s) => s.trim()).filter(Boolean);
  const leaderElectRaw = values['leader-elect'] ?? env['BERTH_LEADER_ELECT'] ?? 'true';
  if (leaderElectRaw !== 'true' && leaderElectRaw !== 'false') throw new ConfigError(`--leader-elect: invalid value "${leaderElectRaw}": want true or false`);
  const healthPort = Number(values['health-port'] ?? env['BERTH_HEALTH_PORT'] ?? '10257');
  if (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535) {
    throw new ConfigError(`--health-port: invalid value "${String(values['health-port'])}": want 0-65535`);
  }
  const clusterCidr = values['cluster-cidr'] ?? env['BERTH_CLUSTER_CIDR'] ?? '10.244.0.0/16';
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(clusterCidr)) throw new ConfigError(`--cluster-cidr: invalid CIDR "${clusterCidr}"`);
  const maskSize = Number(values['node-cidr-mask-size'] ?? '24');
  if (!Number.isInteger(maskSize) || maskSize < 1 || maskSize > 30) throw new ConfigError(`--node-cidr-mask-size: invalid value "${String(values['node-cidr-mask-size'])}"`);
  const leaseDurationMs = parseDuration('leader-elect-lease-duration', values['leader-elect-lease-duration'] ?? '15s');
  const renewDeadlineMs = parseDuration('leader-elect-renew-deadline', values['leader-elect-renew-deadline'] ?? '10s');
  const retryPeriodMs = parseDuration('leader-elect-retry-period', values['leader-elect-retry-period'] ?? '2s');
  if (renewDeadlineMs >= leaseDurationMs) throw new ConfigError('--leader-elect-renew-deadline must be shorter than --leader-elect-lease-duration');
  const serviceAccountPrivateKeyFile = values['service-account-private-key-file'] ?? env['BERTH_SERVICE_ACCOUNT_PRIVATE_KEY_FILE'];
  const rootCaFile = values['root-ca-file'] ?? env['BERTH_ROOT_CA_FILE'];
  return {
    apiservers,
    ...(insecure
      ? {}
      : {
          tls: {
            caFile: caFile ?? '',
            ...(certFile ? { certFile } : {}),
            ...(keyFile ? { keyFile } : {}),
            ...(values['tls-server-name'] ? { serverName: values['tls-server-name'] } : {}),
          },
        }),
    controllers,
    leaderElect: leaderElectRaw === 'true',
    leaseNamespace: values['leader-elect-resource-namespace'] ?? 'kube-system',
    leaseName: values['leader-elect-resource-name'] ?? 'berth-controller-manager',
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    healthPort,
    natsUrl: values['nats-url'] ?? env['BERTH_NATS_URL'] ?? '',
    ...(serviceAccountPrivateKeyFile ? { serviceAccountPrivateKeyFile } : {}),
    ...(rootCaFile ? { rootCaFile } : {}),
    controllerOptions: {
      podEvictionTimeoutSeconds: parseDuration('pod-eviction-timeout', values['pod-eviction-timeout'] ?? '300s') / 1000,
      clusterCidr,
      nodeMonitorGracePeriodSeconds: parseDuration('node-monitor-grace-period', values['node-monitor-grace-period'] ?? '40s') / 1000,
      nodeCidrMaskSize: maskSize,
    },
    logLevel: values['log-level'] ?? env['BERTH_LOG_LEVEL'] ?? 'info',
  };
}
