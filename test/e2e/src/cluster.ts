// SPDX-License-Identifier: Apache-2.0
// The e2e cluster: deploy/local/cluster.sh with its own name, subnet, ports and home, so it
// runs beside a developer's cluster; and `berth` run as the user runs it.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = join(import.meta.dirname, '../../..');
/** The book's manifests; commands run from there, so paths read as in the book. */
export const SPECS = join(ROOT, '../shared/k8s-specs');
export const CLUSTER = 'be2e';
export const SUBNET = '172.31.77';
export const NODES = [`${CLUSTER}-node1`, `${CLUSTER}-node2`];
export const nodeIP = (i: number): string => `${SUBNET}.${11 + i}`;

// BERTH_E2E_HOME reuses a cluster kept by an earlier run (with BERTH_E2E_KEEP=true). Made on
// first use: a suite that only imports this file leaves no empty directory behind.
let home: string | undefined;
const HOME = (): string => (home ??= process.env['BERTH_E2E_HOME'] || mkdtempSync('/tmp/berth-e2e-cluster-'));

/** The environment `berth` and cluster.sh run with: this cluster's name, subnet, ports and home. */
export function clusterEnv(): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    BERTH_HOME: HOME(),
    BERTH_CLUSTER: CLUSTER,
    BERTH_NODE_SUBNET: SUBNET,
    BERTH_API_PORT: '26443',
    BERTH_ETCD_PORT: '22379',
    BERTH_NATS_PORT: '24222',
    // A dead node is noticed in 20 s and its pods evicted 5 s later (Kubernetes: 40 s, 5 min).
    BERTH_NODE_MONITOR_GRACE_PERIOD: '20s',
    BERTH_POD_EVICTION_TIMEOUT: '5s',
    KUBECONFIG: join(HOME(), 'config'),
  };
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, never throwing on a non-zero exit. */
export async function sh(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? SPECS, env: clusterEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    // A command that exits without reading its stdin (ip route get) must not fail the test.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** `berth ARGS` from the book's directory. */
export const BERTH = join(ROOT, 'apps/cli/bin/berth.mjs');

export function berth(...args: string[]): Promise<Result> {
  return sh('node', [BERTH, ...args]);
}

/** `berth ARGS` that must succeed; returns stdout. */
export async function berthOk(...args: string[]): Promise<string> {
  const r = await berth(...args);
  if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** `berth apply -f -` of a manifest given as text. */
export async function applyText(manifest: string): Promise<string> {
  const r = await sh('node', [BERTH, 'apply', '-f', '-'], { input: manifest });
  if (r.code !== 0) throw new Error(`berth apply exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** An HTTP GET from inside a node's network namespace (as a process on that VM would). */
export async function curlFromNode(node: string, url: string): Promise<Result> {
  return sh('ip', ['netns', 'exec', node, 'curl', '-s', '--max-time', '5', url]);
}

export const clusterScript = (...args: string[]): Promise<Result> => sh('bash', [join(ROOT, 'deploy/local/cluster.sh'), ...args], { cwd: ROOT, timeoutMs: 30 * 60_000 });

/** The pid of a node's kubelet, from the cluster's run directory. */
export const kubeletPid = (node: string): number => Number(readFileSync(join(HOME(), 'run', `${node}-kubelet.pid`), 'utf8'));

export async function removeCluster(): Promise<void> {
  await clusterScript('down', '--purge');
  rmSync(HOME(), { recursive: true, force: true });
}

export const execFileP = promisify(execFile);
