// SPDX-License-Identifier: Apache-2.0
import { allResources, resolveResource, type KubeObject } from '@berth/api';
import { DEFAULT_TABLE, createdAtTable, formatLabels, kindTable, type KindTable, type TableColumn } from './table-columns';
import { formatTable } from './tabwriter';

export type { TableColumn } from './table-columns';

/** How `get` decorates a table (kubectl's PrintOptions). */
export interface TableOptions {
  /** -o wide: the priority-1 columns too. */
  wide?: boolean;
  /** --show-labels: a last LABELS column. */
  showLabels?: boolean;
  /** -L a,b: one column per label key, headed by its last path segment upper-cased. */
  labelColumns?: string[];
  noHeaders?: boolean;
  /** -A: NAMESPACE first. */
  withNamespace?: boolean;
  /** Names as `pod/x`, `deployment.apps/x` (get all, several types). */
  withKind?: boolean;
}

/** The scheme's kind for a kind or resource name ('Pod', 'pods', 'po', 'deploy'). */
function resolveKind(kind: string): { kind: string; group: string; known: boolean } {
  const byKind = allResources().find((r) => r.kind === kind);
  if (byKind) return { kind: byKind.kind, group: byKind.group, known: true };
  const byName = resolveResource(kind);
  if (byName) return { kind: byName.kind, group: byName.group, known: true };
  return { kind, group: '', known: false };
}

/**
 * The columns and row function of a kind's `get` table. Every kind in the scheme has one:
 * its kubectl printer's, or the API server's NAME/CREATED AT; unknown kinds get NAME/AGE.
 * `row` returns every cell, wide ones included.
 */
export function tableFor(kind: string): { columns: TableColumn[]; row(obj: KubeObject, now: Date, wide?: boolean): string[] } {
  const resolved = resolveKind(kind);
  const table: KindTable = kindTable(resolved.kind) ?? (resolved.known ? createdAtTable() : DEFAULT_TABLE);
  return { columns: table.columns, row: (obj, now, wide) => table.row(obj, now, wide) };
}

/** Cells stop at a line break (shown as `...`), as kubectl's table printer cuts them. */
function cleanCell(s: string): string {
  const i = s.search(/[\f\n\r]/);
  return i < 0 ? s : s.slice(0, i) + '...';
}

/** The last path segment of a label key, upper-cased: the header of a -L column. */
function labelHeader(key: string): string {
  const parts = key.split('/');
  return (parts[parts.length - 1] ?? '').toUpperCase();
}

/**
 * A kind's objects as `kubectl get` prints them: header (unless noHeaders), one row per
 * object in the order given, aligned by kubectl's tabwriter. No objects, no output.
 */
export function printTable(kind: string, objs: KubeObject[], opts: TableOptions, now: Date): string {
  if (objs.length === 0) return '';
  const resolved = resolveKind(kind);
  const table = tableFor(kind);
  const shown = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => opts.wide || c.priority === 0);
  const nameColumn = table.columns.findIndex((c) => c.format === 'name');
  const kindPrefix = (resolved.group ? `${resolved.kind}.${resolved.group}` : resolved.kind).toLowerCase();
  const labelKeys = opts.labelColumns ?? [];

  const rows: string[][] = [];
  if (!opts.noHeaders) {
    const header = shown.map(({ c }) => c.name);
    for (const key of labelKeys) header.push(labelHeader(key));
    if (opts.showLabels) header.push('LABELS');
    rows.push(opts.withNamespace ? ['NAMESPACE', ...header] : header);
  }
  for (const obj of objs) {
    const cells = table.row(obj, now, opts.wide ?? false);
    if (opts.withKind && nameColumn >= 0) cells[nameColumn] = `${kindPrefix}/${cells[nameColumn] ?? ''}`;
    const row = shown.map(({ i }) => cleanCell(cells[i] ?? ''));
    const labels = obj.metadata?.labels ?? {};
    for (const key of labelKeys) row.push(labels[key] ?? '');
    if (opts.showLabels) row.push(formatLabels(labels));
    rows.push(opts.withNamespace ? [obj.metadata?.namespace ?? '', ...row] : row);
  }
  return formatTable(rows);
}
