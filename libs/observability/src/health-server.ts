// SPDX-License-Identifier: Apache-2.0
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  /** Port to listen on (0 = any free port). */
  port: number;
  host?: string;
  metrics: Registry;
  /** Liveness: the process works. Throw or return false when it must be restarted. */
  healthy?: () => boolean | Promise<boolean>;
  /** Readiness: the component can serve (e.g. caches synced, leader elected or standing by). */
  ready?: () => boolean | Promise<boolean>;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves /healthz, /readyz and Prometheus /metrics over plain HTTP, as every component must. */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const check = async (fn?: () => boolean | Promise<boolean>): Promise<boolean> => {
    try {
      return fn ? await fn() : true;
    } catch {
      return false;
    }
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/livez' || path === '/readyz') {
        const ok = await check(path === '/readyz' ? opts.ready : opts.healthy);
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(ok ? 'ok' : 'not ok');
        return;
      }
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': opts.metrics.contentType });
        res.end(await opts.metrics.metrics());
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
