// SPDX-License-Identifier: Apache-2.0
import { allResources, resolveResource, type KubeObject, type ResourceInfo } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { CliError } from './errors';

/** The resource a CLI word names ('po', 'deployments.apps'), or kubectl's error. */
export function resolveType(word: string): ResourceInfo {
  const info = resolveResource(word);
  if (!info) throw new CliError(`the server doesn't have a resource type "${word}"`);
  return info;
}

/** The ApiClient's name for a resource. */
export function typeOf(info: ResourceInfo): ResourceType {
  return { group: info.group, version: info.version, resource: info.resource };
}

/** kubectl's lower-case kind qualified by group: "pod", "deployment.apps". */
export function kindRef(info: ResourceInfo): string {
  const kind = info.kind.toLowerCase();
  return info.group ? `${kind}.${info.group}` : kind;
}

/** kubectl's `type/name` for messages and -o name: "pod/db", "deployment.apps/web". */
export function objectRef(info: ResourceInfo, name: string): string {
  return `${kindRef(info)}/${name}`;
}

/** The kinds `get all` lists, in discovery order (core, apps, autoscaling, batch). */
export function allCategory(): ResourceInfo[] {
  return allResources().filter((r) => r.categories.includes('all'));
}

/** One resource type with the names asked for (none: every object of the type). */
export interface ResourceSelection {
  info: ResourceInfo;
  names: string[];
}

/**
 * Reads kubectl's resource arguments: `pods`, `pods db web`, `pod/db svc/web`,
 * `deploy,pvc jenkins`, `all`. Types are resolved against the scheme; `type/name` and
 * separate types cannot be mixed (kubectl's rule).
 */
export function parseResourceArgs(args: string[], opts: { expandAll?: boolean } = {}): ResourceSelection[] {
  const [first, ...rest] = args;
  if (first === undefined) return [];
  if (first.includes('/')) {
    const out: ResourceSelection[] = [];
    for (const arg of args) {
      const slash = arg.indexOf('/');
      if (slash <= 0 || slash === arg.length - 1) {
        throw new CliError(
          `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'berth get resource/<resource_name>' instead of 'berth get resource resource/<resource_name>'`,
        );
      }
      const info = resolveType(arg.slice(0, slash));
      const name = arg.slice(slash + 1);
      const prev = out.find((s) => s.info === info);
      if (prev) prev.names.push(name);
      else out.push({ info, names: [name] });
    }
    return out;
  }
  for (const r of rest) {
    if (r.includes('/')) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'berth get resource/<resource_name>' instead of 'berth get resource resource/<resource_name>'`,
      );
    }
  }
  const infos: ResourceInfo[] = [];
  for (const word of first.split(',').filter(Boolean)) {
    const expanded = word.toLowerCase() === 'all' && opts.expandAll !== false ? allCategory() : [resolveType(word)];
    for (const info of expanded) if (!infos.includes(info)) infos.push(info);
  }
  return infos.map((info) => ({ info, names: [...rest] }));
}

/** The namespace to use for an object of this type: '' for cluster-scoped kinds. */
export function namespaceFor(info: ResourceInfo, namespace: string): string {
  return info.namespaced ? namespace : '';
}

/** The name of an object, never undefined. */
export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}
