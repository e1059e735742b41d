// SPDX-License-Identifier: Apache-2.0
// bench/write-cost: CPU per pod write in the apiserver, by kind of write. Prints figures; not a
// test. Run: node --import tsx bench/write-cost/main.ts
//   BENCH_WRITES pods (default 5,000) are created, then bound (pods/binding), then reported
//   Running (a status merge patch, as a kubelet), 64 in flight, with BENCH_WATCHERS pod
//   watches open (default 2: a scheduler's and a kubelet's); twice, the second round warm.
// For each kind: CPU ms per write of the apiserver, of etcd and of this process (the client
// and the watchers). The machine's speed drifts between runs; etcd's work per write does not
// depend on the apiserver's code, so "apiserver ÷ etcd" compares runs of different code.
import type { KubeObject } from '@berth/api';
import { SharedInformer } from '@berth/client';
import { runningStatus } from '@berth/hollow-nodes';
import { startControlPlane } from '@berth/testing';
import { cpuSecondsOf } from '../cpu-by-process';

const WRITES = Number(process.env['BENCH_WRITES'] ?? 5_000);
const WATCHERS = Number(process.env['BENCH_WATCHERS'] ?? 2);
const CONCURRENCY = 64;
const PODS = { group: '', version: 'v1', resource: 'pods' };

async function pool(fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < WRITES; i = next++) await fn(i);
    }),
  );
}

async function main(): Promise<void> {
  const cp = await startControlPlane();
  const client = cp.client();
  const ac = new AbortController();
  let events = 0;
  try {
    await client.create({ group: '', version: 'v1', resource: 'namespaces' }, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    await client.create({ group: '', version: 'v1', resource: 'serviceaccounts' }, 'bench', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'bench' } });
    await client.create({ group: '', version: 'v1', resource: 'nodes' }, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    for (let w = 0; w < WATCHERS; w++) {
      const informer = new SharedInformer<KubeObject>(client, PODS);
      informer.addEventHandler({ onAdd: () => events++, onUpdate: () => events++ });
      void informer.run(ac.signal);
      await informer.waitForSync(ac.signal);
    }
    const apiserver = (): number => cpuSecondsOf(`--bind-address ${cp.apiserverAddress}`);
    const etcd = (): number => cpuSecondsOf(`--listen-client-urls ${cp.etcd.endpoint}`);
    // etcd's own count of the unary calls it served, by method: what each write costs it in requests.
    const etcdCalls = async (): Promise<Map<string, number>> => {
      const text = await (await fetch(`${cp.etcd.endpoint}/metrics`)).text();
      const calls = new Map<string, number>();
      for (const m of text.matchAll(/^grpc_server_handled_total\{[^}]*grpc_method="(\w+)"[^}]*grpc_type="unary"[^}]*\} (\d+)/gm)) {
        calls.set(m[1]!, (calls.get(m[1]!) ?? 0) + Number(m[2]));
      }
      return calls;
    };
    const stage = async (label: string, fn: (i: number) => Promise<unknown>): Promise<number[]> => {
      const a0 = apiserver();
      const e0 = etcd();
      const calls0 = await etcdCalls();
      const c0 = process.cpuUsage();
      const ev0 = events;
      await pool(fn);
      // Counted once every watcher has seen every write.
      const deadline = Date.now() + 60_000;
      while (events < ev0 + WRITES * WATCHERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const c = process.cpuUsage(c0);
      const perWrite = [apiserver() - a0, etcd() - e0, (c.user + c.system) / 1e6].map((s) => (s / WRITES) * 1000);
      const calls = [...(await etcdCalls())]
        .map(([method, n]) => [method, (n - (calls0.get(method) ?? 0)) / WRITES] as const)
        .filter(([, n]) => n >= 0.01)
        .map(([method, n]) => `${method} ${n.toFixed(2)}`);
      console.log(
        `${label}: apiserver ${perWrite[0]!.toFixed(3)} ms, etcd ${perWrite[1]!.toFixed(3)} ms, client and watchers ${perWrite[2]!.toFixed(3)} ms per write; etcd calls per write: ${calls.join(', ') || 'none'}`,
      );
      return perWrite;
    };
    console.log(`${WRITES} writes of each kind, ${CONCURRENCY} in flight, ${WATCHERS} pod watches`);
    for (let round = 1; round <= 2; round++) {
      const name = (i: number): string => `r${round}-${i}`;
      const totals = [0, 0, 0];
      const add = (xs: number[]): void => xs.forEach((x, i) => (totals[i]! += x));
      add(
        await stage(`round ${round} create`, (i) =>
          client.create(PODS, 'bench', {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: name(i), namespace: 'bench', labels: { app: 'bench' } },
            spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '10m', memory: '10Mi' } } }] },
          }),
        ),
      );
      add(
        await stage(`round ${round} binding`, (i) =>
          client.create(PODS, 'bench', { apiVersion: 'v1', kind: 'Binding', metadata: { name: name(i), namespace: 'bench' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } }, { subresource: 'binding' }),
        ),
      );
      add(
        await stage(`round ${round} status`, (i) => {
          const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: name(i), namespace: 'bench', uid: `uid-${i}` }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.9' }] } };
          return client.patch(PODS, 'bench', name(i), 'application/merge-patch+json', { status: runningStatus(pod, 0, i) }, { subresource: 'status' });
        }),
      );
      console.log(`round ${round}: the three writes of a pod cost the apiserver ${totals[0]!.toFixed(3)} ms, etcd ${totals[1]!.toFixed(3)} ms (apiserver ÷ etcd ${(totals[0]! / totals[1]!).toFixed(2)})`);
    }
  } finally {
    ac.abort();
    client.close();
    await cp.stop();
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
