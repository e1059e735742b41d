// SPDX-License-Identifier: Apache-2.0
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

/** Everything the scheduler process is configured with, after defaults and checks. */
export interface SchedulerAppConfig {
  /** apiserver addresses, host:port. */
  apiservers: string[];
  /** Plaintext to the apiserver (tests on loopback); otherwise the TLS files. */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** /healthz, /readyz, /metrics port (0 = any free port). */
  healthPort: number;
  /** NATS for events; empty: events are logged instead. */
  natsUrl: string;
  /** Concurrent bindings. */
  parallelism: number;
  /** A SchedulerConfiguration file (YAML or JSON), '' for the defaults. */
  configFile: string;
  logLevel: string;
}

export class ConfigError extends Error {}

function duration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v);
  if (!m) throw new ConfigError(`--${flag}: invalid duration "${v}": want e.g. 15s, 500ms`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

function bool(flag: string, v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (v === 'true' || v === '') return true;
  if (v === 'false') return false;
  throw new ConfigError(`--${flag}: invalid value "${v}": want true or false`);
}

/**
 * Reads flags (kube-scheduler's names where they exist) and BERTH_* environment variables.
 * Pure: no I/O, so every rule has a unit test. `--leader-elect` alone means true;
 * `--leader-elect=false` turns election off.
 */
export function compileSchedulerAppConfig(argv: string[], env: Record<string, string | undefined>): SchedulerAppConfig {
  const args = argv.map((a) => (a === '--leader-elect' ? '--leader-elect=true' : a === '--insecure=true' ? '--insecure' : a));
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      apiserver: { type: 'string' },
      'ca-file': { type: 'string' },
      'cert-file': { type: 'string' },
      'key-file': { type: 'string' },
      insecure: { type: 'boolean' },
      'leader-elect': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      identity: { type: 'string' },
      'leader-elect-lease-duration': { type: 'string' },
      'leader-elect-renew-deadline': { type: 'string' },
      'leader-elect-retry-period': { type: 'string' },
      'health-port': { type: 'string' },
      'nats-url': { type: 'string' },
      parallelism: { type: 'string' },
      config: { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const apiservers = (values.apiserver ?? env['BERTH_APISERVER'] ?? '127.0.0.1:6443')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (apiservers.length === 0) throw new ConfigError('--apiserver: at least one address is required');
  for (const a of apiservers) if (!/^[^:\s]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(a)) throw new ConfigError(`--apiserver: invalid address "${a}": want host:port`);
  const insecure = values.insecure ?? env['BERTH_INSECURE'] === 'true';
  const caFile = values['ca-file'] ?? env['BERTH_CA_FILE'];
  const certFile = values['cert-file'] ?? env['BERTH_CERT_FILE'];
  const keyFile = values['key-file'] ?? env['BERTH_KEY_FILE'];
  if (!insecure && !caFile) throw new ConfigError('--ca-file is required (or --insecure, for tests on loopback only)');
  if (!!certFile !== !!keyFile) throw new ConfigError('--cert-file and --key-file go together');
  if (insecure && apiservers.some((a) => !/^(127\.|localhost:|\[::1\]:)/.test(a))) {
    throw new ConfigError('--insecure talks plaintext and is allowed to loopback apiservers only');
  }
  const healthPort = Number(values['health-port'] ?? env['BERTH_HEALTH_PORT'] ?? '10251');
  if (!Number.isInteger(healthPort) || healthPort < 0 || healthPort > 65535) throw new ConfigError(`--health-port: invalid value "${String(values['health-port'])}": want 0-65535`);
  const parallelism = Number(values.parallelism ?? '16');
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new ConfigError(`--parallelism: invalid value "${String(values.parallelism)}": want a positive integer`);
  const leaseDurationMs = duration('leader-elect-lease-duration', values['leader-elect-lease-duration'] ?? '15s');
  const renewDeadlineMs = duration('leader-elect-renew-deadline', values['leader-elect-renew-deadline'] ?? '10s');
  const retryPeriodMs = duration('leader-elect-retry-period', values['leader-elect-retry-period'] ?? '2s');
  if (leaseDurationMs <= renewDeadlineMs) throw new ConfigError('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  if (renewDeadlineMs <= retryPeriodMs * 1.2) throw new ConfigError('--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period');
  return {
    apiservers,
    ...(insecure ? {} : { tls: { caFile: caFile ?? '', ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) } }),
    leaderElect: bool('leader-elect', values['leader-elect'] ?? env['BERTH_LEADER_ELECT'], true),
    leaseNamespace: values['lease-namespace'] ?? 'kube-system',
    leaseName: values['lease-name'] ?? 'berth-scheduler',
    identity: values.identity ?? env['BERTH_IDENTITY'] ?? `${hostname()}_${process.pid}`,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    healthPort,
    natsUrl: values['nats-url'] ?? env['BERTH_NATS_URL'] ?? '',
    parallelism,
    configFile: values.config ?? '',
    logLevel: values['log-level'] ?? env['BERTH_LOG_LEVEL'] ?? 'info',
  };
}
