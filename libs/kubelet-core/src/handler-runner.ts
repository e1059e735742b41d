// SPDX-License-Identifier: Apache-2.0
/**
 * The actions a probe or a lifecycle hook performs against a container: exec in it, HTTP
 * GET, TCP connect. The prober (./prober) and the lifecycle hooks (./lifecycle-hooks) run
 * them through here and word the outcome each in Kubernetes' own terms (pkg/probe and
 * pkg/kubelet/lifecycle). Transport errors are already worded as Go's HTTP client and
 * dialer word them, since both callers report them verbatim.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { coreV1 } from '@berth/api-types';
import type { ContainerRuntime, ExecResult } from '@berth/runtime';
import type { Container } from './types';

/** The Kubernetes minor version the kubelet reports in probe and hook User-Agents. */
export const KUBE_USER_AGENT_VERSION = '1.29';

/** setTimeout's longest delay: what "no timeout" means for an exec (Kubernetes runs postStart without one). */
export const NO_TIMEOUT_MS = 2 ** 31 - 1;

/** Resolves a port: a number, a numeric string, or the name of one of the container's ports. */
export function resolvePort(port: unknown, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    return c.ports?.find((p) => p.name === port)?.containerPort;
  }
  return undefined;
}

/** An exec's result; `error` when the runtime could not run it at all (e.g. the container is not running). */
export interface ExecOutcome extends ExecResult {
  error?: string;
}

/** Runs a command in a container to completion or timeout (stdout and stderr as one output). */
export async function execInContainer(runtime: ContainerRuntime, containerId: string, command: string[], timeoutMs: number): Promise<ExecOutcome> {
  try {
    return await runtime.execSync(containerId, command, timeoutMs);
  } catch (err) {
    return { exitCode: -1, output: '', timedOut: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** A GET to send: Kubernetes' NewRequestForHTTPGetAction. */
export interface HttpGetRequest {
  url: string;
  /** host:port, as Go's URL.Host. */
  host: string;
  headers: Record<string, string>;
}

/**
 * The request of an httpGet action: scheme (HTTP unless HTTPS), host (the pod IP unless
 * set), the port by number or by the name of a container port, the path, the action's
 * headers over a `kube-<agent>/<version>` User-Agent and `Accept: *\/*`. A port that does
 * not resolve is `{ port: undefined }`: each caller words that itself.
 */
export function httpGetRequest(a: coreV1.HTTPGetActionJson, podIP: string, c: Container, agent: 'probe' | 'lifecycle'): HttpGetRequest | { port: undefined } {
  const port = resolvePort(a.port, c);
  if (!port) return { port: undefined };
  const scheme = (a.scheme || 'HTTP').toLowerCase();
  const host = a.host || podIP;
  const path = a.path ?? '/';
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { 'User-Agent': `kube-${agent}/${KUBE_USER_AGENT_VERSION}`, Accept: '*/*' };
  for (const h of a.httpHeaders ?? []) headers[h.name ?? ''] = h.value ?? '';
  return { url: `${scheme}://${hostPort}${path.startsWith('/') ? path : '/' + path}`, host: hostPort, headers };
}

/** What a GET got: the status code, or the error in Go's words (`Get "<url>": ...`). */
export type HttpGetOutcome =
  | { statusCode: number; error?: undefined }
  | {
      statusCode?: undefined;
      error: string;
      /** An HTTPS request answered in plain HTTP (Go: "server gave HTTP response to HTTPS client"). */
      httpResponseToHttps?: boolean;
      /** The signal aborted it. */
      canceled?: boolean;
    };

/** Sends one GET (TLS certificates are not verified, as the kubelet's probes and hooks do not). */
export function httpGet(req: HttpGetRequest, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HttpGetOutcome> {
  return new Promise((resolve) => {
    const mod = req.url.startsWith('https:') ? https : http;
    const get = mod.get(req.url, { headers: req.headers, timeout: opts.timeoutMs, rejectUnauthorized: false, signal: opts.signal }, (res) => {
      res.resume();
      resolve({ statusCode: res.statusCode ?? 0 });
    });
    get.on('timeout', () => {
      get.destroy();
      resolve({ error: `Get "${req.url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    get.on('error', (err: NodeJS.ErrnoException) => {
      if (opts.signal?.aborted) resolve({ error: `Get "${req.url}": context canceled`, canceled: true });
      else if (err.code === 'EPROTO' || err.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(err.message)) {
        resolve({ error: `Get "${req.url}": http: server gave HTTP response to HTTPS client`, httpResponseToHttps: true });
      } else resolve({ error: `Get "${req.url}": dial tcp ${req.host}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` });
    });
  });
}

/** Opens and closes a TCP connection; the error in Go's dialer's words. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<{ error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({});
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ error: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ error: `dial tcp ${host}:${port}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` });
    });
  });
}
