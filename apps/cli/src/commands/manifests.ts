// SPDX-License-Identifier: Apache-2.0
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseManifests, resourceForKind, StatusError, type KubeObject, type ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { CliError } from './errors';

/** One object read from a manifest, with the file it came from and its resource. */
export interface ManifestObject {
  obj: KubeObject;
  /** The file as the user named it ("pod/db.yml", "STDIN"), for kubectl's messages. */
  source: string;
  info: ResourceInfo;
  /** The namespace it goes to ('' for cluster-scoped kinds). */
  namespace: string;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/** The files -f names: a file, a directory's manifests (-R: recursively), or "-" for stdin. */
export function expandPaths(paths: string[], recursive: boolean, cwd: string): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    if (/^https?:\/\//i.test(p)) {
      throw new CliError(
        `unable to read URL "${p}": berth does not fetch manifests over the network; download the file and pass its path with -f`,
      );
    }
    const abs = resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new CliError(`the path "${p}" does not exist`);
    }
    if (st.isDirectory()) out.push(...walk(p, abs, recursive));
    else out.push(p);
  }
  return out;
}

function walk(shown: string, abs: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isDirectory()) {
      if (recursive) out.push(...walk(join(shown, entry.name), join(abs, entry.name), true));
    } else if (MANIFEST_EXTENSIONS.test(entry.name)) {
      out.push(join(shown, entry.name));
    }
  }
  return out;
}

/** Parses manifest text into objects; YAML errors become kubectl's client-side error. */
export function parseManifestText(text: string, source: string): KubeObject[] {
  try {
    return parseManifests(text, source);
  } catch (e) {
    if (e instanceof StatusError) throw new CliError(e.message);
    throw e;
  }
}

/** The resource of a manifest object, with kubectl's errors for a missing or unknown kind. */
export function infoForManifest(obj: KubeObject, source: string): ResourceInfo {
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  if (!kind || !apiVersion) {
    const missing = !kind ? 'kind not set' : 'apiVersion not set';
    throw new CliError(
      `error validating "${source}": error validating data: ${missing}; if you choose to ignore these errors, turn validation off with --validate=false`,
    );
  }
  const info = resourceForKind(apiVersion, kind);
  if (!info) {
    throw new CliError(
      `resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`,
    );
  }
  return info;
}

/**
 * The namespace an object goes to: its own metadata.namespace, else the command's. With
 * an explicit -n that differs from the manifest's, kubectl refuses.
 */
export function manifestNamespace(obj: KubeObject, info: ResourceInfo, ctx: Pick<CommandContext, 'namespace' | 'namespaceExplicit'>): string {
  if (!info.namespaced) return '';
  const own = obj.metadata?.namespace;
  if (own && ctx.namespaceExplicit && own !== ctx.namespace) {
    throw new CliError(
      `the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  return own || ctx.namespace;
}

/**
 * Reads every object the -f flags name, in order. Stops at the first file that cannot be
 * read or parsed (kubectl does the same before sending anything from that file).
 */
export async function readManifests(
  ctx: CommandContext,
  paths: string[],
  recursive = false,
): Promise<ManifestObject[]> {
  if (paths.length === 0) throw new CliError('must specify one of -f and -k');
  const out: ManifestObject[] = [];
  for (const file of expandPaths(paths, recursive, ctx.cwd)) {
    const source = file === '-' ? 'STDIN' : file;
    const text = file === '-' ? await ctx.readStdin() : readFileSync(resolve(ctx.cwd, file), 'utf8');
    for (const obj of parseManifestText(text, source)) {
      const info = infoForManifest(obj, source);
      out.push({ obj, source, info, namespace: manifestNamespace(obj, info, ctx) });
    }
  }
  return out;
}
