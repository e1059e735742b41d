// SPDX-License-Identifier: Apache-2.0
import { namedTargets } from './targets';
import type { Command } from 'commander';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { objectRef, typeOf } from './resources';

/** Label or annotation changes typed on the command line: `k=v` sets, `k-` removes. */
export interface MetaChanges {
  set: Record<string, string>;
  remove: string[];
}

/** Splits arguments into resource words and `k=v` / `k-` changes (kubectl's GetResourcesAndPairs). */
export function splitChanges(args: string[], what: 'label' | 'annotation'): { resources: string[]; changes: MetaChanges } {
  const resources: string[] = [];
  const changes: MetaChanges = { set: {}, remove: [] };
  let sawPair = false;
  for (const a of args) {
    if (a.includes('=')) {
      const eq = a.indexOf('=');
      const key = a.slice(0, eq);
      if (!key) throw new CliError(`invalid ${what} spec: ${a}`);
      changes.set[key] = a.slice(eq + 1);
      sawPair = true;
    } else if (a.endsWith('-') && a.length > 1 && !a.includes('/')) {
      changes.remove.push(a.slice(0, -1));
      sawPair = true;
    } else {
      if (sawPair) throw new CliError(`all resources must be specified before ${what} changes: ${a}`);
      resources.push(a);
    }
  }
  for (const k of changes.remove) {
    if (k in changes.set) throw new CliError(`can not both modify and remove ${what}s in the same command`);
  }
  return { resources, changes };
}

/**
 * The merge patch for one object, or an error when a key would change without
 * --overwrite. Returns undefined when nothing changes.
 */
export function planMetaPatch(
  current: Record<string, string> | undefined,
  changes: MetaChanges,
  field: 'labels' | 'annotations',
  overwrite: boolean,
): Record<string, unknown> | undefined {
  const cur = current ?? {};
  const delta: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(changes.set)) {
    if (k in cur && cur[k] !== v && !overwrite) throw new CliError(`'${k}' already has a value (${cur[k] ?? ''}), and --overwrite is false`);
    if (cur[k] !== v) delta[k] = v;
  }
  for (const k of changes.remove) if (k in cur) delta[k] = null;
  if (Object.keys(delta).length === 0) return undefined;
  return { metadata: { [field]: delta } };
}

/** `label` / `annotate`: sets and removes keys on each object and prints `pod/db labeled`. */
export async function runMeta(ctx: CommandContext, args: string[], opts: Opts, what: 'label' | 'annotation'): Promise<void> {
  const path = what === 'label' ? 'berth label' : 'berth annotate';
  const { resources, changes } = splitChanges(args, what);
  if (Object.keys(changes.set).length === 0 && changes.remove.length === 0) {
    throw new UsageError(`at least one ${what} update is required`, path);
  }
  const field = what === 'label' ? 'labels' : 'annotations';
  const verb = what === 'label' ? 'labeled' : 'annotated';
  for (const t of await namedTargets(ctx, resources, opts, path)) {
    const name = t.obj.metadata?.name ?? '';
    const current = t.obj.metadata?.[field] as Record<string, string> | undefined;
    for (const k of changes.remove) if (!current || !(k in current)) ctx.stderr.write(`${what} "${k}" not found.\n`);
    const patch = planMetaPatch(current, changes, field, Boolean(opts['overwrite']));
    if (!patch) {
      ctx.stdout.write(`${objectRef(t.info, name)} not ${verb}\n`);
      continue;
    }
    if (opts['resourceVersion']) (patch['metadata'] as Record<string, unknown>)['resourceVersion'] = String(opts['resourceVersion']);
    if (opts['dryRun'] === undefined) {
      await ctx.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/merge-patch+json', patch);
    }
    ctx.stdout.write(`${objectRef(t.info, name)} ${verb}\n`);
  }
}

/** Registers `label` and `annotate`. */
export function registerLabelAnnotate(program: Command, ctx: ContextFactory): void {
  for (const [name, what] of [['label', 'label'], ['annotate', 'annotation']] as const) {
    const cmd = program
      .command(name)
      .description(`Update the ${what}s on a resource (k=v sets, k- removes)`)
      .argument('[args...]')
      .option('-l, --selector <selector>', 'Label selector')
      .option('-f, --filename <file>', 'The objects a manifest names', collect)
      .option('--resource-version <version>', 'Only update if the object is still at this resourceVersion')
      .option('--dry-run [mode]', 'Only print what would change');
    boolFlag(cmd, '--overwrite', `Allow ${what}s to be overwritten`);
    boolFlag(cmd, '--all', 'Select every object of the type in the namespace');
    action(cmd, ctx, (c, args, opts) => runMeta(c, args, opts, what));
  }
}
