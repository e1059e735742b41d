// SPDX-License-Identifier: Apache-2.0
/**
 * kube-proxy benchmark: real iptables (nft backend) inside a network namespace created and
 * removed here. For each size (default 1,000 and 10,000 services × 5 endpoints): the first
 * full sync, 20 endpoint changes each applied by an incremental sync (time from the change
 * to iptables-restore having returned, i.e. the rule is live; and the bytes restored), a
 * forced full resync, and the CPU used while idle. Appends a "Proxy" section to
 * docs/performance.md unless --no-write.
 *
 *   node --import tsx bench/proxy/main.ts [--sizes 1000,10000] [--no-write]
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { ExecIptables, createTestNetns, type TestNetns } from '@berth/iptables';
import type { ProxyState } from '@berth/proxy-rules';
import { Proxier } from '../../apps/kube-proxy/src/proxier';

const ENDPOINTS = 5;
const CHANGES = 20;

function ip(base: number, i: number): string {
  return `10.${base + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}`;
}

function makeState(n: number): { services: coreV1.ServiceJson[]; slices: discoveryV1.EndpointSliceJson[] } {
  const services: coreV1.ServiceJson[] = [];
  const slices: discoveryV1.EndpointSliceJson[] = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    services.push({
      metadata: { name, namespace: 'bench' },
      spec: { type: 'ClusterIP', clusterIP: ip(96, i + 1), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    slices.push(slice(name, Array.from({ length: ENDPOINTS }, (_, k) => ip(200, i * ENDPOINTS + k))));
  }
  return { services, slices };
}

function slice(name: string, ips: string[]): discoveryV1.EndpointSliceJson {
  return {
    metadata: { name: `${name}-a`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: ips.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface SizeResult {
  services: number;
  rules: number;
  fullMs: number;
  fullBytes: number;
  resyncMs: number;
  incP50: number;
  incP99: number;
  bytesP50: number;
  bytesMax: number;
  idleCpuMs: number;
}

async function runSize(n: number): Promise<SizeResult> {
  const ns: TestNetns = await createTestNetns();
  try {
    const { services, slices } = makeState(n);
    const holder: { state: ProxyState } = { state: { services, endpointSlices: slices } };
    const proxier = new Proxier({
      iptables: new ExecIptables({ netns: ns.name, lockWaitSeconds: 60, timeoutMs: 20 * 60_000 }),
      state: () => holder.state,
      nodeIPs: () => ['192.168.77.2'],
      clusterCidr: '10.244.0.0/16',
      minSyncIntervalMs: 1000,
    });
    const full = await proxier.syncProxyRules();
    log(`${n} services: full sync ${(full.durationMs / 1000).toFixed(2)} s, ${full.rules} rules, ${full.restoreBytes} bytes`);
    const lat: number[] = [];
    const bytes: number[] = [];
    for (let c = 0; c < CHANGES; c++) {
      // Replace one endpoint of one service (a pod replaced by a new one).
      const i = Math.floor((c + 0.5) * (n / CHANGES));
      const next = [...holder.state.endpointSlices];
      const ips = Array.from({ length: ENDPOINTS }, (_, k) => ip(200, i * ENDPOINTS + k));
      ips[c % ENDPOINTS] = ip(220, c * 7 + i);
      next[i] = slice(`svc-${i}`, ips);
      const t0 = performance.now();
      holder.state = { ...holder.state, endpointSlices: next };
      const r = await proxier.syncProxyRules();
      lat.push(performance.now() - t0);
      bytes.push(r.restoreBytes);
      if (r.full) throw new Error('expected an incremental sync');
    }
    lat.sort((a, b) => a - b);
    bytes.sort((a, b) => a - b);
    log(`${n} services: incremental p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, bytes p50 ${pct(bytes, 50)}`);
    proxier.forceFullSync();
    const resync = await proxier.syncProxyRules();
    log(`${n} services: forced full resync ${(resync.durationMs / 1000).toFixed(2)} s`);
    // Idle: the loop is running with nothing to do.
    proxier.start();
    await new Promise((r) => setTimeout(r, 1500));
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 5000));
    const cpu = process.cpuUsage(cpu0);
    await proxier.stop();
    return {
      services: n,
      rules: full.rules,
      fullMs: full.durationMs,
      fullBytes: full.restoreBytes,
      resyncMs: resync.durationMs,
      incP50: pct(lat, 50),
      incP99: pct(lat, 99),
      bytesP50: pct(bytes, 50),
      bytesMax: bytes.at(-1) ?? 0,
      idleCpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    await ns.remove();
  }
}

function log(msg: string): void {
  process.stderr.write(`[bench:proxy] ${msg}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, 'no-write': { type: 'boolean' } } });
  const sizes = (values.sizes ?? '1000,10000').split(',').map(Number);
  const results: SizeResult[] = [];
  const failures: string[] = [];
  for (const n of sizes) {
    try {
      results.push(await runSize(n));
    } catch (err) {
      // Keep the sizes that finished; say which did not (e.g. a restore over the time limit).
      failures.push(`| ${n.toLocaleString('en-US')} × ${ENDPOINTS} | did not finish: ${String((err as Error).message).split('\n')[0]} |`);
      log(`${n} services failed: ${String(err)}`);
    }
  }
  const fmtS = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const date = new Date().toISOString().slice(0, 10);
  const rows = results.map(
    (r) =>
      `| ${r.services.toLocaleString('en-US')} × ${ENDPOINTS} | ${r.rules.toLocaleString('en-US')} | ${fmtS(r.fullMs)} (${(r.fullBytes / 1e6).toFixed(1)} MB) | ${fmtS(r.resyncMs)} | ${r.incP50.toFixed(0)} / ${r.incP99.toFixed(0)} ms | ${r.bytesP50.toLocaleString('en-US')} B (max ${r.bytesMax.toLocaleString('en-US')}) | ${r.idleCpuMs.toFixed(0)} ms / 5 s |`,
  );
  const table = [
    `| services | rules | first full sync (restore size) | forced full resync | endpoint change → live, p50 / p99 (${CHANGES} changes) | bytes to iptables-restore per change | CPU idle |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...failures,
  ].join('\n');
  process.stdout.write(table + '\n');
  if (!values['no-write']) {
    const file = join(import.meta.dirname, '..', '..', 'docs', 'performance.md');
    appendFileSync(file, `\n### Proxy run of ${date}\n\n${table}\n`);
    log(`appended to ${file}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:proxy failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
