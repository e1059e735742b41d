// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { findJsonPathResults, parseJsonPath, type JsonPathNode } from './jsonpath';
import { goValueString } from './go-values';
import { formatTable } from './tabwriter';

const JSON_REGEXP = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/**
 * kubectl's RelaxedJSONPathExpression: `.metadata.name`, `metadata.name` and
 * `{metadata.name}` all become `{.metadata.name}`.
 */
export function relaxedJsonPathExpression(path: string): string {
  if (path.length === 0) return path;
  const m = JSON_REGEXP.exec(path);
  if (!m) {
    throw new Error("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  }
  return `{.${m[1] || m[2] || ''}}`;
}

/** One parsed custom column: its header and its jsonpath. */
export interface CustomColumn {
  header: string;
  fieldSpec: string;
  nodes: JsonPathNode[];
}

/**
 * Parses a `-o custom-columns=` spec (`NAME:.metadata.name,RSRC:.metadata.resourceVersion`),
 * throwing kubectl's errors for a malformed one.
 */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.length === 0) throw new Error('custom-columns format specified but no custom columns given');
  return spec.split(',').map((part) => {
    // strings.SplitN(part, ":", 2): the path may itself contain ':'.
    const colon = part.indexOf(':');
    if (colon < 0) throw new Error(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    const header = part.slice(0, colon);
    const fieldSpec = relaxedJsonPathExpression(part.slice(colon + 1));
    return { header, fieldSpec, nodes: parseJsonPath(fieldSpec) };
  });
}

/** One cell: every result of the column's path joined by ',' (Go's %v of each), `<none>` when there is none. */
function cell(col: CustomColumn, obj: KubeObject): string {
  const values = findJsonPathResults(col.nodes, obj, true);
  const strings: string[] = [];
  if (values.length === 0 || (values[0] as unknown[]).length === 0) strings.push('<none>');
  for (const group of values) for (const v of group) strings.push(goValueString(v));
  return strings.join(',');
}

/**
 * `-o custom-columns=<spec>`: a header row of the given names (unless noHeaders) and one row
 * per object, aligned by kubectl's tabwriter.
 */
export function printCustomColumns(spec: string, objs: KubeObject[], noHeaders: boolean): string {
  const columns = parseCustomColumns(spec);
  const rows: string[][] = [];
  if (!noHeaders) rows.push(columns.map((c) => c.header));
  for (const obj of objs) rows.push(columns.map((c) => cell(c, obj)));
  return formatTable(rows);
}
