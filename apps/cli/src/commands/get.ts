// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { StatusError, type KubeObject, type ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, UsageError, formatError } from './errors';
import { boolFlag, collect, type Opts } from './flags';
import { readManifests } from './manifests';
import { checkOutputFlag, isTableOutput, renderObjects, renderTable, type TableOptions } from './output';
import { action, type ContextFactory } from './program';
import { namespaceFor, objectRef, parseResourceArgs, typeOf, type ResourceSelection } from './resources';

/** The objects found for one resource type, in the order asked. */
export interface Fetched {
  info: ResourceInfo;
  objects: KubeObject[];
  /** The list's resourceVersion, where a watch starts. */
  resourceVersion?: string;
}

/** Listing options a `get`-like command passes through. */
export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** kubectl's "No resources found" line (on stderr), naming the namespace for namespaced kinds. */
export function noResourcesMessage(ctx: Pick<CommandContext, 'allNamespaces' | 'namespace'>, namespaced: boolean): string {
  return namespaced && !ctx.allNamespaces ? `No resources found in ${ctx.namespace} namespace.\n` : 'No resources found\n';
}

/**
 * Fetches what a selection names: the named objects (a missing one is reported and
 * skipped, as kubectl does) or the whole list with the selectors.
 */
export async function fetchSelection(ctx: CommandContext, sel: ResourceSelection, selectors: Selectors): Promise<Fetched> {
  const client = ctx.client();
  const ns = namespaceFor(sel.info, ctx.namespace);
  if (sel.names.length > 0) {
    const objects: KubeObject[] = [];
    for (const name of sel.names) {
      try {
        objects.push(await client.get(typeOf(sel.info), ns, name));
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        ctx.stderr.write(formatError(e));
        ctx.failed = true;
      }
    }
    return { info: sel.info, objects };
  }
  const list = await client.list(typeOf(sel.info), {
    namespace: ctx.allNamespaces ? '' : ns,
    ...(selectors.labelSelector ? { labelSelector: selectors.labelSelector } : {}),
    ...(selectors.fieldSelector ? { fieldSelector: selectors.fieldSelector } : {}),
  });
  return { info: sel.info, objects: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
}

/** The -L columns: repeatable, each comma-separated. */
export function labelColumns(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function tableOptions(ctx: CommandContext, opts: Opts, withKind: boolean): TableOptions {
  return {
    wide: opts['output'] === 'wide',
    showLabels: Boolean(opts['showLabels']),
    labelColumns: labelColumns(opts['labelColumns'] as string[] | undefined),
    noHeaders: Boolean(opts['headers'] === false),
    withNamespace: ctx.allNamespaces,
    withKind,
  };
}

/**
 * Prints fetched objects as kubectl get does: one table per kind separated by blank lines
 * (names as `pod/x` when several kinds were asked for), or one serialisation of them all.
 */
export function printFetched(ctx: CommandContext, fetched: Fetched[], opts: Opts, shape: { withKind: boolean; singleItem: boolean }): void {
  const output = opts['output'] as string | undefined;
  const all = fetched.flatMap((f) => f.objects);
  if (!isTableOutput(output)) {
    if (output === 'name') {
      for (const f of fetched) for (const o of f.objects) ctx.stdout.write(`${objectRef(f.info, o.metadata?.name ?? '')}\n`);
      return;
    }
    ctx.stdout.write(
      renderObjects(all, output as string, shape.singleItem && all.length === 1, {
        noHeaders: opts['headers'] === false,
        ...(fetched.length === 1 && fetched[0] ? { kind: fetched[0].info.kind } : {}),
      }),
    );
    return;
  }
  const blocks = fetched
    .filter((f) => f.objects.length > 0)
    .map((f) => renderTable(f.info, f.objects, tableOptions(ctx, opts, shape.withKind), ctx.now()));
  ctx.stdout.write(blocks.join('\n'));
}

async function watchSelection(ctx: CommandContext, fetched: Fetched, opts: Opts, selectors: Selectors, headerPrinted: boolean): Promise<void> {
  const output = opts['output'] as string | undefined;
  const ns = namespaceFor(fetched.info, ctx.namespace);
  const names = new Set(fetched.objects.map((o) => o.metadata?.name));
  const singleNames = opts['__names'] as string[] | undefined;
  let first = !headerPrinted;
  for await (const ev of ctx.client().watch(typeOf(fetched.info), {
    namespace: ctx.allNamespaces ? '' : ns,
    resourceVersion: fetched.resourceVersion ?? '',
    ...(selectors.labelSelector ? { labelSelector: selectors.labelSelector } : {}),
    ...(selectors.fieldSelector ? { fieldSelector: selectors.fieldSelector } : {}),
  })) {
    if (ev.type === 'BOOKMARK') continue;
    if (ev.type === 'ERROR') throw new StatusError(ev.status ?? { message: 'watch failed' });
    const obj = ev.object;
    if (singleNames && singleNames.length > 0 && !singleNames.includes(obj.metadata?.name ?? '')) continue;
    names.add(obj.metadata?.name);
    if (isTableOutput(output)) {
      const text = renderTable(fetched.info, [obj], { ...tableOptions(ctx, opts, false), noHeaders: !first || opts['headers'] === false }, ctx.now());
      ctx.stdout.write(text);
      first = false;
    } else if (output === 'name') {
      ctx.stdout.write(`${objectRef(fetched.info, obj.metadata?.name ?? '')}\n`);
    } else {
      ctx.stdout.write(renderObjects([obj], output as string, true, { noHeaders: !first || opts['headers'] === false, kind: fetched.info.kind }));
      first = false;
    }
  }
}

/** `get`: lists or fetches objects and prints them; `-w` keeps printing changes. */
export async function runGet(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  const output = opts['output'] as string | undefined;
  checkOutputFlag(output);
  const selectors: Selectors = {
    ...(opts['selector'] ? { labelSelector: String(opts['selector']) } : {}),
    ...(opts['fieldSelector'] ? { fieldSelector: String(opts['fieldSelector']) } : {}),
  };
  const watch = Boolean(opts['watch']) || Boolean(opts['watchOnly']);
  // The errors of whole resource types, printed last (kubectl's aggregate, one line each).
  const failures: string[] = [];
  let fetched: Fetched[];
  let shape: { withKind: boolean; singleItem: boolean };
  const files = opts['filename'] as string[] | undefined;
  if (files && files.length > 0) {
    if (args.length > 0) throw new UsageError('when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well', 'berth get');
    const objs = await readManifests(ctx, files, Boolean(opts['recursive']));
    fetched = [];
    for (const m of objs) {
      try {
        const obj = await ctx.client().get(typeOf(m.info), m.namespace, m.obj.metadata?.name ?? '');
        const last = fetched[fetched.length - 1];
        if (last && last.info === m.info) last.objects.push(obj);
        else fetched.push({ info: m.info, objects: [obj] });
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        ctx.stderr.write(formatError(e));
        ctx.failed = true;
      }
    }
    const kinds = new Set(objs.map((m) => m.info));
    shape = { withKind: kinds.size > 1, singleItem: objs.length === 1 };
  } else {
    if (args.length === 0) {
      throw new UsageError(
        'Required resource not specified.\nUse "berth explain <resource>" for a detailed description of that resource (e.g. berth explain pods).',
        'berth get',
      );
    }
    const selections = parseResourceArgs(args);
    const multiple = selections.length > 1 || args[0]?.split(',').some((w) => w.toLowerCase() === 'all') === true;
    if (watch && selections.length > 1) throw new CliError('you may only specify a single resource type');
    if (selections.some((s) => s.names.length > 0) && selectors.labelSelector) {
      throw new CliError('name cannot be provided when a selector is specified');
    }
    fetched = [];
    for (const sel of selections) {
      try {
        fetched.push(await fetchSelection(ctx, sel, selectors));
      } catch (e) {
        // As kubectl: a type that fails (Forbidden, say) is reported after the ones that worked.
        if (watch || !(e instanceof StatusError)) throw e;
        const text = formatError(e);
        if (!failures.includes(text)) failures.push(text);
        ctx.failed = true;
      }
    }
    const named = selections.reduce((n, s) => n + s.names.length, 0);
    shape = { withKind: multiple, singleItem: named === 1 && selections.length === 1 };
    if (watch) {
      const f = fetched[0] as Fetched;
      if (!opts['watchOnly']) printFetched(ctx, fetched, opts, shape);
      if (selections[0]?.names.length) {
        // A watch of named objects starts at the newest version seen.
        f.resourceVersion = f.objects.map((o) => o.metadata?.resourceVersion ?? '').sort((a, b) => Number(b) - Number(a))[0] ?? '';
      }
      await watchSelection(ctx, f, { ...opts, __names: selections[0]?.names }, selectors, !opts['watchOnly'] && f.objects.length > 0);
      return;
    }
  }
  const total = fetched.reduce((n, f) => n + f.objects.length, 0);
  if (total === 0 && !ctx.failed && (isTableOutput(output) || output === 'name')) {
    const namespaced = fetched.some((f) => f.info.namespaced) || fetched.length === 0;
    ctx.stderr.write(noResourcesMessage(ctx, namespaced));
    return;
  }
  if (total > 0 || !ctx.failed || !isTableOutput(output)) printFetched(ctx, fetched, opts, shape);
  for (const text of failures) ctx.stderr.write(text);
}

/** Registers `get`. */
export function registerGet(program: Command, ctx: ContextFactory): void {
  const get = program
    .command('get')
    .description('Display one or many resources')
    .argument('[args...]')
    .option('-o, --output <format>', 'Output format: wide|json|yaml|name|jsonpath=...|custom-columns=...')
    .option('-l, --selector <selector>', 'Label selector (k=v,k2!=v2; when repeated, the last one wins)')
    .option('--field-selector <selector>', 'Field selector (metadata.name=x,status.phase=Running)')
    .option('-L, --label-columns <labels>', 'Labels to print as columns (repeatable, comma-separated)', collect)
    .option('-f, --filename <file>', 'Get the objects a manifest names (repeatable)', collect)
    .option('--sort-by <jsonpath>', 'Accepted; objects are printed in the server order');
  boolFlag(get, '--show-labels', 'Print all labels as the last column');
  boolFlag(get, '-w, --watch', 'After listing, watch for changes');
  boolFlag(get, '--watch-only', 'Watch for changes without listing first');
  boolFlag(get, '--show-all', 'Accepted for kubectl 1.9 habits; every object is always shown');
  boolFlag(get, '-R, --recursive', 'Process the directory used in -f recursively');
  boolFlag(get, '--ignore-not-found', 'Do not report objects that are not found');
  get.option('--no-headers', 'Do not print headers');
  action(get, ctx, async (c, args, opts) => {
    if (opts['ignoreNotFound']) {
      const stderr = c.stderr;
      c.stderr = { write: (s) => (/\(NotFound\)/.test(s) ? undefined : stderr.write(s)) };
    }
    await runGet(c, args, opts);
    if (opts['ignoreNotFound']) c.failed = false;
  });
}

