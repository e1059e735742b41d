// SPDX-License-Identifier: Apache-2.0
// Runs berth in-process against a FakeApi and captures what it prints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApi } from '@berth/client/testing';
import type { ResourceType } from '@berth/client';
import type { Terminal } from './context';
import { runCli } from './program';

/** The book's manifests: tests run from there so paths read as in the book. */
export const SPECS = join(import.meta.dirname, '../../../../../shared/k8s-specs');

export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const SERVICES: ResourceType = { group: '', version: 'v1', resource: 'services' };
export const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments' };
export const REPLICASETS: ResourceType = { group: 'apps', version: 'v1', resource: 'replicasets' };
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
export const CONFIGMAPS: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };
export const SECRETS: ResourceType = { group: '', version: 'v1', resource: 'secrets' };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const NOW = new Date('2024-01-01T12:00:00Z');

let homes: string | undefined;
/** A fresh home directory, under one per-process directory removed when the process exits. */
export function tempHome(): string {
  if (!homes) {
    const root = mkdtempSync(join(tmpdir(), 'berth-homes-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    homes = root;
  }
  return mkdtempSync(join(homes, 'home-'));
}

/** A FakeApi whose clock is fixed at NOW. */
export function fakeApi(): FakeApi {
  return new FakeApi({ now: () => NOW });
}

/** Runs one berth command line against `api`. */
export async function berth(
  api: FakeApi | undefined,
  args: string[],
  opts: { stdin?: string; cwd?: string; home?: string; env?: Record<string, string>; editor?: (file: string) => Promise<void>; terminal?: Terminal } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s) => void (stdout += s) },
    stderr: { write: (s) => void (stderr += s) },
    readStdin: async () => opts.stdin ?? '',
    ...(opts.terminal ? { terminal: opts.terminal } : {}),
    env: opts.env ?? {},
    cwd: opts.cwd ?? SPECS,
    home: opts.home ?? tempHome(),
    now: () => NOW,
    ...(api ? { client: api } : {}),
    sleep: async () => {
      await new Promise((r) => setImmediate(r));
    },
    ...(opts.editor ? { runEditor: (file: string) => (opts.editor as (f: string) => Promise<void>)(file) } : {}),
  });
  return { code, stdout, stderr };
}
