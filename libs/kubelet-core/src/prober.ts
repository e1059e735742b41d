// SPDX-License-Identifier: Apache-2.0
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { ContainerRuntime } from '@berth/runtime';
import type { coreV1 } from '@berth/api-types';
import type { Container } from './types';

/** The outcome of one probe run. */
export interface ProbeResult {
  ok: boolean;
  /** Why it failed, in Kubernetes' words (e.g. "HTTP probe failed with statuscode: 404"). */
  message: string;
}

/** Where a probe runs: the pod IP and the container (for exec and named ports). */
export interface ProbeTarget {
  podIP: string;
  containerId: string;
  container: Container;
}

/** Runs one probe; the I/O seam of probing (tests inject a fake). */
export interface Prober {
  probe(probe: coreV1.ProbeJson, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult>;
}

/** Resolves a probe's port: a number, or the name of one of the container's ports. */
export function probePort(port: unknown, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string') {
    if (/^\d+$/.test(port)) return Number(port);
    return c.ports?.find((p) => p.name === port)?.containerPort;
  }
  return undefined;
}

/** The real prober: HTTP(S) GET against the pod IP, TCP connect, exec through the runtime. */
export class NetworkProber implements Prober {
  constructor(private readonly runtime: ContainerRuntime) {}

  async probe(p: coreV1.ProbeJson, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    if (p.exec) {
      const r = await this.runtime.execSync(t.containerId, p.exec.command ?? [], timeoutMs).catch((err: Error) => ({ exitCode: -1, output: err.message, timedOut: false }));
      if (r.timedOut) return { ok: false, message: `command ${JSON.stringify((p.exec.command ?? []).join(' '))} timed out` };
      return r.exitCode === 0 ? { ok: true, message: '' } : { ok: false, message: r.output.trim() || `command exited with ${r.exitCode}` };
    }
    if (p.httpGet) {
      const port = probePort(p.httpGet.port, t.container);
      if (!port) return { ok: false, message: `invalid port ${JSON.stringify(p.httpGet.port)}` };
      const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
      const host = p.httpGet.host || t.podIP;
      const path = p.httpGet.path ?? '/';
      const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path.startsWith('/') ? path : '/' + path}`;
      return httpProbe(url, Object.fromEntries((p.httpGet.httpHeaders ?? []).map((h) => [h.name ?? '', h.value ?? ''])), timeoutMs);
    }
    if (p.tcpSocket) {
      const port = probePort(p.tcpSocket.port, t.container);
      if (!port) return { ok: false, message: `invalid port ${JSON.stringify(p.tcpSocket.port)}` };
      return tcpProbe(p.tcpSocket.host || t.podIP, port, timeoutMs);
    }
    return { ok: false, message: 'probe has no handler' };
  }
}

function httpProbe(url: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.get(url, { headers: { 'User-Agent': 'kube-probe/1.29', Accept: '*/*', ...headers }, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      if (code >= 200 && code < 400) resolve({ ok: true, message: '' });
      else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const hostPort = new URL(url).host;
      resolve({ ok: false, message: `Get "${url}": dial tcp ${hostPort}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` });
    });
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, message: '' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, message: `dial tcp ${host}:${port}: connect: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}` });
    });
  });
}
