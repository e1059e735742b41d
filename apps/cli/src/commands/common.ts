// SPDX-License-Identifier: Apache-2.0
import type { KubeObject, ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { objectRef } from './resources';
import { isTableOutput, renderObjects } from './output';

/** Annotation --record writes: the command line that made the change. */
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
/** Annotation apply and --save-config keep: the configuration last applied, as JSON. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A deep copy of a JSON object. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Sets an annotation on an object (mutates it). */
export function setAnnotation(obj: KubeObject, key: string, value: string): void {
  obj.metadata ??= {};
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [key]: value };
}

function sortedJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortedJson((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * The last-applied configuration of an object as kubectl writes it: the object without
 * that annotation, as JSON with sorted keys and a trailing newline.
 */
export function lastAppliedOf(obj: KubeObject): string {
  const copy = clone(obj);
  const ann = copy.metadata?.annotations;
  if (ann) {
    delete ann[LAST_APPLIED];
    if (Object.keys(ann).length === 0 && copy.metadata) delete copy.metadata.annotations;
  }
  return `${JSON.stringify(sortedJson(copy))}\n`;
}

/** Applies --record and --save-config to an object about to be sent (mutates it). */
export function annotateForWrite(ctx: CommandContext, obj: KubeObject, opts: { record?: boolean; saveConfig?: boolean }): void {
  if (opts.record) setAnnotation(obj, CHANGE_CAUSE, ctx.commandLine);
  if (opts.saveConfig) setAnnotation(obj, LAST_APPLIED, lastAppliedOf(obj));
}

/**
 * Prints the outcome of a write as kubectl does: `pod/db created`, `(dry run)` suffixes,
 * or the object itself under -o.
 */
export function printResult(
  ctx: CommandContext,
  info: ResourceInfo,
  obj: KubeObject,
  verb: string,
  opts: { output?: string; dryRun?: 'none' | 'client' | 'server' } = {},
): void {
  const name = obj.metadata?.name ?? '';
  if (!isTableOutput(opts.output)) {
    ctx.stdout.write(opts.output === 'name' ? `${objectRef(info, name)}\n` : renderObjects([obj], opts.output as string, true));
    return;
  }
  const suffix = opts.dryRun === 'client' ? ' (dry run)' : opts.dryRun === 'server' ? ' (server dry run)' : '';
  ctx.stdout.write(`${objectRef(info, name)} ${verb}${suffix}\n`);
}

/** Prints server warnings the way kubectl does, one `Warning: ...` line each on stderr. */
export function printWarnings(ctx: CommandContext, warnings: string[] | undefined): void {
  for (const w of warnings ?? []) ctx.stderr.write(`Warning: ${w}\n`);
}
