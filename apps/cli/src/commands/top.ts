// SPDX-License-Identifier: Apache-2.0
import { Option, type Command } from 'commander';
import { isNotFound, notFound, StatusError, type KubeObject, type NodeMetrics, type NodeStats, type PodMetrics, type ResourceUsage } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { printNodeMetrics, printPodMetrics, type TopSortBy } from '../printers/top';
import type { CliClient, CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, type Opts } from './flags';
import { noResourcesMessage } from './get';
import { action, type ContextFactory } from './program';

const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };

/** kubectl's grace for new pods: older ones without metrics are an error of their own. */
const METRICS_CREATION_DELAY_MS = 2 * 60 * 1000;

/**
 * Registers `top node` and `top pod` (kubectl top). metrics-server's part is played by the
 * apiserver's NodeProxy.Stats: the command asks every node concerned at once for its
 * kubelet's last window; a node that does not answer has no metrics, as a node
 * metrics-server could not scrape.
 */
export function registerTop(program: Command, ctx: ContextFactory): void {
  const top = program
    .command('top')
    .description('Display resource (CPU/memory) usage of nodes or pods, as measured by their kubelets over the last 10 s');

  const node = top
    .command('node')
    .aliases(['nodes', 'no'])
    .description('Display resource (CPU/memory) usage of nodes: percentages are of allocatable')
    .argument('[args...]')
    .option('-l, --selector <selector>', "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2)")
    .option('--sort-by <field>', "If non-empty, sort nodes list using specified field. The field can be either 'cpu' or 'memory'.");
  node.option('--no-headers', 'If present, print output without headers');
  boolFlag(node, '--show-capacity', 'Print node resources based on Capacity instead of Allocatable(default) of the nodes.');
  useProtocolBuffers(node);
  action(node, ctx, async (c, args, opts) => topNode(c, args, opts));

  const pod = top
    .command('pod')
    .aliases(['pods', 'po'])
    .description('Display resource (CPU/memory) usage of pods')
    .argument('[args...]')
    .option('-l, --selector <selector>', "Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2)")
    .option('--field-selector <selector>', "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2)")
    .option('--sort-by <field>', "If non-empty, sort pods list using specified field. The field can be either 'cpu' or 'memory'.");
  pod.option('--no-headers', 'If present, print output without headers.');
  boolFlag(pod, '--containers', 'If present, print usage of containers within a pod.');
  boolFlag(pod, '--sum', 'Print the sum of the resource usage');
  useProtocolBuffers(pod);
  action(pod, ctx, async (c, args, opts) => topPod(c, args, opts));
}

/** kubectl's --use-protocol-buffers: accepted, meaningless here (the API is always protobuf). */
function useProtocolBuffers(cmd: Command): void {
  cmd.addOption(new Option('--use-protocol-buffers', 'Enables using protocol-buffers to access Metrics API.').hideHelp());
  cmd.addOption(new Option('--no-use-protocol-buffers').hideHelp());
}

function sortBy(opts: Opts): TopSortBy {
  const v = opts['sortBy'];
  if (v === undefined || v === '') return '';
  if (v !== 'cpu' && v !== 'memory') throw new CliError('--sort-by accepts only cpu or memory');
  return v;
}

function statsClient(c: CommandContext): CliClient & { stats(node: string): Promise<NodeStats> } {
  const client = c.client();
  if (!client.stats) throw new CliError('Metrics API not available');
  return client as CliClient & { stats(node: string): Promise<NodeStats> };
}

/**
 * Asks every node at once. A node that is down, does not answer or is gone has no
 * metrics (undefined); an apiserver without node tunnel means there is no metrics API.
 */
async function statsOf(client: { stats(node: string): Promise<NodeStats> }, nodes: string[]): Promise<Map<string, NodeStats | undefined>> {
  const answers = await Promise.all(
    nodes.map(async (n) => {
      try {
        return await client.stats(n);
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        if (e.reason === 'ServiceUnavailable' && e.message.startsWith('metrics are not available')) throw new CliError('Metrics API not available');
        if (e.reason === 'ServiceUnavailable' || e.reason === 'NotFound' || e.reason === 'InternalError' || e.reason === 'Timeout') return undefined;
        throw e;
      }
    }),
  );
  return new Map(nodes.map((n, i) => [n, answers[i]]));
}

async function topNode(c: CommandContext, args: string[], opts: Opts): Promise<void> {
  if (args.length > 1) throw new UsageError('node [NAME | -l label]', 'berth top node');
  const sort = sortBy(opts);
  const name = args[0];
  const selector = typeof opts['selector'] === 'string' ? opts['selector'] : '';
  if (name && selector) throw new CliError('only one of NAME or --selector can be provided');
  const client = statsClient(c);
  const metricsNotFound = (n: string): StatusError => notFound({ resource: 'nodemetrics.metrics.k8s.io', name: n, group: 'metrics.k8s.io' });

  let nodes: KubeObject[];
  if (name) {
    try {
      nodes = [await client.get(NODES, '', name)];
    } catch (e) {
      // metrics-server is asked first in kubectl: an unknown node is its NotFound.
      if (isNotFound(e)) throw metricsNotFound(name);
      throw e;
    }
  } else {
    nodes = (await client.list(NODES, selector ? { labelSelector: selector } : {})).items;
  }
  const names = nodes.map((n) => n.metadata?.name ?? '');
  const stats = await statsOf(client, names);
  const metrics = names.map((n) => stats.get(n)?.node).filter((m): m is NodeMetrics => m !== undefined);
  if (metrics.length === 0) {
    if (name) throw metricsNotFound(name);
    throw new CliError('metrics not available yet');
  }
  const field = opts['showCapacity'] ? 'capacity' : 'allocatable';
  const available = new Map<string, ResourceUsage>(nodes.map((n) => [n.metadata?.name ?? '', ((n['status'] as Record<string, ResourceUsage> | undefined)?.[field] ?? {})]));
  c.stdout.write(printNodeMetrics(metrics, available, { noHeaders: opts['headers'] === false, sortBy: sort }));
}

async function topPod(c: CommandContext, args: string[], opts: Opts): Promise<void> {
  if (args.length > 1) throw new UsageError('pod [NAME | -l label]', 'berth top pod');
  const sort = sortBy(opts);
  const name = args[0];
  const labelSelector = typeof opts['selector'] === 'string' ? opts['selector'] : '';
  const fieldSelector = typeof opts['fieldSelector'] === 'string' ? opts['fieldSelector'] : '';
  if (name && (labelSelector || fieldSelector)) throw new CliError('only one of NAME or selector can be provided');
  const client = statsClient(c);
  const namespace = c.allNamespaces && !name ? '' : c.namespace;
  const metricsNotFound = (n: string): StatusError => notFound({ resource: 'podmetrics.metrics.k8s.io', name: `${namespace}/${n}`, group: 'metrics.k8s.io' });

  let pods: KubeObject[];
  if (name) {
    try {
      pods = [await client.get(PODS, namespace, name)];
    } catch (e) {
      if (isNotFound(e)) throw metricsNotFound(name);
      throw e;
    }
  } else {
    pods = (await client.list(PODS, { namespace, ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) })).items;
  }
  const nodeOf = (p: KubeObject): string => (p['spec'] as { nodeName?: string } | undefined)?.nodeName ?? '';
  const stats = await statsOf(client, [...new Set(pods.map(nodeOf).filter(Boolean))]);
  const metrics = pods
    .map((p) => stats.get(nodeOf(p))?.pods.find((m) => m.metadata.namespace === p.metadata?.namespace && m.metadata.name === p.metadata?.name))
    .filter((m): m is PodMetrics => m !== undefined);

  if (metrics.length === 0) {
    if (name) throw metricsNotFound(name);
    if (pods.length === 0) {
      c.stderr.write(noResourcesMessage(c, true));
      return;
    }
    // As kubectl: pods created in the last two minutes may not have metrics yet; older ones should.
    for (const p of pods) {
      const age = c.now().getTime() - Date.parse(p.metadata?.creationTimestamp ?? '');
      if (age > METRICS_CREATION_DELAY_MS) throw new CliError(`Metrics not available for pod ${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}, age: ${goDuration(age)}`);
    }
    throw new CliError('metrics not available yet');
  }
  c.stdout.write(
    printPodMetrics(metrics, {
      containers: Boolean(opts['containers']),
      withNamespace: namespace === '',
      noHeaders: opts['headers'] === false,
      sortBy: sort,
      sum: Boolean(opts['sum']),
    }),
  );
}

/** Go's time.Duration String of a whole number of milliseconds: "450ms", "3.5s", "5m3.123s", "2h0m1s". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(ms));
  if (abs < 1000) return `${sign}${abs}ms`;
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const rest = abs % 60_000;
  const frac = rest % 1000;
  const s = `${Math.floor(rest / 1000)}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  return sign + (h ? `${h}h${m}m${s}` : m ? `${m}m${s}` : s);
}
