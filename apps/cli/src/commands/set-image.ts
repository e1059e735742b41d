// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import type { KubeObject } from '@berth/api';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { objectRef, resolveType, typeOf } from './resources';
import { namedTargets } from './targets';
import { CHANGE_CAUSE } from './common';

/** Where an object keeps its pod template's spec, as a path of keys. */
export function podSpecPath(kind: string | undefined): string[] {
  if (kind === 'Pod') return ['spec'];
  if (kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
  return ['spec', 'template', 'spec'];
}

function nest(path: string[], leaf: Record<string, unknown>): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((acc, key) => ({ [key]: acc }), leaf);
}

/**
 * The strategic merge patch `set image` sends: containers (and init containers) merged by
 * name with their new image; `*` sets every container. Unknown names are kubectl's error.
 */
export function planSetImage(obj: KubeObject, images: Record<string, string>, changeCause?: string): Record<string, unknown> {
  const path = podSpecPath(obj.kind);
  let spec: unknown = obj;
  for (const k of path) spec = (spec as Record<string, unknown> | undefined)?.[k];
  const podSpec = (spec ?? {}) as { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  const containers: Array<{ name: string; image: string }> = [];
  const initContainers: Array<{ name: string; image: string }> = [];
  for (const [name, image] of Object.entries(images)) {
    let found = false;
    for (const c of podSpec.containers ?? []) {
      if (name === '*' || c.name === name) {
        containers.push({ name: c.name, image });
        found = true;
      }
    }
    for (const c of podSpec.initContainers ?? []) {
      if (name === '*' || c.name === name) {
        initContainers.push({ name: c.name, image });
        found = true;
      }
    }
    if (!found) throw new CliError(`unable to find container named "${name}"`);
  }
  const patch = nest(path, {
    ...(containers.length ? { containers } : {}),
    ...(initContainers.length ? { initContainers } : {}),
  });
  if (changeCause) patch['metadata'] = { annotations: { [CHANGE_CAUSE]: changeCause } };
  return patch;
}

/** Registers `set image`. */
export function registerSet(program: Command, ctx: ContextFactory): void {
  const set = program.command('set').description('Set specific features on objects');
  const image = set
    .command('image')
    .description('Update the image of containers: set image (-f FILE | TYPE NAME) CONTAINER=IMAGE ...')
    .argument('[args...]')
    .option('-f, --filename <file>', 'The objects a manifest names', collect)
    .option('-l, --selector <selector>', 'Label selector');
  boolFlag(image, '--record', 'Record the command line in the kubernetes.io/change-cause annotation');
  boolFlag(image, '--all', 'Select every object of the type in the namespace');
  action(image, ctx, async (c, args, opts: Opts) => {
    const resources = args.filter((a) => !a.includes('='));
    const images: Record<string, string> = {};
    for (const a of args.filter((x) => x.includes('='))) {
      const eq = a.indexOf('=');
      images[a.slice(0, eq)] = a.slice(eq + 1);
    }
    if (Object.keys(images).length === 0) throw new UsageError('at least one image update is required', 'berth set image');
    for (const t of await namedTargets(c, resources, opts, 'berth set image')) {
      resolveType(t.info.resource);
      const name = t.obj.metadata?.name ?? '';
      const patch = planSetImage(t.obj, images, opts['record'] ? c.commandLine : undefined);
      await c.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/strategic-merge-patch+json', patch);
      c.stdout.write(`${objectRef(t.info, name)} image updated\n`);
    }
  });
}
