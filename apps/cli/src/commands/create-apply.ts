// SPDX-License-Identifier: Apache-2.0
import { Option, type Command } from 'commander';
import {
  createThreeWayMergePatch,
  decodeObject,
  isNotFound,
  StatusError,
  type KubeObject,
} from '@berth/api';
import type { CommandContext } from './context';
import { ContextError, UsageError, formatError } from './errors';
import { boolFlag, collect, dryRunMode, fieldValidation, type Opts } from './flags';
import { readManifests, type ManifestObject } from './manifests';
import { checkOutputFlag } from './output';
import { action, type ContextFactory } from './program';
import { typeOf } from './resources';
import { LAST_APPLIED, annotateForWrite, clone, lastAppliedOf, printResult, printWarnings } from './common';
import { registerCreateGenerators } from './create-generators';
import { registerCreateToken } from './create-token';

/** Flags shared by create and apply. */
function fileFlags(cmd: Command): Command {
  cmd
    .option('-f, --filename <file>', 'Filename, directory, or "-" (stdin) of the manifests to use (repeatable)', collect)
    .option('-o, --output <format>', 'Output format: json|yaml|name|jsonpath=...|custom-columns=...')
    .addOption(new Option('--validate [mode]', 'strict (default), warn or ignore: how the server treats unknown fields'))
    .addOption(new Option('--dry-run [mode]', 'none, client or server: only print what would be sent'));
  boolFlag(cmd, '-R, --recursive', 'Process the directory used in -f recursively');
  boolFlag(cmd, '--record', 'Record the command line in the kubernetes.io/change-cause annotation');
  return cmd;
}

/** Sends one object as create does; returns the stored object and the server's warnings. */
export async function createObject(
  ctx: CommandContext,
  m: Pick<ManifestObject, 'info' | 'namespace'>,
  obj: KubeObject,
  opts: { fieldValidation: 'Strict' | 'Warn' | 'Ignore'; dryRun?: boolean },
): Promise<{ object: KubeObject; warnings: string[] }> {
  const client = ctx.client();
  const wopts = { fieldValidation: opts.fieldValidation, ...(opts.dryRun ? { dryRun: true } : {}) };
  if (client.createFromManifest) return client.createFromManifest(typeOf(m.info), m.namespace, obj, wopts);
  return { object: await client.create(typeOf(m.info), m.namespace, obj, wopts), warnings: [] };
}

/** `create -f`: sends every object of the manifests; a failed one is reported and the rest still go. */
export async function createFromFiles(ctx: CommandContext, opts: Opts): Promise<void> {
  checkOutputFlag(opts['output'] as string | undefined);
  const dryRun = dryRunMode(opts['dryRun']);
  const validation = fieldValidation(opts['validate']);
  const objects = await readManifests(ctx, (opts['filename'] as string[] | undefined) ?? [], Boolean(opts['recursive']));
  for (const m of objects) {
    const obj = clone(m.obj);
    annotateForWrite(ctx, obj, { record: Boolean(opts['record']), saveConfig: Boolean(opts['saveConfig']) });
    if (dryRun === 'client') {
      printResult(ctx, m.info, obj, 'created', { output: opts['output'] as string | undefined, dryRun });
      continue;
    }
    try {
      const res = await createObject(ctx, m, obj, { fieldValidation: validation, dryRun: dryRun === 'server' });
      printWarnings(ctx, res.warnings);
      printResult(ctx, m.info, res.object, 'created', { output: opts['output'] as string | undefined, dryRun });
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      ctx.stderr.write(formatError(new ContextError(`error when creating "${m.source}"`, e)));
      ctx.failed = true;
    }
  }
}

/** What apply does with one object: create it, patch it, or leave it. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/**
 * The patch apply sends for one object, or undefined when nothing changes: the three-way
 * merge of the last-applied configuration, the new manifest and the live object, all read
 * in the served version's canonical form (so `cpu: 1` and "1" compare equal and legacy
 * apiVersions compare with the stored object).
 */
export function planApplyPatch(manifest: KubeObject, live: KubeObject): Record<string, unknown> | undefined {
  const canonical = (o: KubeObject): KubeObject => decodeObject(o, 'Ignore').object;
  const modified = canonical(manifest);
  const lastText = live.metadata?.annotations?.[LAST_APPLIED];
  let original: KubeObject | undefined;
  if (lastText) {
    try {
      original = canonical(JSON.parse(lastText) as KubeObject);
    } catch {
      original = undefined;
    }
  }
  const patch = createThreeWayMergePatch(original, modified, live, manifest.kind);
  // apiVersion and kind are not patched: the server serves one version per kind.
  delete patch['apiVersion'];
  delete patch['kind'];
  return Object.keys(patch).length === 0 ? undefined : patch;
}

async function applyOne(ctx: CommandContext, m: ManifestObject, opts: Opts, validation: 'Strict' | 'Warn' | 'Ignore'): Promise<void> {
  const client = ctx.client();
  const dryRun = dryRunMode(opts['dryRun']);
  const output = opts['output'] as string | undefined;
  const obj = clone(m.obj);
  annotateForWrite(ctx, obj, { record: Boolean(opts['record']), saveConfig: true });
  const name = obj.metadata?.name ?? '';
  let live: KubeObject | undefined;
  try {
    live = await client.get(typeOf(m.info), m.namespace, name);
  } catch (e) {
    if (!isNotFound(e)) throw new ContextError(`error when retrieving current configuration of:\nResource: "${m.info.resource}${m.info.group ? `.${m.info.group}` : ''}", GroupVersionKind: "${m.info.group ? `${m.info.group}/` : ''}${m.info.version}, Kind=${m.info.kind}"\nName: "${name}", Namespace: "${m.namespace}"\nfrom server for: "${m.source}"`, e);
  }
  if (!live) {
    if (dryRun === 'client') return printResult(ctx, m.info, obj, 'created', { output, dryRun });
    try {
      const res = await createObject(ctx, m, obj, { fieldValidation: validation, dryRun: dryRun === 'server' });
      printWarnings(ctx, res.warnings);
      return printResult(ctx, m.info, res.object, 'created', { output, dryRun });
    } catch (e) {
      throw new ContextError(`error when creating "${m.source}"`, e);
    }
  }
  if (!live.metadata?.annotations?.[LAST_APPLIED]) {
    ctx.stderr.write(
      `Warning: resource ${m.info.resource} /${name} is missing the ${LAST_APPLIED} annotation which is required by berth apply. berth apply should only be used on resources created declaratively by either berth create --save-config or berth apply. The missing annotation will be patched automatically.\n`.replace(' /', '/'),
    );
  }
  // Unknown fields are checked here: the patch is computed from the typed form, which drops them.
  let warnings: string[];
  try {
    warnings = decodeObject(obj, validation).warnings;
  } catch (e) {
    throw new ContextError(`error when applying patch to "${m.source}"`, e);
  }
  printWarnings(ctx, warnings);
  const patch = planApplyPatch(obj, live);
  if (!patch) return printResult(ctx, m.info, live, 'unchanged', { output, dryRun });
  if (dryRun === 'client') return printResult(ctx, m.info, live, 'configured', { output, dryRun });
  try {
    const updated = await client.patch(typeOf(m.info), m.namespace, name, 'application/strategic-merge-patch+json', patch, {
      fieldValidation: validation,
      ...(dryRun === 'server' ? { dryRun: true } : {}),
    });
    printResult(ctx, m.info, updated, 'configured', { output, dryRun });
  } catch (e) {
    throw new ContextError(`error when applying patch:\n${lastAppliedOf(obj).trimEnd()}\nto:\nResource: "${m.info.resource}", Name: "${name}", Namespace: "${m.namespace}"\nfor: "${m.source}"`, e);
  }
}

/** `apply -f`: creates what is missing and patches the rest with a three-way merge. */
export async function applyFromFiles(ctx: CommandContext, opts: Opts): Promise<void> {
  checkOutputFlag(opts['output'] as string | undefined);
  const validation = fieldValidation(opts['validate']);
  dryRunMode(opts['dryRun']);
  const objects = await readManifests(ctx, (opts['filename'] as string[] | undefined) ?? [], Boolean(opts['recursive']));
  for (const m of objects) {
    try {
      await applyOne(ctx, m, opts, validation);
    } catch (e) {
      if (!(e instanceof StatusError) && !(e instanceof ContextError)) throw e;
      ctx.stderr.write(formatError(e));
      ctx.failed = true;
    }
  }
}

/** Registers `create` (with -f and its generator subcommands). */
export function registerCreate(program: Command, ctx: ContextFactory): void {
  const create = fileFlags(
    program
      .command('create')
      .description('Create a resource from a file or from stdin, or with one of the generators below')
      .argument('[args...]'),
  );
  boolFlag(create, '--save-config', 'Store the configuration in the kubectl.kubernetes.io/last-applied-configuration annotation');
  action(create, ctx, async (c, args, opts) => {
    if (args.length > 0) {
      throw new UsageError(`unknown command "${args[0]}" for "berth create"`, 'berth create', 'usage');
    }
    if (!opts['filename']) {
      throw new UsageError('must specify one of -f and -k', 'berth create');
    }
    await createFromFiles(c, opts);
  });
  registerCreateGenerators(create, ctx);
  registerCreateToken(create, ctx);
}

/** Registers `apply`. */
export function registerApply(program: Command, ctx: ContextFactory): void {
  const apply = fileFlags(
    program.command('apply').description('Apply a configuration to a resource by file name or stdin').argument('[args...]'),
  );
  action(apply, ctx, async (c, _args, opts) => {
    if (!opts['filename']) {
      throw new UsageError('must specify one of -f and -k', 'berth apply');
    }
    await applyFromFiles(c, opts);
  });
}
