// SPDX-License-Identifier: Apache-2.0
/**
 * The small formatting helpers kubectl's describers share: Go's value printing, RFC 1123
 * times, label/annotation/taint/toleration lists aligned under their title.
 */
import type { KubeObject } from '@berth/api';
import { Quantity } from '@berth/api';
import { timestampSince } from '@berth/events';
import { arr, get, num, str, strMap } from './json';
import { LEVEL_0, type PrefixWriter } from './prefix-writer';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Go's time.RFC1123Z layout in the local time zone, as kubectl formats a metav1.Time:
 * `Mon, 02 Jan 2006 15:04:05 -0700`. Unset or unparsable times print Go's zero time.
 */
export function rfc1123z(t: unknown): string {
  const ms = typeof t === 'string' ? Date.parse(t) : t instanceof Date ? t.getTime() : Number.NaN;
  if (Number.isNaN(ms)) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return (
    `${DAYS[d.getDay()]}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}

/** kubectl's translateTimestampSince: `5m`, or `<unknown>` without a time. */
export function since(t: unknown, now: Date): string {
  return timestampSince(typeof t === 'string' ? t : undefined, now);
}

/** Go's %v of a []string: `[get list watch]`, `[]` when empty. */
export function goSlice(values: readonly unknown[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? v : String(v))).join(' ')}]`;
}

/** labels.FormatLabels: `a=1,b=2` sorted by key, `<none>` when empty. */
export function formatLabels(m: Record<string, string>): string {
  const keys = Object.keys(m).sort(byteOrder);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${m[k] ?? ''}`).join(',');
}

/** Go's sort.Strings order (byte-wise, which for the ASCII keys Kubernetes allows is UTF-16 order). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function stringOrNone(s: string): string {
  return s.length > 0 ? s : '<none>';
}

/** `True` / `False`, as kubectl's printBool. */
export function printBool(v: boolean): string {
  return v ? 'True' : 'False';
}

/** printBoolPtr: `<unset>` when the field is absent. */
export function printBoolPtr(v: unknown): string {
  return typeof v === 'boolean' ? printBool(v) : '<unset>';
}

/** `Kind/name` of the owner reference marked controller, or '' (kubectl's printController). */
export function controllerOf(o: unknown): string {
  for (const ref of arr(o, 'metadata.ownerReferences')) {
    if (get(ref, 'controller') === true) return `${str(ref, 'kind')}/${str(ref, 'name')}`;
  }
  return '';
}

/** The uid of the controlling owner, or ''. */
export function controllerUid(o: unknown): string {
  for (const ref of arr(o, 'metadata.ownerReferences')) {
    if (get(ref, 'controller') === true) return str(ref, 'uid');
  }
  return '';
}

/** A quantity from JSON, or zero when absent or malformed. */
export function quantity(v: unknown): Quantity {
  if (typeof v === 'string' || typeof v === 'number') {
    try {
      return Quantity.parse(v);
    } catch {
      return Quantity.fromValue(0);
    }
  }
  return Quantity.fromValue(0);
}

/** A resource list's names sorted as kubectl's SortedResourceNames. */
export function sortedResourceNames(list: Record<string, unknown>): string[] {
  return Object.keys(list).sort(byteOrder);
}

/** Go's %v of an IntOrString (intstr.String()). */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
}

const MAX_ANNOTATION_LEN = 140;
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** printLabelsMultilineWithIndent: one `key=value` per line, aligned under the first. */
export function printLabelsMultiline(
  w: PrefixWriter,
  title: string,
  labels: Record<string, string>,
  initialIndent = '',
  innerIndent = '\t',
): void {
  w.write(LEVEL_0, `${initialIndent}${title}:${innerIndent}`);
  const keys = Object.keys(labels).sort(byteOrder);
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, initialIndent);
      w.write(LEVEL_0, innerIndent);
    }
    w.write(LEVEL_0, `${key}=${labels[key] ?? ''}\n`);
  });
}

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/**
 * printAnnotationsMultiline: `key: value` per line; long or multi-line values on their own
 * indented lines; kubectl's last-applied-configuration is never shown.
 */
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string>): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = Object.keys(annotations)
    .filter((k) => !SKIP_ANNOTATIONS.has(k))
    .sort(byteOrder);
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const indent = '\t';
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, indent);
    const value = (annotations[key] ?? '').replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const s of value.split('\n')) w.write(LEVEL_0, `${indent}  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  });
}

/** The common header of most describers' metadata: labels and annotations of an object. */
export function labelsOf(o: KubeObject | unknown): Record<string, string> {
  return strMap(o, 'metadata.labels');
}

export function annotationsOf(o: KubeObject | unknown): Record<string, string> {
  return strMap(o, 'metadata.annotations');
}

/** printTolerationsMultilineWithIndent. */
export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: unknown[]): void {
  w.write(LEVEL_0, `${title}:\t`);
  if (tolerations.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const sorted = [...tolerations].sort((a, b) => byteOrder(str(a, 'key'), str(b, 'key')));
  sorted.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, '\t');
    const key = str(t, 'key');
    const value = str(t, 'value');
    const effect = str(t, 'effect');
    let s = key;
    if (value) s += `=${value}`;
    if (effect) s += `:${effect}`;
    if (str(t, 'operator') === 'Exists' && !value) s += key || effect ? ' op=Exists' : 'op=Exists';
    if (get(t, 'tolerationSeconds') !== undefined && get(t, 'tolerationSeconds') !== null) s += ` for ${num(t, 'tolerationSeconds')}s`;
    w.write(LEVEL_0, `${s}\n`);
  });
}

/** printTaintsMultilineWithIndent: sorted by effect then key; Taint.ToString. */
export function printTaintsMultiline(w: PrefixWriter, title: string, taints: unknown[]): void {
  w.write(LEVEL_0, `${title}:\t`);
  if (taints.length === 0) {
    w.writeLine('<none>');
    return;
  }
  const key = (t: unknown): string => `${str(t, 'effect')},${str(t, 'key')}`;
  const sorted = [...taints].sort((a, b) => byteOrder(key(a), key(b)));
  sorted.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, '\t');
    w.write(LEVEL_0, `${taintString(t)}\n`);
  });
}

/** corev1.Taint.ToString: `key=value:Effect`, `key:Effect`, `key`. */
export function taintString(t: unknown): string {
  const key = str(t, 'key');
  const value = str(t, 'value');
  const effect = str(t, 'effect');
  if (effect === '') return value === '' ? key : `${key}=${value}:`;
  return value === '' ? `${key}:${effect}` : `${key}=${value}:${effect}`;
}

/** storageutil.GetAccessModesAsString: `RWO,ROX,RWX,RWOP` in that fixed order. */
export function accessModesAsString(modes: string[]): string {
  const set = new Set(modes);
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}
