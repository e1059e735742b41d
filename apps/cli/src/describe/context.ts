// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';

/** Options for DescribeContext.list: kubectl's label and field selectors. */
export interface DescribeListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** What a describer may look up: related objects and the events of the object. */
export interface DescribeContext {
  /**
   * Lists objects of a resource (plural, group) in a namespace ('' = all namespaces) with
   * optional selectors — e.g. pods of a ReplicaSet, ReplicaSets of a Deployment, pods on a
   * Node (field selector spec.nodeName=...).
   */
  list(resource: string, group: string, namespace: string, opts?: DescribeListOptions): Promise<KubeObject[]>;
  /** Events whose involvedObject is this object (uid or kind+name), already fetched by the caller. */
  events: KubeObject[];
  now: Date;
  showEvents: boolean;
}

/** Lists, turning a failure into an empty list plus the error (kubectl tolerates most lookup failures). */
export async function tryList(
  ctx: DescribeContext,
  resource: string,
  group: string,
  namespace: string,
  opts?: DescribeListOptions,
): Promise<{ items: KubeObject[]; error?: Error }> {
  try {
    return { items: await ctx.list(resource, group, namespace, opts) };
  } catch (e) {
    return { items: [], error: e instanceof Error ? e : new Error(String(e)) };
  }
}
