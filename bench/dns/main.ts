// SPDX-License-Identifier: Apache-2.0
// bench/dns: cluster DNS throughput and latency on loopback. Prints figures; not a test.
// Run: node --import tsx bench/dns/main.ts
//   answer path in-process (decode + resolve + encode) per second, on this process's core
//   queries/s over UDP with the server alone on one core (taskset -c 0), 64 in flight × 4 sockets
//   p50/p99/max latency at a paced 1,000 queries/s
// Bounded: BENCH_DNS_SECONDS (default 5) per phase, BENCH_DNS_MAX (default 200,000) queries.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { ClusterRecords, encodeResponse, resolveQuery } from '@berth/dns-server';
import { queryName, syntheticRecords } from './records';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SECONDS = Number(process.env['BENCH_DNS_SECONDS'] ?? 5);
const MAX = Number(process.env['BENCH_DNS_MAX'] ?? 200_000);
const RATE = Number(process.env['BENCH_DNS_RATE'] ?? 1000);
const SOCKETS = 4;
const WINDOW = 64;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** Pre-encoded queries; the id (first two bytes) is rewritten per send. */
const QUERIES = Array.from({ length: 2000 }, (_, i) => {
  const q = queryName(i);
  return dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: q.type, name: q.name, class: 'IN' }] });
});

function inProcess(): number {
  const records = new ClusterRecords();
  syntheticRecords(records);
  const opts = { zone: 'cluster.local', ttl: 5, canForward: false };
  const deadline = performance.now() + Math.min(SECONDS, 3) * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < deadline && n < MAX) {
    for (let k = 0; k < 100; k++, n++) {
      const query = dnsPacket.decode(QUERIES[n % QUERIES.length] as Buffer);
      const res = resolveQuery(query, records, opts);
      if (res.kind === 'response') encodeResponse(res.response, query, 512);
    }
  }
  return n / ((performance.now() - start) / 1000);
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface Client {
  sock: Socket;
  sent: Map<number, number>;
}

async function openClients(port: number, onAnswer: (rttMs: number) => void): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const sock = createSocket('udp4');
      const sent = new Map<number, number>();
      sock.on('message', (m) => {
        const id = m.readUInt16BE(0);
        const t = sent.get(id);
        if (t === undefined) return;
        sent.delete(id);
        onAnswer(performance.now() - t);
      });
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      sock.connect(port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      return { sock, sent };
    }),
  );
}

let seq = 0;
function send(c: Client): void {
  const id = (seq = (seq + 1) & 0xffff);
  const q = QUERIES[seq % QUERIES.length] as Buffer;
  q.writeUInt16BE(id, 0);
  c.sent.set(id, performance.now());
  c.sock.send(q);
}

/** Closed loop: WINDOW queries in flight per socket, for SECONDS or MAX answers. */
async function throughput(port: number): Promise<{ qps: number; answered: number; lost: number }> {
  let answered = 0;
  let clients: Client[] = [];
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const refill = (c: Client): void => {
    if (performance.now() >= deadline || answered >= MAX) {
      if (clients.every((x) => x.sent.size === 0) || performance.now() >= deadline + 500) done();
      return;
    }
    while (c.sent.size < WINDOW) send(c);
  };
  clients = await openClients(port, () => {
    answered++;
  });
  // Re-fill on every answer, per socket.
  for (const c of clients) c.sock.on('message', () => refill(c));
  for (const c of clients) refill(c);
  // Lost datagrams would stall a window: drop entries older than 1 s.
  let lost = 0;
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const c of clients) {
      for (const [id, t] of c.sent) {
        if (now - t > 1000) {
          c.sent.delete(id);
          lost++;
        }
      }
      refill(c);
    }
    if (now >= deadline + 1500) done();
  }, 200);
  await finished;
  const elapsed = (Math.min(performance.now(), deadline) - start) / 1000;
  clearInterval(sweeper);
  for (const c of clients) c.sock.close();
  return { qps: answered / elapsed, answered, lost };
}

/** Open loop: RATE queries/s spread over the sockets, for SECONDS; latency of each. */
async function paced(port: number): Promise<{ p50: number; p99: number; max: number; n: number; lost: number }> {
  const rtts: number[] = [];
  const clients = await openClients(port, (ms) => rtts.push(ms));
  const total = Math.min(MAX, RATE * SECONDS);
  const start = performance.now();
  let sentCount = 0;
  while (sentCount < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
    while (sentCount < due) send(clients[sentCount++ % clients.length] as Client);
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const c of clients) c.sock.close();
  return { p50: pct(rtts, 50), p99: pct(rtts, 99), max: Math.max(...rtts), n: rtts.length, lost: total - rtts.length };
}

async function main(): Promise<void> {
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  const args = ['--import', 'tsx', join(REPO, 'bench/dns/server.ts')];
  const child = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
  console.log(`# bench/dns — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}; server ${hasTaskset ? 'pinned to core 0' : 'not pinned (no taskset)'}`);
  console.log(`answer path in-process (decode+resolve+encode): ${Math.round(inProcess()).toLocaleString('en')} queries/s`);
  // Warm up the server's JIT.
  await throughput(port).catch(() => undefined);
  const cpu0 = cpuSeconds(child.pid);
  const t = await throughput(port);
  const cpu = cpuSeconds(child.pid) - cpu0;
  console.log(`UDP throughput, ${SOCKETS}×${WINDOW} in flight: ${Math.round(t.qps).toLocaleString('en')} queries/s (${t.answered.toLocaleString('en')} answered, ${t.lost} lost)`);
  console.log(`server CPU: ${cpu.toFixed(2)} s for those → ${Math.round(t.answered / cpu).toLocaleString('en')} queries per CPU-second (the one-core capacity, independent of what else runs on the core)`);
  const l = await paced(port);
  console.log(`latency at ${RATE.toLocaleString('en')} queries/s: p50 ${l.p50.toFixed(3)} ms, p99 ${l.p99.toFixed(3)} ms, max ${l.max.toFixed(3)} ms (${l.n.toLocaleString('en')} answered, ${l.lost} lost)`);
  child.kill('SIGTERM');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
