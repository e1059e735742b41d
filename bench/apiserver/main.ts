// SPDX-License-Identifier: Apache-2.0
// bench/apiserver: throughput and latency of the apiserver over gRPC with a real etcd on
// this machine. Prints figures; not a test. Run: npm run bench:apiserver
//   creates/s and p50/p99 for 1 KiB ConfigMaps with 64 concurrent clients
//   GETs/s and p99 for single objects; LIST of 10,000 objects p99
//   time for one write to reach 1,000 open watches (p99)
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { cpus, totalmem } from 'node:os';
import type { KubeObject } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { GrpcApiClient } from '@berth/grpc';
import { freePort, startEtcd, startNats } from '@berth/testing';

const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const CREATES = Number(process.env['BENCH_CREATES'] ?? 10_000);
const GETS = Number(process.env['BENCH_GETS'] ?? 20_000);
const LISTS = Number(process.env['BENCH_LISTS'] ?? 20);
const WATCHERS = Number(process.env['BENCH_WATCHERS'] ?? 1_000);
const WATCH_WRITES = Number(process.env['BENCH_WATCH_WRITES'] ?? 20);
const configmaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };
const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const ms = (x: number): string => `${x.toFixed(2)} ms`;

async function pool(n: number, total: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = next++; i < total; i = next++) await fn(i);
    }),
  );
}

async function main(): Promise<void> {
  const [etcd, nats] = await Promise.all([startEtcd(), startNats()]);
  const port = await freePort();
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/apiserver/src/main.ts', '--insecure', '--bind-address', `127.0.0.1:${port}`, '--etcd-servers', etcd.endpoint, '--nats-url', nats.url],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BERTH_LOG_LEVEL: 'warn' } },
  );
  const clients = Array.from({ length: 4 }, () => new GrpcApiClient({ addresses: [`127.0.0.1:${port}`] }));
  const client = (i: number): GrpcApiClient => clients[i % clients.length] as GrpcApiClient;
  try {
    for (let i = 0; ; i++) {
      try {
        await clients[0]?.list(namespaces);
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await clients[0]?.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const payload = 'x'.repeat(1024 - 200);
    const cm = (i: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'bench', labels: { bench: 'yes' } }, data: { payload } });

    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; etcd on the same machine`);

    // Creates
    const createLat: number[] = [];
    let t0 = performance.now();
    await pool(CONCURRENCY, CREATES, async (i) => {
      const s = performance.now();
      await client(i).create(configmaps, 'bench', cm(i));
      createLat.push(performance.now() - s);
    });
    let secs = (performance.now() - t0) / 1000;
    console.log(`create 1 KiB ConfigMap ×${CREATES}, ${CONCURRENCY} concurrent: ${(CREATES / secs).toFixed(0)}/s, p50 ${ms(pct(createLat, 50))}, p99 ${ms(pct(createLat, 99))}`);

    // Gets
    const getLat: number[] = [];
    t0 = performance.now();
    await pool(CONCURRENCY, GETS, async (i) => {
      const s = performance.now();
      await client(i).get(configmaps, 'bench', `cm-${i % CREATES}`);
      getLat.push(performance.now() - s);
    });
    secs = (performance.now() - t0) / 1000;
    console.log(`get single object ×${GETS}, ${CONCURRENCY} concurrent: ${(GETS / secs).toFixed(0)}/s, p50 ${ms(pct(getLat, 50))}, p99 ${ms(pct(getLat, 99))}`);

    // Lists of 10,000
    const listLat: number[] = [];
    let size = 0;
    for (let i = 0; i < LISTS; i++) {
      const s = performance.now();
      size = (await clients[0]!.list(configmaps, { namespace: 'bench' })).items.length;
      listLat.push(performance.now() - s);
    }
    console.log(`list ${size} objects ×${LISTS}: p50 ${ms(pct(listLat, 50))}, p99 ${ms(pct(listLat, 99))}`);

    // Watch fan-out
    const ac = new AbortController();
    setMaxListeners(WATCHERS + 10, ac.signal); // one listener per watch on the shared signal
    const arrivals = new Map<string, number[]>();
    let ready = 0;
    const watches = Array.from({ length: WATCHERS }, async (_, i) => {
      const rv = (await client(i).list(configmaps, { namespace: 'bench', limit: 1 })).metadata.resourceVersion;
      ready++;
      for await (const ev of client(i).watch(configmaps, { namespace: 'bench', resourceVersion: rv, signal: ac.signal })) {
        const name = ev.object.metadata?.name ?? '';
        if (!name.startsWith('fanout-')) continue;
        const list = arrivals.get(name) ?? [];
        list.push(performance.now());
        arrivals.set(name, list);
      }
    });
    while (ready < WATCHERS) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    const fanout: number[] = [];
    for (let w = 0; w < WATCH_WRITES; w++) {
      const name = `fanout-${w}`;
      const s = performance.now();
      await clients[0]!.create(configmaps, 'bench', { ...cm(0), metadata: { name, namespace: 'bench' } });
      const deadline = Date.now() + 10_000;
      while ((arrivals.get(name)?.length ?? 0) < WATCHERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      for (const t of arrivals.get(name) ?? []) fanout.push(t - s);
      const missing = WATCHERS - (arrivals.get(name)?.length ?? 0);
      if (missing > 0) console.log(`  write ${w}: ${missing} watchers did not see it within 10 s`);
    }
    ac.abort();
    await Promise.allSettled(watches);
    console.log(`one write to ${WATCHERS} watches ×${WATCH_WRITES}: p50 ${ms(pct(fanout, 50))}, p99 ${ms(pct(fanout, 99))}, max ${ms(Math.max(...fanout))}`);
  } finally {
    for (const c of clients) c.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await Promise.all([etcd.stop(), nats.stop()]);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
