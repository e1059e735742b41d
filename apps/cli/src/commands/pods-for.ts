// SPDX-License-Identifier: Apache-2.0
// The pods a `logs` or `exec` target names, as kubectl resolves them
// (polymorphichelpers.AttachablePodForObject and AllPodLogsForObject).
import { formatLabelSelector, selectorFromSet, type KubeObject, type LabelSelectorObject } from '@berth/api';
import type { CommandContext } from './context';
import { CliError } from './errors';
import { resolveType, typeOf } from './resources';

const PODS = { group: '', version: 'v1', resource: 'pods' };

interface PodShape extends KubeObject {
  spec?: { nodeName?: string; containers?: Array<{ name: string }> };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }>;
    containerStatuses?: Array<{ restartCount?: number }>;
  };
}

/** The pods matching a label selector in the context's namespace, by name. */
export async function podsForSelector(c: CommandContext, selector: string): Promise<PodShape[]> {
  const list = await c.client().list<PodShape>(PODS, { namespace: c.namespace, labelSelector: selector });
  return [...list.items].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/**
 * The pod `db`, `pod/db` or `deployment/web` names. For a workload or a Service it is the
 * first of its pods in kubectl's logging order, saying "Found N pods, using pod/X" when
 * there was a choice.
 */
export async function podForTarget(c: CommandContext, target: string): Promise<string> {
  const slash = target.indexOf('/');
  if (slash < 0) return target;
  const info = resolveType(target.slice(0, slash));
  const name = target.slice(slash + 1);
  if (info.kind === 'Pod') return name;
  const obj = await c.client().get<KubeObject & { spec?: { selector?: unknown } }>(typeOf(info), c.namespace, name);
  const raw = obj.spec?.selector;
  const selector =
    info.kind === 'Service' || info.kind === 'ReplicationController'
      ? selectorFromSet(raw as Record<string, string> | undefined).toString()
      : formatLabelSelector(raw as LabelSelectorObject | undefined);
  if (!raw || selector === '' || selector === '<none>' || selector === '<error>') {
    throw new CliError(`cannot attach to ${info.kind}: selector for ${target} is empty or not supported`);
  }
  const pods = (await podsForSelector(c, selector)).filter((p) => !p.metadata?.deletionTimestamp).sort(byLogging);
  const first = pods[0];
  if (!first) throw new CliError(`no pods found for ${info.resource}/${name} (selector ${selector})`);
  if (pods.length > 1) c.stderr.write(`Found ${pods.length} pods, using pod/${first.metadata?.name ?? ''}\n`);
  return first.metadata?.name ?? '';
}

/** podutils.ByLogging: assigned, Running, ready, ready longer, more restarts, older first. */
export function byLogging(a: PodShape, b: PodShape): number {
  const rank = [
    (p: PodShape) => (p.spec?.nodeName ? 0 : 1),
    (p: PodShape) => ({ Running: 0, Unknown: 1, Pending: 2 } as Record<string, number>)[p.status?.phase ?? ''] ?? 3,
    (p: PodShape) => (ready(p) ? 0 : 1),
    (p: PodShape) => {
      const since = ready(p) ? Date.parse(p.status?.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime ?? '') : NaN;
      return Number.isNaN(since) ? Number.MAX_SAFE_INTEGER : since;
    },
    (p: PodShape) => -(p.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0),
    (p: PodShape) => {
      const t = Date.parse(p.metadata?.creationTimestamp ?? '');
      return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
    },
  ];
  for (const f of rank) {
    const d = f(a) - f(b);
    if (d !== 0) return d;
  }
  return 0;
}

function ready(p: PodShape): boolean {
  return p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
}
