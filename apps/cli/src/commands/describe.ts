// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { isNotFound, resourceFor, StatusError, type KubeObject, type ResourceInfo } from '@berth/api';
import { describe as describeObject, type DescribeContext } from '../describe';
import type { CommandContext } from './context';
import { UsageError, formatError } from './errors';
import { boolFlag, collect, type Opts } from './flags';
import { readManifests } from './manifests';
import { action, type ContextFactory } from './program';
import { namespaceFor, parseResourceArgs, typeOf } from './resources';
import { noResourcesMessage } from './get';

const EVENTS = { group: '', version: 'v1', resource: 'events' };

/**
 * The events about one object: by involvedObject name, then narrowed to its uid. As in
 * kubectl (`events, _ = searchEvents(...)`), events that cannot be read (a user not
 * allowed to list them, a server without an event stream) leave the list empty rather
 * than failing the describe.
 */
export async function eventsFor(ctx: CommandContext, info: ResourceInfo, obj: KubeObject): Promise<KubeObject[]> {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace ?? '';
  const uid = obj.metadata?.uid;
  const matches = (e: KubeObject): boolean => {
    const io = (e['involvedObject'] ?? {}) as Record<string, unknown>;
    if (io['name'] !== name || (io['kind'] && io['kind'] !== info.kind)) return false;
    return !uid || !io['uid'] || io['uid'] === uid;
  };
  let items: KubeObject[];
  try {
    try {
      items = (await ctx.client().list(EVENTS, { namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items;
    } catch (e) {
      // A server that cannot select on involvedObject: list the namespace and filter here.
      if (!(e instanceof StatusError) || e.reason !== 'BadRequest') throw e;
      items = (await ctx.client().list(EVENTS, { namespace: ns })).items;
    }
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    return [];
  }
  return items.filter(matches);
}

function describeContext(ctx: CommandContext, events: KubeObject[], showEvents: boolean): DescribeContext {
  return {
    list: async (resource, group, namespace, opts) => {
      const info = resourceFor(group, resource);
      const type = info ? typeOf(info) : { group, version: 'v1', resource };
      return (await ctx.client().list(type, { namespace, ...(opts ?? {}) })).items;
    },
    events,
    now: ctx.now(),
    showEvents,
  };
}

/**
 * The objects `describe TYPE NAME` means: the object with that name, or else (kubectl's
 * fallback) every object of the type whose name starts with it.
 */
export async function findByNameOrPrefix(ctx: CommandContext, info: ResourceInfo, name: string): Promise<KubeObject[]> {
  const ns = namespaceFor(info, ctx.namespace);
  try {
    return [await ctx.client().get(typeOf(info), ns, name)];
  } catch (e) {
    if (!isNotFound(e)) throw e;
    const all = await ctx.client().list(typeOf(info), { namespace: ns });
    const matched = all.items.filter((o) => (o.metadata?.name ?? '').startsWith(name));
    if (matched.length === 0) throw e;
    return matched;
  }
}

/** `describe`: the describe worker's text per object, separated as kubectl separates them. */
export async function runDescribe(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  const showEvents = opts['showEvents'] !== false;
  const targets: Array<{ info: ResourceInfo; obj: KubeObject }> = [];
  const files = opts['filename'] as string[] | undefined;
  if (files && files.length > 0) {
    for (const m of await readManifests(ctx, files, Boolean(opts['recursive']))) {
      try {
        targets.push({ info: m.info, obj: await ctx.client().get(typeOf(m.info), m.namespace, m.obj.metadata?.name ?? '') });
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        ctx.stderr.write(formatError(e));
        ctx.failed = true;
      }
    }
  } else {
    if (args.length === 0) {
      throw new UsageError(
        'You must specify the type of resource to describe. Use "berth api-resources" for a complete list of supported resources.',
        'berth describe',
      );
    }
    for (const sel of parseResourceArgs(args)) {
      if (sel.names.length === 0) {
        const list = await ctx.client().list(typeOf(sel.info), {
          namespace: ctx.allNamespaces ? '' : namespaceFor(sel.info, ctx.namespace),
          ...(opts['selector'] ? { labelSelector: String(opts['selector']) } : {}),
        });
        if (list.items.length === 0) ctx.stderr.write(noResourcesMessage(ctx, sel.info.namespaced));
        for (const obj of list.items) targets.push({ info: sel.info, obj });
        continue;
      }
      for (const name of sel.names) {
        try {
          for (const obj of await findByNameOrPrefix(ctx, sel.info, name)) targets.push({ info: sel.info, obj });
        } catch (e) {
          if (!(e instanceof StatusError)) throw e;
          ctx.stderr.write(formatError(e));
          ctx.failed = true;
        }
      }
    }
  }
  let first = true;
  for (const t of targets) {
    const events = showEvents ? await eventsFor(ctx, t.info, t.obj) : [];
    const text = await describeObject(t.obj, describeContext(ctx, events, showEvents));
    ctx.stdout.write(first ? text : `\n\n${text}`);
    first = false;
  }
}

/** Registers `describe`. */
export function registerDescribe(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('describe')
    .description('Show details of a resource or group of resources (a name may be a prefix)')
    .argument('[args...]')
    .option('-l, --selector <selector>', 'Label selector')
    .option('-f, --filename <file>', 'Describe the objects a manifest names (repeatable)', collect);
  boolFlag(cmd, '--show-events', 'Print the events about the object', true);
  boolFlag(cmd, '-R, --recursive', 'Process the directory used in -f recursively');
  action(cmd, ctx, (c, args, opts) => runDescribe(c, args, opts));
}
