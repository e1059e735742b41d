// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { StatusError, type KubeObject, type ResourceInfo } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, intFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { objectRef, typeOf } from './resources';
import { namedTargets } from './targets';
import { deepEqualJson } from './json';
import { tabulate } from './tabulate';
import { CHANGE_CAUSE, clone } from './common';

const REVISION = 'deployment.kubernetes.io/revision';
const REPLICASETS = { group: 'apps', version: 'v1', resource: 'replicasets' };
// Annotations a rollback does not copy from the ReplicaSet to the Deployment (kubectl's list).
const SKIP_ON_ROLLBACK = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

interface DeploymentShape {
  metadata?: { name?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number; paused?: boolean; template?: KubeObject };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type?: string; reason?: string }>;
  };
}

/**
 * One look at a Deployment's rollout, as kubectl's DeploymentStatusViewer words it:
 * the line to print, whether the rollout is done, or the progress-deadline error.
 */
export function deploymentRolloutStatus(d: KubeObject): { message: string; done: boolean } {
  const dep = d as DeploymentShape;
  const name = dep.metadata?.name ?? '';
  const status = dep.status ?? {};
  if ((dep.metadata?.generation ?? 0) <= (status.observedGeneration ?? 0)) {
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    const updated = status.updatedReplicas ?? 0;
    const desired = dep.spec?.replicas ?? 1;
    if (updated < desired) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`, done: false };
    }
    if ((status.replicas ?? 0) > updated) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${(status.replicas ?? 0) - updated} old replicas are pending termination...`, done: false };
    }
    if ((status.availableReplicas ?? 0) < updated) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${status.availableReplicas ?? 0} of ${updated} updated replicas are available...`, done: false };
    }
    return { message: `deployment "${name}" successfully rolled out`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...', done: false };
}

function requireDeployment(info: ResourceInfo, verb: string): void {
  if (info.kind !== 'Deployment') throw new CliError(`berth rollout ${verb} is implemented for deployments only, not ${info.resource}`);
}

/** `rollout status`: prints each new state until the rollout finishes, fails or times out. */
export async function rolloutStatus(ctx: CommandContext, info: ResourceInfo, obj: KubeObject, opts: Opts): Promise<void> {
  requireDeployment(info, 'status');
  const client = ctx.client();
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const timeoutMs = durationMs(opts['timeout']);
  const deadline = timeoutMs ? Date.now() + timeoutMs : Infinity;
  let last = '';
  const show = (d: KubeObject): boolean => {
    const s = deploymentRolloutStatus(d);
    if (s.message !== last) ctx.stdout.write(`${s.message}\n`);
    last = s.message;
    return s.done;
  };
  let current = obj;
  if (show(current) || opts['watch'] === false) return;
  const controller = new AbortController();
  const timer = timeoutMs ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
  try {
    while (!controller.signal.aborted) {
      try {
        for await (const ev of client.watch(typeOf(info), {
          namespace: ns,
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: current.metadata?.resourceVersion ?? '',
          signal: controller.signal,
        })) {
          if (ev.type === 'DELETED') throw new CliError(`deployment "${name}" was deleted`);
          if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
          current = ev.object;
          if (show(current)) return;
        }
      } catch (e) {
        if (!(e instanceof StatusError) || (e.reason !== 'Expired' && e.reason !== 'Gone')) throw e;
      }
      if (controller.signal.aborted || Date.now() >= deadline) break;
      // The watch ended (server timeout or an expired version): look again and re-watch.
      current = await client.get(typeOf(info), ns, name);
      if (show(current)) return;
      await ctx.sleep(200);
    }
    throw new CliError('timed out waiting for the condition');
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function durationMs(v: unknown): number | undefined {
  if (v === undefined || v === '0' || v === '0s') return undefined;
  const m = /^(\d+)(ms|s|m|h)?$/.exec(String(v));
  if (!m) throw new CliError(`invalid argument "${String(v)}" for "--timeout" flag: time: invalid duration "${String(v)}"`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : m[2] === 'h' ? n * 3_600_000 : n * 1000;
}

/** The ReplicaSets a Deployment owns, with their revision numbers, oldest first. */
export async function ownedReplicaSets(ctx: CommandContext, d: KubeObject): Promise<Array<{ rs: KubeObject; revision: number }>> {
  const list = await ctx.client().list(REPLICASETS, { namespace: d.metadata?.namespace ?? '' });
  const uid = d.metadata?.uid;
  return list.items
    .filter((rs) => (rs.metadata?.ownerReferences ?? []).some((o) => o.controller && (o.uid === uid || (!uid && o.name === d.metadata?.name))))
    .map((rs) => ({ rs, revision: Number(rs.metadata?.annotations?.[REVISION] ?? '0') || 0 }))
    .sort((a, b) => a.revision - b.revision);
}

/** The `rollout history` table: REVISION and CHANGE-CAUSE of each owned ReplicaSet. */
export function formatHistory(info: ResourceInfo, name: string, rows: Array<{ rs: KubeObject; revision: number }>): string {
  if (rows.length === 0) return 'No rollout history found.\n';
  const table = [['REVISION', 'CHANGE-CAUSE'], ...rows.map((r) => [String(r.revision), r.rs.metadata?.annotations?.[CHANGE_CAUSE] ?? '<none>'])];
  return `${objectRef(info, name)} \n${tabulate(table, { padding: 2 })}\n`;
}

/** The Deployment's template without the pod-template-hash label the controller adds. */
function templateOf(rs: KubeObject): KubeObject {
  const tpl = clone(((rs['spec'] as Record<string, unknown> | undefined)?.['template'] ?? {}) as KubeObject);
  const labels = tpl.metadata?.labels;
  if (labels) delete labels['pod-template-hash'];
  return tpl;
}

/**
 * What `rollout undo` sends, as kubectl does it: the chosen revision's template copied
 * into the Deployment (JSON patch), with the ReplicaSet's annotations such as the change
 * cause. `skip` when the template already matches.
 */
export function planUndo(
  d: KubeObject,
  history: Array<{ rs: KubeObject; revision: number }>,
  toRevision: number,
): { patch: unknown[]; revision: number } | { skip: number } {
  const name = d.metadata?.name ?? '';
  if ((d as DeploymentShape).spec?.paused) {
    throw new CliError(`you cannot rollback a paused deployment; resume it first with 'berth rollout resume deployment/${name}' and try again`);
  }
  let chosen: { rs: KubeObject; revision: number } | undefined;
  if (toRevision === 0) {
    if (history.length < 2) throw new CliError(`no rollout history found for deployment "${name}"`);
    chosen = history[history.length - 2];
  } else {
    chosen = history.find((h) => h.revision === toRevision);
    if (!chosen) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  }
  const target = chosen as { rs: KubeObject; revision: number };
  const template = templateOf(target.rs);
  const current = ((d as DeploymentShape).spec?.template ?? {}) as KubeObject;
  if (deepEqualJson(template, current)) return { skip: target.revision };
  const annotations: Record<string, string> = { ...(d.metadata?.annotations ?? {}) };
  for (const [k, v] of Object.entries(target.rs.metadata?.annotations ?? {})) if (!SKIP_ON_ROLLBACK.has(k)) annotations[k] = v;
  return {
    patch: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'add', path: '/metadata/annotations', value: annotations },
    ],
    revision: target.revision,
  };
}

/** Registers `rollout status|history|undo|pause|resume|restart`. */
export function registerRollout(program: Command, ctx: ContextFactory): void {
  const rollout = program.command('rollout').description('Manage the rollout of a deployment');
  const sub = (name: string, description: string): Command =>
    rollout.command(name).description(description).argument('[args...]').option('-f, --filename <file>', 'The objects a manifest names', collect);
  const targets = async (c: CommandContext, args: string[], opts: Opts, verb: string): Promise<Array<{ info: ResourceInfo; obj: KubeObject }>> => {
    if (args.length === 0 && !opts['filename']) {
      throw new UsageError('required resource not specified', `berth rollout ${verb}`);
    }
    const out = await namedTargets(c, args, opts, `berth rollout ${verb}`);
    for (const t of out) requireDeployment(t.info, verb);
    return out;
  };

  const status = sub('status', 'Show the status of the rollout (waits until it finishes)').option('--timeout <duration>', 'How long to wait (0: forever)');
  boolFlag(status, '-w, --watch', 'Watch the status of the rollout until it is done', true);
  action(status, ctx, async (c, args, opts) => {
    for (const t of await targets(c, args, opts, 'status')) await rolloutStatus(c, t.info, t.obj, opts);
  });

  const history = sub('history', 'View the rollout history').option('--revision <n>', 'Not supported yet: the pod template of one revision');
  action(history, ctx, async (c, args, opts) => {
    if (opts['revision'] !== undefined) throw new CliError('berth rollout history --revision is not implemented yet');
    for (const t of await targets(c, args, opts, 'history')) {
      c.stdout.write(formatHistory(t.info, t.obj.metadata?.name ?? '', await ownedReplicaSets(c, t.obj)));
    }
  });

  const undo = sub('undo', 'Roll back to a previous rollout').option('--to-revision <n>', 'The revision to roll back to (0: the previous one)', '0');
  action(undo, ctx, async (c, args, opts) => {
    const to = intFlag(opts['toRevision'], 'to-revision') ?? 0;
    for (const t of await targets(c, args, opts, 'undo')) {
      const plan = planUndo(t.obj, await ownedReplicaSets(c, t.obj), to);
      const name = t.obj.metadata?.name ?? '';
      if ('skip' in plan) {
        c.stdout.write(`${objectRef(t.info, name)} skipped rollback (current template already matches revision ${plan.skip})\n`);
        continue;
      }
      await c.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/json-patch+json', plan.patch);
      c.stdout.write(`${objectRef(t.info, name)} rolled back\n`);
    }
  });

  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    action(sub(verb, paused ? 'Mark the deployment as paused' : 'Resume a paused deployment'), ctx, async (c, args, opts) => {
      for (const t of await targets(c, args, opts, verb)) {
        const name = t.obj.metadata?.name ?? '';
        if (Boolean((t.obj as DeploymentShape).spec?.paused) === paused) {
          throw new CliError(`${t.info.resource}.${t.info.group} "${name}" is ${paused ? 'already paused' : 'not paused'}`);
        }
        await c.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/merge-patch+json', { spec: { paused: paused ? true : null } });
        c.stdout.write(`${objectRef(t.info, name)} ${paused ? 'paused' : 'resumed'}\n`);
      }
    });
  }

  action(sub('restart', 'Restart a deployment (new pods from an annotated template)'), ctx, async (c, args, opts) => {
    for (const t of await targets(c, args, opts, 'restart')) {
      const name = t.obj.metadata?.name ?? '';
      if ((t.obj as DeploymentShape).spec?.paused) throw new CliError(`can't restart paused deployment (run rollout resume first)`);
      const at = c.now().toISOString().replace(/\.\d+Z$/, 'Z');
      await c.client().patch(typeOf(t.info), t.obj.metadata?.namespace ?? '', name, 'application/strategic-merge-patch+json', {
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } },
      });
      c.stdout.write(`${objectRef(t.info, name)} restarted\n`);
    }
  });
}
