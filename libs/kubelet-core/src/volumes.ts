// SPDX-License-Identifier: Apache-2.0
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Mount } from '@berth/runtime';
import type { Container, ObjectSource, Pod } from './types';

const run = promisify(execFile);

/** A volume that could not be set up; the message follows Kubernetes' FailedMount text. */
export class MountError extends Error {
  override readonly name = 'MountError';
  constructor(
    readonly volume: string,
    detail: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${detail}`);
  }
}

/** A prepared volume: its host directory (or file, for hostPath). */
export interface PreparedVolume {
  hostPath: string;
}

/**
 * VolumeManager sets up a pod's volumes under <rootDir>/pods/<uid>/volumes: emptyDir (a
 * directory that outlives container restarts; medium Memory mounts a tmpfs there),
 * hostPath (with its type checks), configMap and secret (files from the object's keys or
 * `items`, with defaultMode/mode; rewritten when the object changes). Called on every pod
 * sync, so updates to ConfigMaps and Secrets reach running pods.
 */
export class VolumeManager {
  constructor(
    readonly rootDir: string,
    private readonly objects: Pick<ObjectSource, 'configMap' | 'secret'>,
  ) {}

  podDir(uid: string): string {
    return join(this.rootDir, 'pods', uid);
  }

  /** Sets up every volume of the pod; throws MountError for the first that fails. */
  async setUp(pod: Pod): Promise<Map<string, PreparedVolume>> {
    const uid = pod.metadata?.uid ?? '';
    const ns = pod.metadata?.namespace ?? 'default';
    const out = new Map<string, PreparedVolume>();
    for (const v of pod.spec?.volumes ?? []) {
      const name = v.name ?? '';
      const base = join(this.podDir(uid), 'volumes');
      if (v.emptyDir) {
        const dir = join(base, 'kubernetes.io~empty-dir', name);
        await mkdir(dir, { recursive: true, mode: 0o777 });
        if (v.emptyDir.medium === 'Memory') await mountTmpfs(dir, v.emptyDir.sizeLimit);
        await chmod(dir, 0o777);
        out.set(name, { hostPath: dir });
      } else if (v.hostPath) {
        out.set(name, { hostPath: await checkHostPath(name, v.hostPath.path ?? '', v.hostPath.type ?? '') });
      } else if (v.configMap) {
        const cmName = v.configMap.name ?? '';
        const cm = this.objects.configMap(ns, cmName);
        const dir = join(base, 'kubernetes.io~configmap', name);
        if (!cm && !v.configMap.optional) throw new MountError(name, `configmap "${cmName}" not found`);
        const data: Record<string, Buffer> = {};
        for (const [k, s] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(s);
        for (const [k, s] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(s, 'base64');
        await writeProjection(name, dir, data, v.configMap.items, v.configMap.defaultMode ?? 0o644, !!v.configMap.optional);
        out.set(name, { hostPath: dir });
      } else if (v.secret) {
        const sName = v.secret.secretName ?? '';
        const s = this.objects.secret(ns, sName);
        const dir = join(base, 'kubernetes.io~secret', name);
        if (!s && !v.secret.optional) throw new MountError(name, `secret "${sName}" not found`);
        const data: Record<string, Buffer> = {};
        for (const [k, val] of Object.entries(s?.data ?? {})) data[k] = Buffer.from(val, 'base64');
        await writeProjection(name, dir, data, v.secret.items, v.secret.defaultMode ?? 0o644, !!v.secret.optional);
        out.set(name, { hostPath: dir });
      } else if (v.downwardAPI) {
        const dir = join(base, 'kubernetes.io~downward-api', name);
        const data: Record<string, Buffer> = {};
        for (const item of v.downwardAPI.items ?? []) {
          if (item.path && item.fieldRef?.fieldPath) {
            const { podField } = await import('./container-env');
            data[item.path] = Buffer.from(podField(pod, item.fieldRef.fieldPath));
          }
        }
        await writeProjection(name, dir, data, undefined, v.downwardAPI.defaultMode ?? 0o644, true);
        out.set(name, { hostPath: dir });
      } else {
        throw new MountError(name, 'volume type is not supported by this kubelet');
      }
    }
    return out;
  }

  /** Removes a pod's volumes (unmounting tmpfs emptyDirs first). */
  async tearDown(uid: string): Promise<void> {
    const dir = join(this.podDir(uid), 'volumes', 'kubernetes.io~empty-dir');
    try {
      for (const name of await readdir(dir)) await run('umount', [join(dir, name)]).catch(() => undefined);
    } catch {
      // no emptyDirs
    }
    await rm(this.podDir(uid), { recursive: true, force: true });
  }

  /** The pod directories present on disk (orphans are removed by the kubelet's housekeeping). */
  async podUids(): Promise<string[]> {
    try {
      return await readdir(join(this.rootDir, 'pods'));
    } catch {
      return [];
    }
  }
}

/** The bind mounts of one container, from its volumeMounts (with subPath). */
export function containerMounts(c: Container, volumes: Map<string, PreparedVolume>): Mount[] {
  const mounts: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = volumes.get(m.name ?? '');
    if (!v || !m.mountPath) continue;
    const sub = m.subPath ? normalize(m.subPath).replace(/^(\.\.(\/|$))+/, '') : '';
    mounts.push({ hostPath: sub ? join(v.hostPath, sub) : v.hostPath, containerPath: m.mountPath, readOnly: !!m.readOnly });
  }
  return mounts;
}

async function mountTmpfs(dir: string, sizeLimit: string | undefined): Promise<void> {
  const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
  if (mounts.split('\n').some((l) => l.split(' ')[1] === dir)) return;
  const opts = sizeLimit ? ['-o', `size=${sizeLimit.replace(/i$/, '')}`] : [];
  await run('mount', ['-t', 'tmpfs', ...opts, 'tmpfs', dir]).catch((err: Error) => {
    throw new MountError(dir.split('/').pop() ?? dir, `mount tmpfs: ${err.message}`);
  });
}

/**
 * Writes the keys (or the chosen items) of a ConfigMap/Secret into dir with their modes,
 * replacing each file atomically and removing files of keys that went away.
 */
async function writeProjection(
  volume: string,
  dir: string,
  data: Record<string, Buffer>,
  items: Array<{ key?: string; path?: string; mode?: number }> | undefined,
  defaultMode: number,
  optional: boolean,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files = new Map<string, { content: Buffer; mode: number }>();
  if (items && items.length > 0) {
    for (const it of items) {
      const content = data[it.key ?? ''];
      if (content === undefined) {
        if (optional) continue;
        throw new MountError(volume, `configmap references non-existent config key: ${it.key}`);
      }
      files.set(normalize(it.path ?? it.key ?? '').replace(/^(\.\.(\/|$))+/, ''), { content, mode: it.mode ?? defaultMode });
    }
  } else {
    for (const [k, content] of Object.entries(data)) files.set(k, { content, mode: defaultMode });
  }
  for (const [rel, f] of files) {
    const target = join(dir, rel);
    await mkdir(dirname(target), { recursive: true });
    const cur = await readFile(target).catch(() => undefined);
    const curMode = cur ? (await stat(target)).mode & 0o777 : -1;
    if (cur && cur.equals(f.content) && curMode === (f.mode & 0o777)) continue;
    const tmp = `${target}.berth-tmp`;
    await writeFile(tmp, f.content);
    await chmod(tmp, f.mode & 0o777);
    await rename(tmp, target);
  }
  // drop files of removed keys (top level only: items with nested paths are rare)
  for (const name of await readdir(dir)) {
    if (![...files.keys()].some((k) => k === name || k.startsWith(name + '/'))) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** hostPath type checks, with Kubernetes' messages. Returns the path to bind. */
async function checkHostPath(volume: string, path: string, type: string): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  const fail = (what: string): never => {
    throw new MountError(volume, `hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type) {
    case '':
      if (!st) await mkdir(path, { recursive: true }); // Kubernetes' docker runtime creates missing paths as dirs
      return path;
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('a directory');
      return path;
    case 'Directory':
      if (!st || !st.isDirectory()) fail('a directory');
      return path;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!st.isFile()) fail('a file');
      return path;
    case 'File':
      if (!st || !st.isFile()) fail('a file');
      return path;
    case 'Socket':
      if (!st || !st.isSocket()) fail('a socket file');
      return path;
    case 'CharDevice':
      if (!st || !st.isCharacterDevice()) fail('a character device');
      return path;
    case 'BlockDevice':
      if (!st || !st.isBlockDevice()) fail('a block device');
      return path;
    default:
      throw new MountError(volume, `invalid hostPath type ${JSON.stringify(type)}`);
  }
}
