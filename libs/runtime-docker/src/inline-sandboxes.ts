// SPDX-License-Identifier: Apache-2.0
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxConfig, SandboxInfo } from '@berth/runtime';

/** A sandbox without a pause container, as stored in its state directory. */
export interface InlineSandbox {
  id: string;
  config: SandboxConfig;
  /** The pod IP, kept while the sandbox is ready (its container may be between runs). */
  ip: string;
  ready: boolean;
  createdAt: string;
}

const FILE = 'sandbox.json';

/**
 * The sandboxes of single-container pods (SandboxConfig.singleContainer): no pause
 * container holds their network, the pod's one container joins the node network itself
 * with the sandbox's IP, hostname and DNS, and every restart of it gets the same IP back.
 * Docker knows nothing of such a sandbox, so each is a record (sandbox.json) in its state
 * directory beside its hosts and resolv.conf, read back when the kubelet restarts.
 */
export class InlineSandboxes {
  private readonly byId = new Map<string, InlineSandbox>();

  constructor(private readonly root: string) {}

  /** Reads every record under the state directory (kubelet start). */
  async load(): Promise<void> {
    let dirs: string[];
    try {
      dirs = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const d of dirs) {
      try {
        const s = JSON.parse(await readFile(join(this.root, d, FILE), 'utf8')) as InlineSandbox;
        if (s.id === d) this.byId.set(d, s);
      } catch {
        // a pause sandbox's directory (no record), or a record cut short by a crash: the
        // kubelet sees no sandbox for the pod and makes a new one
      }
    }
  }

  get(id: string): InlineSandbox | undefined {
    return this.byId.get(id);
  }

  list(podUid?: string): InlineSandbox[] {
    return [...this.byId.values()].filter((s) => !podUid || s.config.pod.uid === podUid);
  }

  /** Writes the record (atomically: a crash leaves the old one or the new one). */
  async save(s: InlineSandbox): Promise<void> {
    const dir = join(this.root, s.id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${FILE}.tmp`), JSON.stringify(s));
    await rename(join(dir, `${FILE}.tmp`), join(dir, FILE));
    this.byId.set(s.id, s);
  }

  async delete(id: string): Promise<void> {
    this.byId.delete(id);
    await rm(join(this.root, id, FILE), { force: true });
  }

  /** The runtime's view of a record. */
  static info(s: InlineSandbox): SandboxInfo {
    return {
      id: s.id,
      pod: s.config.pod,
      attempt: s.config.attempt,
      state: s.ready ? 'ready' : 'notready',
      ip: s.ready ? s.ip : '',
      createdAt: new Date(s.createdAt),
      labels: { ...s.config.labels },
    };
  }
}
