// SPDX-License-Identifier: Apache-2.0
/**
 * kube-proxy benchmark, both modes: real iptables (nft backend, iptables-restore) or real
 * nft (table ip kube-proxy, `nft -f`), each run inside a network namespace created and
 * removed here, so the host's rules are never touched. For each mode and size (N services
 * × 5 endpoints): the first full sync, 20 endpoint changes each applied by an incremental
 * sync (time from the change to iptables-restore / nft having returned, i.e. the rule is
 * live; and the bytes written), a forced full resync, and the CPU used while idle.
 *
 *   node --import tsx bench/proxy/main.ts                      # iptables 1,000; nftables 1,000 and 10,000
 *   node --import tsx bench/proxy/main.ts --modes nftables --sizes 10000
 *   BENCH_PROXY_MODES=iptables BENCH_PROXY_SIZES=1000 node --import tsx bench/proxy/main.ts
 *
 * Prints a Markdown table; `--write` also adds it to docs/performance.md after the last
 * "### Proxy run of …" section. Bounded: every restore / nft run is killed after
 * BENCH_PROXY_TIMEOUT_S seconds (default 600) and that size is reported as not finished.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { coreV1, discoveryV1 } from '@berth/api-types';
import { ExecIptables, ExecNft, createTestNetns, type TestNetns } from '@berth/iptables';
import type { ProxyState } from '@berth/proxy-rules';
import { NftProxier } from '../../apps/kube-proxy/src/nft-proxier';
import { Proxier } from '../../apps/kube-proxy/src/proxier';
import type { ProxierBase, ProxyMode } from '../../apps/kube-proxy/src/proxier-base';

const ENDPOINTS = 5;
/** The endpoints' nodes; the benchmark's proxier runs on node-0 and so holds 1 in NODES hairpin entries. */
const NODES = 100;
const CHANGES = 20;
const TIMEOUT_MS = Number(process.env['BENCH_PROXY_TIMEOUT_S'] ?? '600') * 1000;

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

function ipNumber(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function slice(name: string, ips: string[]): discoveryV1.EndpointSliceJson {
  return {
    metadata: { name: `${name}-a`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    // Spread over NODES nodes, as a cluster of 10,000 services would be; the proxier is on node-0.
    endpoints: ips.map((a) => ({ addresses: [a], conditions: { ready: true }, nodeName: `node-${ipNumber(a) % NODES}` })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface RunResult {
  mode: ProxyMode;
  services: number;
  rules: number;
  fullMs: number;
  /** Of fullMs / resyncMs, the time inside nft or iptables-restore. */
  fullToolMs: number;
  resyncToolMs: number;
  fullBytes: number;
  resyncMs: number;
  incP50: number;
  incP99: number;
  bytesP50: number;
  bytesMax: number;
  idleCpuMs: number;
}

/** Time spent inside the kernel-facing tool (nft / iptables-restore), summed until reset. */
const toolTime = { ms: 0 };

/** Wraps an Nft or Iptables so every call's wall time is added to toolTime. */
function timed<T extends object>(inner: T): T {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          toolTime.ms += performance.now() - t0;
        }
      };
    },
  });
}

function makeProxier(mode: ProxyMode, ns: TestNetns, state: () => ProxyState): ProxierBase {
  const common = { state, nodeIPs: () => ['192.168.77.2'], clusterCidr: '10.244.0.0/16', nodeName: 'node-0', minSyncIntervalMs: 1000 };
  return mode === 'nftables'
    ? new NftProxier({ ...common, nft: timed(new ExecNft({ netns: ns.name, timeoutMs: TIMEOUT_MS })) })
    : new Proxier({ ...common, iptables: timed(new ExecIptables({ netns: ns.name, lockWaitSeconds: 60, timeoutMs: TIMEOUT_MS })) });
}

async function runOne(mode: ProxyMode, n: number): Promise<RunResult> {
  const ns: TestNetns = await createTestNetns();
  try {
    const { services, slices } = makeState(n);
    const holder: { state: ProxyState } = { state: { services, endpointSlices: slices } };
    const proxier = makeProxier(mode, ns, () => holder.state);
    toolTime.ms = 0;
    const full = await proxier.syncProxyRules();
    const fullToolMs = toolTime.ms;
    log(`${mode} ${n}: full sync ${(full.durationMs / 1000).toFixed(2)} s (${tool(mode)} ${(fullToolMs / 1000).toFixed(2)} s), ${full.rules} rules, ${full.restoreBytes} bytes`);
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
    log(`${mode} ${n}: incremental p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms, bytes p50 ${pct(bytes, 50)}`);
    proxier.forceFullSync();
    toolTime.ms = 0;
    const resync = await proxier.syncProxyRules();
    const resyncToolMs = toolTime.ms;
    log(`${mode} ${n}: forced full resync ${(resync.durationMs / 1000).toFixed(2)} s (${tool(mode)} ${(resyncToolMs / 1000).toFixed(2)} s)`);
    // Idle: the loop is running with nothing to do (after its first sync and the garbage
    // collection of the phases above have settled). Process CPU: the proxier's and V8's.
    proxier.start();
    await new Promise((r) => setTimeout(r, 3000));
    const before = proxier.lastSync;
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 5000));
    const cpu = process.cpuUsage(cpu0);
    const idleSyncs = proxier.lastSync === before ? 0 : 1;
    await proxier.stop();
    log(`${mode} ${n}: idle ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU in 5 s, ${idleSyncs ? 'a sync ran' : 'no sync'}`);
    return {
      mode,
      services: n,
      rules: full.rules,
      fullMs: full.durationMs,
      fullToolMs,
      resyncToolMs,
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

function tool(mode: ProxyMode): string {
  return mode === 'nftables' ? 'nft' : 'iptables-restore';
}

function log(msg: string): void {
  process.stderr.write(`[bench:proxy] ${msg}\n`);
}

function plan(modesArg: string | undefined, sizesArg: string | undefined): Array<[ProxyMode, number]> {
  if (!modesArg && !sizesArg) {
    return [
      ['iptables', 1000],
      ['nftables', 1000],
      ['nftables', 10000],
    ];
  }
  const modes = (modesArg ?? 'iptables,nftables').split(',').map((m) => m.trim());
  for (const m of modes) if (m !== 'iptables' && m !== 'nftables') throw new Error(`--modes: invalid mode "${m}": want iptables or nftables`);
  const sizes = (sizesArg ?? '1000').split(',').map(Number);
  return modes.flatMap((m) => sizes.map((n) => [m as ProxyMode, n] as [ProxyMode, number]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { modes: { type: 'string' }, sizes: { type: 'string' }, write: { type: 'boolean' } } });
  const runs = plan(values.modes ?? process.env['BENCH_PROXY_MODES'], values.sizes ?? process.env['BENCH_PROXY_SIZES']);
  const results: RunResult[] = [];
  const failures: string[] = [];
  for (const [mode, n] of runs) {
    try {
      results.push(await runOne(mode, n));
    } catch (err) {
      // Keep the runs that finished; say which did not (e.g. a restore over the time limit).
      failures.push(`| ${mode} | ${n.toLocaleString('en-US')} × ${ENDPOINTS} | did not finish: ${String((err as Error).message).split('\n')[0]} |`);
      log(`${mode} ${n} failed: ${String(err)}`);
    }
  }
  const fmtS = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const date = new Date().toISOString().slice(0, 10);
  const rows = results.map(
    (r) =>
      `| ${r.mode} | ${r.services.toLocaleString('en-US')} × ${ENDPOINTS} | ${r.rules.toLocaleString('en-US')} | ${fmtS(r.fullMs)} (${fmtS(r.fullToolMs)} in ${tool(r.mode)}; ${(r.fullBytes / 1e6).toFixed(1)} MB) | ${fmtS(r.resyncMs)} (${fmtS(r.resyncToolMs)} in ${tool(r.mode)}) | ${r.incP50.toFixed(0)} / ${r.incP99.toFixed(0)} ms | ${r.bytesP50.toLocaleString('en-US')} B (max ${r.bytesMax.toLocaleString('en-US')}) | ${r.idleCpuMs.toFixed(0)} ms / 5 s |`,
  );
  const table = [
    `| mode | services | rules | first full sync (bytes written) | forced full resync | endpoint change → live, p50 / p99 (${CHANGES} changes) | bytes written per change | CPU idle |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...failures,
  ].join('\n');
  process.stdout.write(table + '\n');
  if (values.write) {
    const file = join(import.meta.dirname, '..', '..', 'docs', 'performance.md');
    const doc = readFileSync(file, 'utf8');
    const section = `### Proxy run of ${date}\n\n${table}\n`;
    // After the last "### Proxy run of" section (before the next heading), else at the end.
    const last = doc.lastIndexOf('\n### Proxy run of ');
    const nextHeading = last < 0 ? -1 : doc.slice(last + 1).search(/\n##+ /);
    const at = last < 0 || nextHeading < 0 ? doc.length : last + 1 + nextHeading + 1;
    writeFileSync(file, `${doc.slice(0, at)}${at === doc.length ? '\n' : ''}${section}\n${doc.slice(at)}`);
    log(`added to ${file}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:proxy failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
