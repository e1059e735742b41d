// SPDX-License-Identifier: Apache-2.0
/** kubectl's generic describer: for kinds without their own (Lease, IngressClass, custom resources...). */
import type { KubeObject } from '@berth/api';
import { str } from './json';
import type { DescribeContext } from './context';
import { describeEvents } from './events';
import { annotationsOf, byteOrder, labelsOf, printAnnotationsMultiline, printLabelsMultiline } from './format';
import { LEVEL_0, tabbedString, type PrefixWriter } from './prefix-writer';

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

function charClass(ch: string): number {
  if (ch >= 'a' && ch <= 'z') return 1;
  if (ch >= 'A' && ch <= 'Z') return 2;
  if (ch >= '0' && ch <= '9') return 3;
  if (ch.toLowerCase() !== ch.toUpperCase()) return ch === ch.toLowerCase() ? 1 : 2;
  return 4;
}

/** github.com/fatih/camelcase.Split: runs of one character class, with `PDFLoader` → `PDF`, `Loader`. */
export function camelCaseSplit(src: string): string[] {
  const runs: string[][] = [];
  let last = 0;
  for (const ch of src) {
    const cls = charClass(ch);
    if (cls === last && runs.length > 0) (runs[runs.length - 1] as string[]).push(ch);
    else runs.push([ch]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    const cur = runs[i] as string[];
    const next = runs[i + 1] as string[];
    if (charClass(cur[0] ?? '') === 2 && charClass(next[0] ?? '') === 1) {
      next.unshift(cur.pop() as string);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** smartLabelFor: `apiVersion` → `API Version`, `holderIdentity` → `Holder Identity`; odd names unchanged. */
export function smartLabelFor(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field;
  return camelCaseSplit(field)
    .filter((p) => p !== '_')
    .map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join(' ');
}

/** Go's %v of a JSON scalar. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v).sort(byteOrder);
    return `map[${entries.map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** printUnstructuredContent: fields sorted, maps and lists nested one level deeper. */
function printUnstructured(w: PrefixWriter, level: number, content: Record<string, unknown>, skipPrefix: string, skip: Set<string>): void {
  for (const field of Object.keys(content).sort(byteOrder)) {
    const value = content[field];
    const expr = `${skipPrefix}.${field}`;
    if (skip.has(expr)) continue;
    if (isMap(value)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      printUnstructured(w, level + 1, value, expr, skip);
    } else if (Array.isArray(value)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      for (const child of value) {
        if (isMap(child)) printUnstructured(w, level + 1, child, expr, skip);
        else w.write(level + 1, `${goValue(child)}\n`);
      }
    } else {
      w.write(level, `${smartLabelFor(field)}:\t${goValue(value)}\n`);
    }
  }
}

const SKIP = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);

/** kubectl's genericDescriber: the header, then every other field of the object. */
export function describeGeneric(o: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(o, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(o, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(o));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(o));
    printUnstructured(w, LEVEL_0, o as Record<string, unknown>, '', SKIP);
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}
