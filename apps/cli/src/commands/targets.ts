// SPDX-License-Identifier: Apache-2.0
import { StatusError, type KubeObject, type ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { UsageError, formatError } from './errors';
import type { Opts } from './flags';
import { readManifests } from './manifests';
import { namespaceFor, parseResourceArgs, typeOf } from './resources';

/** The objects a command names by arguments (`type name`, `type/name`, `-l`) or by -f. */
export async function namedTargets(
  ctx: CommandContext,
  args: string[],
  opts: Opts,
  path: string,
): Promise<Array<{ info: ResourceInfo; obj: KubeObject }>> {
  const out: Array<{ info: ResourceInfo; obj: KubeObject }> = [];
  const files = opts['filename'] as string[] | undefined;
  if (files && files.length > 0) {
    for (const m of await readManifests(ctx, files)) {
      out.push({ info: m.info, obj: await ctx.client().get(typeOf(m.info), m.namespace, m.obj.metadata?.name ?? '') });
    }
    return out;
  }
  if (args.length === 0) throw new UsageError('one or more resources must be specified as <resource> <name> or <resource>/<name>', path);
  for (const sel of parseResourceArgs(args)) {
    const ns = namespaceFor(sel.info, ctx.namespace);
    if (sel.names.length === 0) {
      if (!opts['selector'] && !opts['all']) throw new UsageError('resource(s) were provided, but no name was specified', path);
      const list = await ctx.client().list(typeOf(sel.info), {
        namespace: ctx.allNamespaces ? '' : ns,
        ...(opts['selector'] ? { labelSelector: String(opts['selector']) } : {}),
      });
      for (const obj of list.items) out.push({ info: sel.info, obj });
      continue;
    }
    for (const name of sel.names) {
      try {
        out.push({ info: sel.info, obj: await ctx.client().get(typeOf(sel.info), ns, name) });
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        ctx.stderr.write(formatError(e));
        ctx.failed = true;
      }
    }
  }
  return out;
}
