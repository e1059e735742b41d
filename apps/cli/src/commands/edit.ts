// SPDX-License-Identifier: Apache-2.0
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { createStrategicMergePatch, type KubeObject, type ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, type Opts } from './flags';
import { parseManifestText, readManifests } from './manifests';
import { action, type ContextFactory } from './program';
import { namespaceFor, objectRef, parseResourceArgs, typeOf } from './resources';
import { deepEqualJson } from './json';
import { CHANGE_CAUSE, setAnnotation } from './common';

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

/** The text the editor opens: kubectl's header, then the object (or a List) as YAML. */
export function editBuffer(objs: KubeObject[]): string {
  const doc = objs.length === 1 ? objs[0] : { apiVersion: 'v1', kind: 'List', items: objs, metadata: { resourceVersion: '' } };
  return HEADER + stringify(doc, { indentSeq: false, lineWidth: 0 });
}

/** What the edit changed: per object, the patch to send (undefined: unchanged). */
export function planEdit(originals: KubeObject[], editedText: string): Array<{ original: KubeObject; patch?: Record<string, unknown> }> | 'empty' {
  const stripped = editedText
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
  if (!stripped.trim()) return 'empty';
  const edited = parseManifestText(stripped, 'edited file');
  return originals.map((original) => {
    const e = edited.find((o) => o.kind === original.kind && o.metadata?.name === original.metadata?.name);
    if (!e) throw new CliError(`the edited file no longer contains ${String(original.kind)} "${original.metadata?.name ?? ''}"`);
    if (deepEqualJson(e, original)) return { original };
    return { original, patch: createStrategicMergePatch(original, e, String(original.kind)) };
  });
}

/** `edit`: opens the objects in $KUBE_EDITOR / $EDITOR and patches what changed. */
export async function runEdit(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  const targets: Array<{ info: ResourceInfo; obj: KubeObject }> = [];
  const files = opts['filename'] as string[] | undefined;
  if (files && files.length > 0) {
    for (const m of await readManifests(ctx, files)) {
      targets.push({ info: m.info, obj: await ctx.client().get(typeOf(m.info), m.namespace, m.obj.metadata?.name ?? '') });
    }
  } else {
    if (args.length === 0) throw new UsageError('You must provide one or more resources by argument or filename.', 'berth edit');
    for (const sel of parseResourceArgs(args)) {
      if (sel.names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
      for (const name of sel.names) {
        targets.push({ info: sel.info, obj: await ctx.client().get(typeOf(sel.info), namespaceFor(sel.info, ctx.namespace), name) });
      }
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'berth-edit-'));
  const file = join(dir, 'edit.yaml');
  try {
    const before = editBuffer(targets.map((t) => t.obj));
    writeFileSync(file, before);
    await ctx.runEditor(file);
    const after = readFileSync(file, 'utf8');
    const plan = planEdit(
      targets.map((t) => t.obj),
      after,
    );
    if (plan === 'empty') {
      ctx.stderr.write('Edit cancelled, saved file was empty.\n');
      return;
    }
    if (plan.every((p) => !p.patch)) {
      ctx.stderr.write('Edit cancelled, no changes made.\n');
      return;
    }
    for (const [i, p] of plan.entries()) {
      const t = targets[i] as { info: ResourceInfo; obj: KubeObject };
      const name = t.obj.metadata?.name ?? '';
      if (!p.patch) {
        ctx.stdout.write(`${objectRef(t.info, name)} skipped\n`);
        continue;
      }
      const patch = p.patch;
      if (opts['record']) {
        const probe: KubeObject = {};
        setAnnotation(probe, CHANGE_CAUSE, ctx.commandLine);
        const meta = (patch['metadata'] ?? {}) as Record<string, unknown>;
        patch['metadata'] = { ...meta, annotations: { ...((meta['annotations'] as object) ?? {}), ...probe.metadata?.annotations } };
      }
      await ctx.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/strategic-merge-patch+json', patch);
      ctx.stdout.write(`${objectRef(t.info, name)} edited\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers `edit`. */
export function registerEdit(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('edit')
    .description('Edit a resource on the server with $KUBE_EDITOR or $EDITOR')
    .argument('[args...]')
    .option('-f, --filename <file>', 'Edit the objects a manifest names', collect)
    .option('-o, --output <format>', 'Accepted for kubectl habits');
  boolFlag(cmd, '--record', 'Record the command line in the kubernetes.io/change-cause annotation');
  action(cmd, ctx, (c, args, opts) => runEdit(c, args, opts));
}
