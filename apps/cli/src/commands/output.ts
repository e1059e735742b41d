// SPDX-License-Identifier: Apache-2.0
// The one place the commands meet the printers: the printers' API is owned by another
// folder, so the adapters below keep the commands independent of its details.
import type { KubeObject, ResourceInfo } from '@berth/api';
import { parseOutputFlag, printObjects, printTable } from '../printers';

/** What a `get`-like command asks of a table. */
export interface TableOptions {
  wide?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  noHeaders?: boolean;
  /** Adds NAMESPACE (all namespaces). */
  withNamespace?: boolean;
  /** Prints names as `pod/db` (several kinds in one listing). */
  withKind?: boolean;
}

/** True when -o asks for a table (default or wide) rather than a serialisation. */
export function isTableOutput(output: string | undefined): boolean {
  return output === undefined || output === '' || output === 'wide';
}

/** Checks an -o value early, so a typo fails before anything is sent. */
export function checkOutputFlag(output: string | undefined): void {
  if (!isTableOutput(output)) parseOutputFlag(output as string);
}

/** The table of objects of one kind. */
export function renderTable(info: ResourceInfo, objs: KubeObject[], opts: TableOptions, now: Date): string {
  return printTable(info.kind, objs, { ...opts }, now);
}

/** Objects as -o json|yaml|name|jsonpath=...|custom-columns=... print them. */
export function renderObjects(
  objs: KubeObject[],
  output: string,
  singleItem: boolean,
  opts: { noHeaders?: boolean; kind?: string } = {},
): string {
  return printObjects(objs, parseOutputFlag(output), { singleItem, ...opts });
}
