// SPDX-License-Identifier: Apache-2.0
// Where the machine's CPU went during a benchmark phase: per process group from /proc, the
// rest (short-lived runc and docker-init processes, the kernel's softirqs) as "other".
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface CpuSample {
  /** ms of CPU (user + system) per pid, with the group the pid belongs to. */
  pids: Map<number, { group: string; ms: number }>;
  /** ms of CPU of the whole machine (all cores, idle and iowait excluded). */
  totalMs: number;
}

/** A process's group: its `comm`, or for node processes the app it runs (kubelet, apiserver…). */
function groupOf(pid: number, comm: string): string {
  if (comm !== 'node' && comm !== 'MainThread') return comm.startsWith('containerd-shim') ? 'containerd-shim' : comm;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const app = args.map((a) => /apps\/([a-z-]+)\/|images\/([a-z-]+)\/main\.mjs/.exec(a)).find(Boolean);
    return app ? (app[1] ?? app[2] ?? 'node') : 'node (bench)';
  } catch {
    return 'node';
  }
}

export function sampleCpu(): CpuSample {
  const pids = new Map<number, { group: string; ms: number }>();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      pids.set(pid, { group: groupOf(pid, comm), ms: (Number(f[11]) + Number(f[12])) * TICK_MS });
    } catch {
      // gone while we looked
    }
  }
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const busy = cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
  return { pids, totalMs: busy * TICK_MS };
}

/** CPU seconds per group between two samples, biggest first, with "other" for what no live process accounts for. */
export function cpuBetween(a: CpuSample, b: CpuSample): Array<{ group: string; seconds: number }> {
  const by = new Map<string, number>();
  let accounted = 0;
  for (const [pid, p] of b.pids) {
    const ms = p.ms - (a.pids.get(pid)?.ms ?? 0);
    if (ms <= 0) continue;
    by.set(p.group, (by.get(p.group) ?? 0) + ms);
    accounted += ms;
  }
  by.set('other (exited processes, kernel)', Math.max(0, b.totalMs - a.totalMs - accounted));
  return [...by].map(([group, ms]) => ({ group, seconds: ms / 1000 })).sort((x, y) => y.seconds - x.seconds);
}

/** "dockerd 12.3 s, kubelet 4.1 s, …" for the groups above `min` seconds. */
export function formatCpu(rows: Array<{ group: string; seconds: number }>, min = 0.2): string {
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  return `${total.toFixed(1)} CPU-s: ` + rows.filter((r) => r.seconds >= min).map((r) => `${r.group} ${r.seconds.toFixed(1)}`).join(', ');
}

/** CPU seconds (user + system) of the processes whose command line contains `match`. */
export function cpuSecondsOf(match: string): number {
  let ms = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(match)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch {
      // the process ended meanwhile
    }
  }
  return ms / 1000;
}
