// SPDX-License-Identifier: Apache-2.0
/** Describers of Namespace (with its quotas and limit ranges), LimitRange and ResourceQuota. */
import type { KubeObject } from '@berth/api';
import { Quantity } from '@berth/api';
import { arr, get, obj, str, strArr } from './json';
import { tryList, type DescribeContext } from './context';
import { annotationsOf, byteOrder, labelsOf, printAnnotationsMultiline, printLabelsMultiline, quantity, rfc1123z } from './format';
import { LEVEL_0, LEVEL_1, tabbedString, type PrefixWriter } from './prefix-writer';

const SCOPE_HELP: Record<string, string> = {
  Terminating: 'Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.',
  NotTerminating:
    'Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.',
  BestEffort: 'Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.',
  NotBestEffort:
    'Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.',
};

/** The resource names of a LimitRange item in a stable order (kubectl walks a Go map; sorted names keep the output stable). */
function limitResourceNames(item: unknown): string[] {
  const set = new Set<string>();
  for (const field of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) for (const k of Object.keys(obj(item, field))) set.add(k);
  return [...set].sort(byteOrder);
}

function describeLimitRangeSpec(lr: unknown, prefix: string, w: PrefixWriter): void {
  for (const item of arr(lr, 'spec.limits')) {
    for (const k of limitResourceNames(item)) {
      const v = (field: string): string => {
        const x = obj(item, field)[k];
        return x === undefined ? '-' : quantity(x).toString();
      };
      w.write(LEVEL_0, `${prefix}${str(item, 'type')}\t${k}\t${v('min')}\t${v('max')}\t${v('defaultRequest')}\t${v('default')}\t${v('maxLimitRequestRatio')}\n`);
    }
  }
}

/** DescribeLimitRanges: the `Resource Limits` table of a namespace. */
function describeLimitRanges(limitRanges: KubeObject[], w: PrefixWriter): void {
  if (limitRanges.length === 0) {
    w.write(LEVEL_0, 'No LimitRange resource.\n');
    return;
  }
  w.write(LEVEL_0, 'Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n');
  w.write(LEVEL_0, ' ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n');
  for (const lr of limitRanges) describeLimitRangeSpec(lr, ' ', w);
}

/** DescribeResourceQuotas: the `Resource Quotas` section of a namespace. */
function describeResourceQuotas(quotas: KubeObject[], w: PrefixWriter): void {
  if (quotas.length === 0) {
    w.write(LEVEL_0, 'No resource quota.\n');
    return;
  }
  const sorted = [...quotas].sort((a, b) => byteOrder(str(a, 'metadata.name'), str(b, 'metadata.name')));
  w.write(LEVEL_0, 'Resource Quotas\n');
  for (const q of sorted) {
    w.write(LEVEL_1, `Name:\t${str(q, 'metadata.name')}\n`);
    const scopes = strArr(q, 'spec.scopes').sort(byteOrder);
    if (scopes.length > 0) {
      w.write(LEVEL_1, `Scopes:\t${scopes.join(', ')}\n`);
      for (const s of scopes) if (SCOPE_HELP[s]) w.write(LEVEL_1, `* ${SCOPE_HELP[s]}\n`);
    }
    w.write(LEVEL_1, 'Resource\tUsed\tHard\n');
    w.write(LEVEL_1, '--------\t---\t---\n');
    const hard = obj(q, 'status.hard');
    const used = obj(q, 'status.used');
    for (const r of Object.keys(hard).sort(byteOrder)) {
      w.write(LEVEL_1, `${r}\t${quantity(used[r]).toString()}\t${quantity(hard[r]).toString()}\n`);
    }
  }
}

/** kubectl describe namespace: status, conditions, then the namespace's quotas and limit ranges. */
export async function describeNamespace(ns: KubeObject, ctx: DescribeContext): Promise<string> {
  const name = str(ns, 'metadata.name');
  const quotas = await tryList(ctx, 'resourcequotas', '', name);
  const limits = await tryList(ctx, 'limitranges', '', name);
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${name}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(ns));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(ns));
    w.write(LEVEL_0, `Status:\t${str(ns, 'status.phase')}\n`);
    const conditions = arr(ns, 'status.conditions');
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(LEVEL_1, `${str(c, 'type')}\t${str(c, 'status')}\t${rfc1123z(get(c, 'lastTransitionTime'))}\t${str(c, 'reason')}\t${str(c, 'message')}\n`);
      }
    }
    // A server without quotas or limit ranges (not found) leaves the section out, as kubectl does.
    if (!quotas.error) {
      w.write(LEVEL_0, '\n');
      describeResourceQuotas(quotas.items, w);
    }
    if (!limits.error) {
      w.write(LEVEL_0, '\n');
      describeLimitRanges(limits.items, w);
    }
  });
}

/** kubectl describe limitrange. */
export function describeLimitRange(lr: KubeObject): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(lr, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(lr, 'metadata.namespace')}\n`);
    w.write(LEVEL_0, 'Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n');
    w.write(LEVEL_0, '----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n');
    describeLimitRangeSpec(lr, '', w);
  });
}

/** kubectl describe resourcequota: used shown in the hard value's format. */
export function describeResourceQuota(q: KubeObject): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(q, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(q, 'metadata.namespace')}\n`);
    const scopes = strArr(q, 'spec.scopes').sort(byteOrder);
    if (scopes.length > 0) {
      w.write(LEVEL_0, `Scopes:\t${scopes.join(', ')}\n`);
      for (const s of scopes) if (SCOPE_HELP[s]) w.write(LEVEL_0, ` * ${SCOPE_HELP[s]}\n`);
    }
    w.write(LEVEL_0, 'Resource\tUsed\tHard\n');
    w.write(LEVEL_0, '--------\t----\t----\n');
    const hard = obj(q, 'status.hard');
    const used = obj(q, 'status.used');
    for (const r of Object.keys(hard).sort(byteOrder)) {
      const h = quantity(hard[r]);
      let u = quantity(used[r]);
      if (h.format !== u.format) u = Quantity.fromValue(u.value(), h.format);
      w.write(LEVEL_0, `${r}\t${u.toString()}\t${h.toString()}\n`);
    }
  });
}
