// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { type KubeObject } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, intFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { objectRef, typeOf } from './resources';
import { CHANGE_CAUSE } from './common';
import { namedTargets } from './targets';

const SCALABLE = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController']);

/** The patch `scale` sends: spec.replicas, the resourceVersion precondition, and --record's annotation. */
export function planScale(obj: KubeObject, replicas: number, opts: { currentReplicas?: number; changeCause?: string }): Record<string, unknown> {
  const spec = (obj['spec'] ?? {}) as { replicas?: number };
  const current = spec.replicas ?? 1;
  if (opts.currentReplicas !== undefined && opts.currentReplicas !== -1 && opts.currentReplicas !== current) {
    throw new CliError(`Expected replicas to be ${opts.currentReplicas}, was ${current}`);
  }
  const metadata: Record<string, unknown> = {};
  if (opts.currentReplicas !== undefined && opts.currentReplicas !== -1) metadata['resourceVersion'] = obj.metadata?.resourceVersion;
  if (opts.changeCause) metadata['annotations'] = { [CHANGE_CAUSE]: opts.changeCause };
  return { ...(Object.keys(metadata).length ? { metadata } : {}), spec: { replicas } };
}

/** `scale`: sets spec.replicas of deployments, replica sets, stateful sets and replication controllers. */
export async function runScale(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  const replicas = intFlag(opts['replicas'], 'replicas');
  if (replicas === undefined || replicas < 0) throw new UsageError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0', 'berth scale');
  const currentReplicas = intFlag(opts['currentReplicas'], 'current-replicas');
  for (const t of await namedTargets(ctx, args, opts, 'berth scale')) {
    if (!SCALABLE.has(t.info.kind)) throw new CliError(`cannot scale ${t.info.resource}: only deployments, replicasets, replicationcontrollers and statefulsets have a scale`);
    const name = t.obj.metadata?.name ?? '';
    const patch = planScale(t.obj, replicas, {
      ...(currentReplicas !== undefined ? { currentReplicas } : {}),
      ...(opts['record'] ? { changeCause: ctx.commandLine } : {}),
    });
    await ctx.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/merge-patch+json', patch);
    ctx.stdout.write(`${objectRef(t.info, name)} scaled\n`);
  }
}

/** Registers `scale`. */
export function registerScale(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('scale')
    .description('Set a new size for a deployment, replica set, replication controller, or stateful set')
    .argument('[args...]')
    .option('--replicas <count>', 'The new desired number of replicas (required)')
    .option('--current-replicas <count>', 'Precondition: the current size must be this (-1: no condition)')
    .option('-f, --filename <file>', 'The objects a manifest names', collect)
    .option('-l, --selector <selector>', 'Label selector')
    .option('--timeout <duration>', 'Accepted; scale does not wait');
  boolFlag(cmd, '--record', 'Record the command line in the kubernetes.io/change-cause annotation');
  boolFlag(cmd, '--all', 'Select every object of the type in the namespace');
  action(cmd, ctx, (c, args, opts) => runScale(c, args, opts));
}
