// SPDX-License-Identifier: Apache-2.0
import { Option, type Command } from 'commander';
import { isNotFound, StatusError, type DeleteOptions, type ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, ContextError, UsageError, formatError } from './errors';
import { boolFlag, collect, intFlag, type Opts } from './flags';
import { readManifests } from './manifests';
import { action, type ContextFactory } from './program';
import { kindRef, namespaceFor, objectRef, parseResourceArgs, typeOf } from './resources';
import { noResourcesMessage } from './get';

/** One object to delete, and where it was named (a manifest, for error context). */
interface Target {
  info: ResourceInfo;
  namespace: string;
  name: string;
  source?: string;
}

/** kubectl's --cascade values → the API's propagationPolicy. */
export function propagationPolicy(cascade: unknown): 'Background' | 'Foreground' | 'Orphan' {
  if (cascade === undefined || cascade === true || cascade === 'true' || cascade === 'background') return 'Background';
  if (cascade === 'foreground') return 'Foreground';
  if (cascade === false || cascade === 'false' || cascade === 'orphan') return 'Orphan';
  throw new CliError(`invalid cascade value (${String(cascade)}). Must be "background", "foreground", or "orphan".`);
}

/** The DeleteOptions for the flags: --grace-period, --now (1 s), --force (0 s), --cascade. */
export function deleteOptionsFor(opts: Opts): DeleteOptions {
  let grace = intFlag(opts['gracePeriod'], 'grace-period');
  if (grace !== undefined && grace < 0) grace = undefined;
  if (opts['now']) {
    if (grace !== undefined) throw new CliError('--now and --grace-period cannot be specified together');
    grace = 1;
  }
  if (opts['force'] && grace === undefined) grace = 0;
  if (grace === 0 && !opts['force']) grace = 1; // kubectl: 0 means "immediately" only with --force.
  return { propagationPolicy: propagationPolicy(opts['cascade']), ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) };
}

async function collectTargets(ctx: CommandContext, args: string[], opts: Opts): Promise<Target[]> {
  const files = opts['filename'] as string[] | undefined;
  if (files && files.length > 0) {
    if (args.length > 0) throw new UsageError('when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well', 'berth delete');
    return (await readManifests(ctx, files, Boolean(opts['recursive']))).map((m) => ({
      info: m.info,
      namespace: m.namespace,
      name: m.obj.metadata?.name ?? '',
      source: m.source,
    }));
  }
  if (args.length === 0) {
    throw new UsageError(
      'You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   \'-f rsrc.yaml\'\n   \'--filename=rsrc.json\'\n   \'<resource> <name>\'\n   \'<resource>\'',
      'berth delete',
    );
  }
  const out: Target[] = [];
  for (const sel of parseResourceArgs(args)) {
    const ns = namespaceFor(sel.info, ctx.namespace);
    if (sel.names.length > 0) {
      if (opts['all'] || opts['selector']) throw new CliError('name cannot be provided when a selector is specified');
      for (const name of sel.names) out.push({ info: sel.info, namespace: ns, name });
      continue;
    }
    if (!opts['all'] && !opts['selector'] && !opts['fieldSelector']) {
      throw new CliError('resource(s) were provided, but no name was specified');
    }
    const list = await ctx.client().list(typeOf(sel.info), {
      namespace: ctx.allNamespaces ? '' : ns,
      ...(opts['selector'] ? { labelSelector: String(opts['selector']) } : {}),
      ...(opts['fieldSelector'] ? { fieldSelector: String(opts['fieldSelector']) } : {}),
    });
    for (const o of list.items) out.push({ info: sel.info, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
    if (list.items.length === 0) ctx.stderr.write(noResourcesMessage(ctx, sel.info.namespaced));
  }
  return out;
}

/** Polls until every object is gone (delete --wait), or fails after the timeout. */
export async function waitForDeletion(ctx: CommandContext, targets: Target[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const t of targets) {
    for (;;) {
      try {
        await ctx.client().get(typeOf(t.info), t.namespace, t.name);
      } catch (e) {
        if (isNotFound(e)) break;
        throw e;
      }
      if (Date.now() >= deadline) {
        throw new CliError(`timed out waiting for the condition on ${t.info.resource}${t.info.group ? `.${t.info.group}` : ''}/${t.name}`);
      }
      await ctx.sleep(250);
    }
  }
}

/** `delete`: deletes what the arguments, -f, -l or --all name; prints `pod "db" deleted`. */
export async function runDelete(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  const options = deleteOptionsFor(opts);
  if (opts['force'] && options.gracePeriodSeconds === 0) {
    ctx.stderr.write(
      'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n',
    );
  }
  const targets = await collectTargets(ctx, args, opts);
  const deleted: Target[] = [];
  for (const t of targets) {
    try {
      await ctx.client().delete(typeOf(t.info), t.namespace, t.name, options);
      deleted.push(t);
      ctx.stdout.write(opts['output'] === 'name' ? `${objectRef(t.info, t.name)}\n` : `${kindRef(t.info)} "${t.name}" deleted\n`);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      if (opts['ignoreNotFound'] && isNotFound(e)) continue;
      ctx.stderr.write(formatError(t.source ? new ContextError(`error when deleting "${t.source}"`, e) : e));
      ctx.failed = true;
    }
  }
  if (opts['wait'] !== false && deleted.length > 0) {
    const timeout = intFlagDuration(opts['timeout']);
    await waitForDeletion(ctx, deleted, timeout ?? 60_000 + 1000 * (options.gracePeriodSeconds ?? 30));
  }
}

function intFlagDuration(v: unknown): number | undefined {
  if (v === undefined || v === '0' || v === '0s') return undefined;
  const m = /^(\d+)(ms|s|m|h)?$/.exec(String(v));
  if (!m) throw new CliError(`invalid argument "${String(v)}" for "--timeout" flag: time: invalid duration "${String(v)}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}

/** Registers `delete`. */
export function registerDelete(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('delete')
    .description('Delete resources by file names, stdin, resources and names, or by resources and label selector')
    .argument('[args...]')
    .option('-f, --filename <file>', 'Delete the objects a manifest names (repeatable)', collect)
    .option('-l, --selector <selector>', 'Label selector')
    .option('--field-selector <selector>', 'Field selector')
    .addOption(new Option('--cascade [mode]', 'background (default), foreground or orphan (false)'))
    .option('--grace-period <seconds>', 'Seconds the object is given to terminate gracefully (-1: its default)')
    .option('--timeout <duration>', 'How long to wait for the deletion (with --wait)')
    .option('-o, --output <format>', 'name: print only the type/name of what was deleted');
  boolFlag(cmd, '--all', 'Delete every object of the type in the namespace');
  boolFlag(cmd, '--now', 'Signal the objects to stop immediately (grace period 1)');
  boolFlag(cmd, '--force', 'Delete immediately, without waiting for the object to terminate');
  boolFlag(cmd, '--wait', 'Wait until the objects are gone before returning', true);
  boolFlag(cmd, '--ignore-not-found', 'Treat "not found" as a successful delete');
  boolFlag(cmd, '-R, --recursive', 'Process the directory used in -f recursively');
  action(cmd, ctx, (c, args, opts) => runDelete(c, args, opts));
}
