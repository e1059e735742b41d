// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { isNotFound, StatusError, type KubeObject } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, UsageError, formatError } from './errors';
import { boolFlag, intFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { resolveType, typeOf } from './resources';

const NODES = typeOf(resolveType('nodes'));
const PODS = typeOf(resolveType('pods'));

/** Sets spec.unschedulable on a node; prints `node/x cordoned` or `node/x already cordoned`. */
export async function setUnschedulable(ctx: CommandContext, name: string, unschedulable: boolean): Promise<void> {
  const node = await ctx.client().get(NODES, '', name);
  const verb = unschedulable ? 'cordoned' : 'uncordoned';
  const current = Boolean((node['spec'] as { unschedulable?: boolean } | undefined)?.unschedulable);
  if (current === unschedulable) {
    ctx.stdout.write(`node/${name} already ${verb}\n`);
    return;
  }
  await ctx.client().patch(NODES, '', name, 'application/strategic-merge-patch+json', { spec: { unschedulable: unschedulable ? true : null } });
  ctx.stdout.write(`node/${name} ${verb}\n`);
}

/** How drain treats each pod on the node, by kubectl's rules. */
export interface DrainPlan {
  evict: KubeObject[];
  /** DaemonSet-managed pods left alone under --ignore-daemonsets. */
  ignored: KubeObject[];
  /** Reasons drain refuses (without the override flags). */
  errors: string[];
}

const key = (p: KubeObject): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

/** Sorts a node's pods into evict / ignore / refuse (kubectl drain's filters). */
export function planDrain(pods: KubeObject[], opts: { ignoreDaemonsets: boolean; deleteEmptydirData: boolean; force: boolean }): DrainPlan {
  const plan: DrainPlan = { evict: [], ignored: [], errors: [] };
  const daemon: string[] = [];
  const unmanaged: string[] = [];
  const local: string[] = [];
  for (const p of pods) {
    if (p.metadata?.annotations?.['kubernetes.io/config.mirror']) continue;
    const phase = (p['status'] as { phase?: string } | undefined)?.phase;
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const controller = (p.metadata?.ownerReferences ?? []).find((o) => o.controller);
    if (controller?.kind === 'DaemonSet' && !finished) {
      if (opts.ignoreDaemonsets) plan.ignored.push(p);
      else daemon.push(key(p));
      continue;
    }
    if (!controller && !finished && !opts.force) {
      unmanaged.push(key(p));
      continue;
    }
    const volumes = ((p['spec'] as { volumes?: Array<{ emptyDir?: unknown }> } | undefined)?.volumes ?? []).filter((v) => v.emptyDir);
    if (volumes.length > 0 && !finished && !opts.deleteEmptydirData) {
      local.push(key(p));
      continue;
    }
    plan.evict.push(p);
  }
  if (daemon.length) plan.errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemon.join(', ')}`);
  if (unmanaged.length) plan.errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(', ')}`);
  if (local.length) plan.errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${local.join(', ')}`);
  return plan;
}

async function drain(ctx: CommandContext, name: string, opts: Opts): Promise<void> {
  await setUnschedulable(ctx, name, true);
  const pods = (await ctx.client().list<KubeObject>(PODS, { fieldSelector: `spec.nodeName=${name}` })).items;
  const plan = planDrain(pods, {
    ignoreDaemonsets: Boolean(opts['ignoreDaemonsets']),
    deleteEmptydirData: Boolean(opts['deleteEmptydirData'] || opts['deleteLocalData']),
    force: Boolean(opts['force']),
  });
  if (plan.errors.length) {
    throw new CliError(`unable to drain node "${name}" due to error: ${plan.errors.length === 1 ? plan.errors[0] : `[${plan.errors.join(', ')}]`}, continuing command...\nThere are pending nodes to be drained:\n ${name}\n${plan.errors.join('\n')}`);
  }
  if (plan.ignored.length) ctx.stderr.write(`Warning: ignoring DaemonSet-managed Pods: ${plan.ignored.map(key).join(', ')}\n`);
  const grace = intFlag(opts['gracePeriod'], 'grace-period');
  const deleted: KubeObject[] = [];
  for (const p of plan.evict) {
    ctx.stdout.write(`evicting pod ${key(p)}\n`);
    try {
      await ctx.client().delete(PODS, p.metadata?.namespace ?? '', p.metadata?.name ?? '', grace !== undefined && grace >= 0 ? { gracePeriodSeconds: grace } : undefined);
      deleted.push(p);
    } catch (e) {
      if (isNotFound(e)) continue;
      if (!(e instanceof StatusError)) throw e;
      ctx.stderr.write(formatError(e));
      ctx.failed = true;
    }
  }
  const timeoutSec = intFlag(String(opts['timeout'] ?? '0').replace(/s$/, ''), 'timeout') ?? 0;
  const deadline = Date.now() + (timeoutSec > 0 ? timeoutSec * 1000 : 120_000);
  for (const p of deleted) {
    for (;;) {
      try {
        const cur = await ctx.client().get(PODS, p.metadata?.namespace ?? '', p.metadata?.name ?? '');
        if (cur.metadata?.uid !== p.metadata?.uid) break;
      } catch (e) {
        if (isNotFound(e)) break;
        throw e;
      }
      if (Date.now() > deadline) throw new CliError(`drain did not complete within ${timeoutSec || 120}s`);
      await ctx.sleep(250);
    }
    ctx.stdout.write(`pod/${p.metadata?.name ?? ''} evicted\n`);
  }
  if (!ctx.failed) ctx.stdout.write(`node/${name} drained\n`);
}

/** Registers `cordon`, `uncordon` and `drain`. */
export function registerNodeCommands(program: Command, ctx: ContextFactory): void {
  for (const [verb, flag] of [['cordon', true], ['uncordon', false]] as const) {
    action(program.command(verb).description(`Mark node as ${flag ? 'unschedulable' : 'schedulable'}`).argument('[args...]'), ctx, async (c, args) => {
      if (args.length === 0) throw new UsageError('NODE is required', `berth ${verb}`);
      for (const a of args) await setUnschedulable(c, a.replace(/^nodes?\//, ''), flag);
    });
  }
  const cmd = program
    .command('drain')
    .description('Drain node in preparation for maintenance (cordon, then delete its pods)')
    .argument('[args...]')
    .option('--grace-period <seconds>', 'Period of time in seconds given to each pod to terminate gracefully (-1: its own)', '-1')
    .option('--timeout <duration>', 'The length of time to wait before giving up (0: 120 s)');
  boolFlag(cmd, '--ignore-daemonsets', 'Ignore DaemonSet-managed pods');
  boolFlag(cmd, '--delete-emptydir-data', 'Continue even if there are pods using emptyDir (its data is lost)');
  boolFlag(cmd, '--delete-local-data', 'Deprecated name of --delete-emptydir-data');
  boolFlag(cmd, '--force', 'Continue even if there are pods that do not declare a controller');
  action(cmd, ctx, async (c, args, opts) => {
    if (args.length !== 1) throw new UsageError('NODE is required', 'berth drain');
    await drain(c, (args[0] as string).replace(/^nodes?\//, ''), opts);
  });
}
