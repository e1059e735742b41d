// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import type { GrpcApiClientOptions } from '@berth/grpc';
import type { ConnectionInfo } from '../commands/context';
import { KubeconfigError, type ResolvedContext } from './kubeconfig';

/** A server URL split into what the gRPC client needs. */
export interface ServerAddress {
  /** host:port to dial ("127.0.0.1:6443", "[::1]:6443"). */
  address: string;
  /** The host alone, for certificate checks. */
  host: string;
  secure: boolean;
}

/**
 * Parses a kubeconfig server URL: `https://host:port` is TLS, `http://host:port` is
 * plaintext (tests, local development). Without a scheme, TLS is assumed when the cluster
 * has TLS material (client-go's rule). The port defaults to 443 / 80.
 */
export function parseServerUrl(server: string, defaultTls = true): ServerAddress {
  const trimmed = server.trim();
  if (!trimmed) throw new KubeconfigError('the server URL is empty');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `${defaultTls ? 'https' : 'http'}://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new KubeconfigError(`invalid server URL "${server}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeconfigError(`invalid server URL "${server}": the scheme must be https or http`);
  }
  const secure = url.protocol === 'https:';
  const port = url.port || (secure ? '443' : '80');
  return { address: `${url.hostname}:${port}`, host: url.hostname.replace(/^\[|\]$/g, ''), secure };
}

/**
 * kubectl's --request-timeout: "0" (none), a bare number of seconds, or a duration with
 * units ("1s", "2m", "1h30m", "500ms"). Returns milliseconds, undefined for no timeout.
 */
export function parseRequestTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    matched = re.lastIndex;
  }
  if (matched !== value.length) {
    throw new KubeconfigError(
      `invalid argument "${value}" for "--request-timeout" flag: Invalid time value "${value}": must be a single integer or a duration (1s, 2m, 3h)`,
    );
  }
  return total > 0 ? total : undefined;
}

function material(data: unknown, file: unknown, what: string, read: (p: string) => Buffer): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) {
    try {
      return read(file);
    } catch (e) {
      throw new KubeconfigError(`unable to read ${what} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
  }
  return undefined;
}

/** The global flags that say whom to impersonate. */
export interface ImpersonationFlags {
  /** --as */
  as?: string;
  /** --as-group, repeated */
  asGroups?: string[];
}

/**
 * Whom to act as: --as and --as-group win over the user's `as` and `as-groups` (client-go
 * merges the flags over the kubeconfig user). Groups without a user is client-go's
 * validation error, with its wording.
 */
export function impersonationFor(ctx: ResolvedContext, flags: ImpersonationFlags = {}): ConnectionInfo['impersonate'] {
  const configured = ctx.user ?? {};
  const user = flags.as || (typeof configured.as === 'string' ? configured.as : '');
  const configGroups = Array.isArray(configured['as-groups']) ? configured['as-groups'].filter((g): g is string => typeof g === 'string') : [];
  const groups = flags.asGroups && flags.asGroups.length > 0 ? flags.asGroups : configGroups;
  if (!user) {
    if (groups.length > 0) throw new KubeconfigError(`requesting groups or user-extra for ${ctx.userName} without impersonating a user`);
    return undefined;
  }
  return { user, ...(groups.length > 0 ? { groups: [...groups] } : {}) };
}

/**
 * Where and how to connect, from the resolved context and the --server, --token,
 * --request-timeout, --as and --as-group flags. Reads the certificate and token files the
 * config names.
 */
export function connectionFor(
  ctx: ResolvedContext,
  opts: { server?: string; token?: string; requestTimeout?: string; readFile?: (p: string) => Buffer } & ImpersonationFlags = {},
): ConnectionInfo {
  const read = opts.readFile ?? ((p: string) => readFileSync(p));
  const server = opts.server || ctx.cluster?.server;
  if (!server) {
    throw new KubeconfigError(
      "no server configured: add a cluster with 'berth config set-cluster NAME --server=https://HOST:PORT' and a context that uses it, or pass --server",
    );
  }
  const cluster = ctx.cluster ?? {};
  const user = ctx.user ?? {};
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate-authority', read);
  const cert = material(user['client-certificate-data'], user['client-certificate'], 'client-certificate', read);
  const key = material(user['client-key-data'], user['client-key'], 'client-key', read);
  const parsed = parseServerUrl(server, Boolean(ca || cert || cluster['insecure-skip-tls-verify']));
  const timeoutMs = parseRequestTimeout(opts.requestTimeout);
  // --token wins over the kubeconfig's token, which wins over its tokenFile (client-go's order).
  const token = opts.token || (typeof user.token === 'string' && user.token) || material(undefined, user.tokenFile, 'tokenFile', read)?.toString().trim() || undefined;
  const impersonate = impersonationFor(ctx, opts);
  const info: ConnectionInfo = {
    server,
    address: parsed.address,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(token ? { token } : {}),
    ...(impersonate ? { impersonate } : {}),
  };
  if (!parsed.secure) return info;
  if (!ca) {
    const why = cluster['insecure-skip-tls-verify']
      ? 'insecure-skip-tls-verify is not supported: the gRPC client always verifies the server'
      : 'the cluster has no certificate-authority';
    throw new KubeconfigError(
      `cannot connect to ${server} over TLS: ${why}; set one with 'berth config set-cluster ${ctx.clusterName || 'NAME'} --certificate-authority=ca.crt --embed-certs'`,
    );
  }
  const serverName = typeof cluster['tls-server-name'] === 'string' && cluster['tls-server-name'] ? cluster['tls-server-name'] : undefined;
  info.tls = { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(serverName ? { serverName } : {}) };
  return info;
}

/**
 * The GrpcApiClient's options for a connection: the one address, its TLS material, token,
 * impersonation and timeout; a command tries once and gives up after 5 s without a connection.
 */
export function grpcClientOptions(conn: ConnectionInfo): GrpcApiClientOptions {
  return {
    addresses: [conn.address],
    ...(conn.tls ? { tls: conn.tls } : {}),
    ...(conn.token ? { token: conn.token } : {}),
    ...(conn.impersonate ? { impersonate: conn.impersonate } : {}),
    ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}),
    connectTimeoutMs: 5000,
    maxAttempts: 1,
  };
}
