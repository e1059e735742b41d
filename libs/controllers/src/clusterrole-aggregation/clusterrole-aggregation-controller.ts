// SPDX-License-Identifier: Apache-2.0
import { labelSelectorFromObject, objectKey, reasonOf, deepCopy } from '@berth/api';
import type { rbacV1 } from '@berth/api-types';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';

/** The controller's name (--controllers, logs, queue). */
export const CLUSTERROLE_AGGREGATION_CONTROLLER = 'clusterrole-aggregation-controller';
/** ClusterRoles, cluster-scoped. */
export const CLUSTER_ROLES: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };

/** A ClusterRole as the controller reads and writes it. */
export type ClusterRole = rbacV1.ClusterRoleJson;
/** One rule of a ClusterRole. */
export type PolicyRule = rbacV1.PolicyRuleJson;

/** What the controller needs. */
export interface ClusterRoleAggregationControllerDeps {
  client: ApiClient;
  clusterRoles: SharedInformer<ClusterRole>;
  logger?: ClientLogger;
}

/**
 * Fills in the rules of every ClusterRole that has an `aggregationRule` (Kubernetes'
 * ClusterRoleAggregationController, pkg/controller/clusterroleaggregation): its rules become
 * those of every other ClusterRole one of its `clusterRoleSelectors` matches, see
 * {@link aggregatedRules}. Written with an update only when they differ; a Conflict fails
 * the sync and the queue retries it with backoff.
 *
 * Any change to any ClusterRole queues every aggregated one, as Kubernetes does: the set of
 * roles is small and a change may make a selector match, or stop matching, any role. That
 * is also what resolves chains: view's own rules change, its update event queues edit
 * (which selects view by its label), and so on.
 */
export class ClusterRoleAggregationController {
  readonly name = CLUSTERROLE_AGGREGATION_CONTROLLER;
  readonly queue = new WorkQueue<string>({ name: CLUSTERROLE_AGGREGATION_CONTROLLER });
  private readonly logger: ClientLogger;

  constructor(private readonly deps: ClusterRoleAggregationControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    deps.clusterRoles.addEventHandler({
      onAdd: () => this.enqueueAll(),
      // Same resourceVersion: a resync, nothing changed.
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
  }

  /** Processes one ClusterRole by name: the test seam and the workers' sync function. */
  async sync(key: string): Promise<void> {
    const role = this.deps.clusterRoles.store.get(key);
    // Gone, or not an aggregated role: nothing to do (its rules are its own).
    if (!role || !isAggregated(role)) return;
    let rules: PolicyRule[];
    try {
      rules = aggregatedRules(role, this.deps.clusterRoles.store.list());
    } catch (err) {
      // An invalid selector (Kubernetes' validation refuses it at write time; Berth's does not
      // check selectors yet). Retrying cannot help; the role's next change queues it again.
      if (reasonOf(err) === 'BadRequest') {
        this.logger.warn({ controller: this.name, clusterRole: key, err }, 'invalid clusterRoleSelector; rules left as they are');
        return;
      }
      throw err;
    }
    if (rulesEqual(rules, role.rules ?? [])) return;
    // Never modify the cached object: write a copy.
    const updated: ClusterRole = { ...deepCopy(role), rules };
    await this.deps.client.update(CLUSTER_ROLES, '', updated);
    this.logger.info({ controller: this.name, clusterRole: key, rules: rules.length }, 'updated aggregated cluster role');
  }

  /** Queues every ClusterRole that has an aggregationRule. */
  private enqueueAll(): void {
    for (const role of this.deps.clusterRoles.store.list()) {
      if (isAggregated(role)) this.queue.add(objectKey(role));
    }
  }
}

/** Whether the role's rules are the controller's to write (aggregationRule non-nil). */
export function isAggregated(role: ClusterRole): boolean {
  return typeof role.aggregationRule === 'object' && role.aggregationRule !== null;
}

/**
 * The rules an aggregated ClusterRole should hold, as Kubernetes' syncClusterRole computes
 * them: for each of its `clusterRoleSelectors` in order, the ClusterRoles the selector
 * matches, in name order (string order; Go's byte order for the ASCII names roles have),
 * the role itself left out; their
 * rules in order, each rule once (a rule semantically equal to one already taken is skipped,
 * see {@link ruleKey}). Rules are copies. Throws a BadRequest StatusError when a selector is
 * invalid.
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const self = role.metadata?.name ?? '';
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const selector = labelSelectorFromObject(sel);
    const matched = all.filter((r) => selector.matches(r.metadata?.labels)).sort(byName);
    for (const source of matched) {
      if ((source.metadata?.name ?? '') === self) continue;
      for (const rule of source.rules ?? []) {
        const k = ruleKey(rule);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(deepCopy(rule));
      }
    }
  }
  return out;
}

/**
 * A rule's identity for equality, as Kubernetes' equality.Semantic.DeepEqual sees a
 * PolicyRule: the five lists in order, an absent list the same as an empty one (the API
 * leaves empty lists out, so a rule read back may lack what was written as []).
 */
export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([rule.verbs ?? [], rule.apiGroups ?? [], rule.resources ?? [], rule.resourceNames ?? [], rule.nonResourceURLs ?? []]);
}

/** Whether two rule lists are semantically equal: same rules, same order. */
export function rulesEqual(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((r, i) => ruleKey(r) === ruleKey(b[i] as PolicyRule));
}

function byName(a: ClusterRole, b: ClusterRole): number {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
