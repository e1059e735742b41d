// SPDX-License-Identifier: Apache-2.0
import { Quantity, type ContainerMetrics, type NodeMetrics, type PodMetrics, type ResourceUsage } from '@berth/api';
import { formatTable } from './tabwriter';

/**
 * `top node` and `top pod` tables, as kubectl's metricsutil.TopCmdPrinter writes them: every
 * cell is tab-terminated (so the last column is padded too), CPU in millicores rounded up
 * (`250m`), memory in whole MiB (`64Mi`), percentages of what is available truncated.
 */

/** What `--sort-by` accepts. */
export type TopSortBy = 'cpu' | 'memory' | '';

const MEASURED = ['cpu', 'memory'] as const;
const NODE_COLUMNS = ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'];
const POD_COLUMNS = ['NAME', 'CPU(cores)', 'MEMORY(bytes)'];
const UNKNOWN = '<unknown>';

function quantity(usage: ResourceUsage | undefined, resource: string): Quantity {
  const v = usage?.[resource];
  return v === undefined ? Quantity.parse('0') : Quantity.parse(v);
}

/** printSingleResourceUsage: `%vm` of the milli-value for CPU, `%vMi` of value/2^20 for memory. */
function usageCell(resource: string, q: Quantity): string {
  if (resource === 'cpu') return `${q.milliValue()}m`;
  if (resource === 'memory') return `${Math.trunc(q.value() / (1024 * 1024))}Mi`;
  return String(q.value());
}

/** A metrics line: the name, then per resource its usage and, when `available` has it, the percentage. */
function metricsCells(name: string, usage: ResourceUsage | undefined, available: ResourceUsage | undefined): string[] {
  const cells = [name];
  for (const res of MEASURED) {
    const q = quantity(usage, res);
    cells.push(usageCell(res, q));
    const avail = available?.[res];
    if (avail !== undefined) {
      const a = Quantity.parse(avail);
      const fraction = a.isZero() ? 0 : (q.milliValue() / a.milliValue()) * 100;
      cells.push(`${Math.trunc(fraction)}%`);
    }
  }
  return cells;
}

/** Rows whose every cell ends in a tab, as kubectl's printValue writes them. */
function table(rows: string[][]): string {
  return formatTable(rows.map((r) => [...r, '']));
}

function byDescending<T>(key: (x: T) => number): (a: T, b: T) => number {
  return (a, b) => key(b) - key(a);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `top node`: one line per node with metrics, sorted by name (or by usage, largest first),
 * percentages of `available` (allocatable, or capacity with --show-capacity), then a line
 * of `<unknown>` for each node in `available` that has no metrics. Empty when nothing has metrics.
 */
export function printNodeMetrics(metrics: NodeMetrics[], available: Map<string, ResourceUsage>, opts: { noHeaders?: boolean; sortBy?: TopSortBy } = {}): string {
  if (metrics.length === 0) return '';
  const sorted = [...metrics];
  if (opts.sortBy === 'cpu') sorted.sort(byDescending((m) => quantity(m.usage, 'cpu').milliValue()));
  else if (opts.sortBy === 'memory') sorted.sort(byDescending((m) => quantity(m.usage, 'memory').value()));
  else sorted.sort((a, b) => byName(a.metadata.name, b.metadata.name));
  const rows: string[][] = opts.noHeaders ? [] : [NODE_COLUMNS];
  const missing = new Map(available);
  for (const m of sorted) {
    rows.push(metricsCells(m.metadata.name, m.usage, available.get(m.metadata.name)));
    missing.delete(m.metadata.name);
  }
  for (const name of [...missing.keys()].sort(byName)) rows.push([name, ...MEASURED.flatMap(() => [UNKNOWN, UNKNOWN])]);
  return table(rows);
}

/** A pod's usage: the sum of its containers'. */
export function podUsage(m: PodMetrics): ResourceUsage {
  const sum: ResourceUsage = {};
  for (const res of MEASURED) {
    let total = Quantity.parse('0');
    for (const c of m.containers) total = total.add(quantity(c.usage, res));
    sum[res] = total.toString();
  }
  return sum;
}

export interface PodMetricsPrintOptions {
  /** --containers: one line per container, after a POD column. */
  containers?: boolean;
  /** -A: a NAMESPACE column first. */
  withNamespace?: boolean;
  noHeaders?: boolean;
  sortBy?: TopSortBy;
  /** --sum: a total line under the usage columns. */
  sum?: boolean;
}

/**
 * `top pod`: one line per pod (or per container with --containers), sorted by namespace and
 * name (or by usage, largest first), with --sum a line of totals. Empty without metrics.
 */
export function printPodMetrics(metrics: PodMetrics[], opts: PodMetricsPrintOptions = {}): string {
  if (metrics.length === 0) return '';
  const rows: string[][] = [];
  // kubectl counts the extra columns only when it prints the header (the --sum line's indent).
  let columnWidth = POD_COLUMNS.length;
  if (!opts.noHeaders) {
    const header: string[] = [];
    if (opts.withNamespace) {
      header.push('NAMESPACE');
      columnWidth++;
    }
    if (opts.containers) {
      header.push('POD');
      columnWidth++;
    }
    rows.push([...header, ...POD_COLUMNS]);
  }
  const pods = metrics.map((m) => ({ m, usage: podUsage(m) }));
  if (opts.sortBy === 'cpu') pods.sort(byDescending((p) => quantity(p.usage, 'cpu').milliValue()));
  else if (opts.sortBy === 'memory') pods.sort(byDescending((p) => quantity(p.usage, 'memory').value()));
  else pods.sort((a, b) => (opts.withNamespace && a.m.metadata.namespace !== b.m.metadata.namespace ? byName(a.m.metadata.namespace, b.m.metadata.namespace) : byName(a.m.metadata.name, b.m.metadata.name)));

  for (const { m, usage } of pods) {
    const ns = opts.withNamespace ? [m.metadata.namespace] : [];
    if (opts.containers) {
      for (const c of sortContainers(m.containers, opts.sortBy ?? '')) rows.push([...ns, m.metadata.name, ...metricsCells(c.name, c.usage, undefined)]);
    } else {
      rows.push([...ns, ...metricsCells(m.metadata.name, usage, undefined)]);
    }
  }
  if (opts.sum) {
    const total: ResourceUsage = {};
    for (const res of MEASURED) {
      let q = Quantity.parse('0');
      for (const p of pods) q = q.add(quantity(p.usage, res));
      total[res] = q.toString();
    }
    rows.push([...Array<string>(Math.max(0, columnWidth - 2)).fill(''), '________', '________']);
    rows.push([...Array<string>(Math.max(0, columnWidth - 3)).fill(''), ...metricsCells('', total, undefined)]);
  }
  return table(rows);
}

function sortContainers(containers: ContainerMetrics[], sortBy: TopSortBy): ContainerMetrics[] {
  const out = [...containers];
  if (sortBy === 'cpu') out.sort(byDescending((c) => quantity(c.usage, 'cpu').milliValue()));
  else if (sortBy === 'memory') out.sort(byDescending((c) => quantity(c.usage, 'memory').value()));
  else out.sort((a, b) => byName(a.name, b.name));
  return out;
}
