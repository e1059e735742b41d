// SPDX-License-Identifier: Apache-2.0
/**
 * The book's objects as the server returns them (defaults applied, status filled in), and a
 * fake DescribeContext over them, for the describe golden tests.
 */
import type { KubeObject } from '@berth/api';
import { parseLabelSelector } from '@berth/api';
import { get } from './json';
import type { DescribeContext, DescribeListOptions } from './context';

/** The clock the fixtures are written against. */
export const NOW = new Date('2018-03-04T12:00:00Z');

/** A time `ago` before NOW, as the API writes it. */
export function ago(spec: string): string {
  const m = /^(\d+)([smhd])$/.exec(spec);
  if (!m) throw new Error(spec);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return new Date(NOW.getTime() - Number(m[1]) * unit * 1000).toISOString().replace('.000Z', 'Z');
}

const PLURALS: Record<string, string> = {
  Pod: 'pods',
  ReplicaSet: 'replicasets',
  Endpoints: 'endpoints',
  EndpointSlice: 'endpointslices',
  Service: 'services',
  ResourceQuota: 'resourcequotas',
  LimitRange: 'limitranges',
  Lease: 'leases',
  Secret: 'secrets',
};

function matchesField(o: KubeObject, selector: string): boolean {
  return selector
    .split(',')
    .filter((t) => t !== '')
    .every((term) => {
      const ne = term.indexOf('!=');
      if (ne >= 0) return String(get(o, term.slice(0, ne)) ?? '') !== term.slice(ne + 2);
      const eq = term.indexOf('=');
      return String(get(o, term.slice(0, eq)) ?? '') === term.slice(eq + 1);
    });
}

/** A DescribeContext listing from `objects`, with `events` for the described object. */
export function fakeContext(objects: KubeObject[], events: KubeObject[] = [], showEvents = true): DescribeContext & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    events,
    now: NOW,
    showEvents,
    async list(resource: string, group: string, namespace: string, opts?: DescribeListOptions): Promise<KubeObject[]> {
      calls.push(`${resource}.${group}/${namespace}?${opts?.labelSelector ?? ''}&${opts?.fieldSelector ?? ''}`);
      const sel = parseLabelSelector(opts?.labelSelector ?? '');
      return objects.filter(
        (o) =>
          PLURALS[o.kind ?? ''] === resource &&
          (namespace === '' || o.metadata?.namespace === namespace) &&
          sel.matches(o.metadata?.labels) &&
          matchesField(o, opts?.fieldSelector ?? ''),
      );
    },
  };
}

let counter = 0;
/** An event about `involved`, as the recorder writes it. */
export function event(
  involved: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component: string,
  first: string,
  last = first,
  count = 1,
  host = '',
): KubeObject {
  counter++;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata?.name ?? ''}.${counter}`, namespace: involved.metadata?.namespace ?? 'default' },
    involvedObject: { kind: involved.kind, name: involved.metadata?.name, namespace: involved.metadata?.namespace, uid: involved.metadata?.uid },
    reason,
    message,
    source: host ? { component, host } : { component },
    firstTimestamp: ago(first),
    lastTimestamp: ago(last),
    count,
    type,
  };
}
