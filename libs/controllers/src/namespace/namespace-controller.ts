// SPDX-License-Identifier: Apache-2.0
import { allResources, isConflict, isNotFound, type KubeObject, type ResourceInfo } from '@berth/api';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import { NAMESPACES } from '../shared/resources';
import { deletionConditions, type DeletionOutcome, type NamespaceCondition } from './namespace-conditions';

/** The controller's name. */
export const NAMESPACE_CONTROLLER = 'namespace-controller';
/** The finalizer (in spec.finalizers) the namespace controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** A namespace as the controller reads it. */
export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: NamespaceCondition[] };
}

/**
 * The namespaced resources whose objects a namespace's deletion removes: every one that
 * can be listed and deleted, except events (they age out on their own).
 */
export function deletableNamespacedResources(): ResourceInfo[] {
  return allResources().filter(
    (r) => r.namespaced && r.verbs.includes('list') && (r.verbs.includes('delete') || r.verbs.includes('deletecollection')) && r.resource !== 'events',
  );
}

/** What the controller needs. */
export interface NamespaceControllerDeps {
  client: ApiClient;
  namespaces: SharedInformer<Namespace>;
  logger?: ClientLogger;
  now?: () => Date;
  /** Which resources to empty; defaults to deletableNamespacedResources(). */
  resources?: ResourceInfo[];
  /** How long to wait before looking again while content remains. Default 2 s. */
  requeueMs?: number;
}

/**
 * Empties namespaces being deleted (Kubernetes' namespace controller): deletes every
 * namespaced object in a namespace with a deletionTimestamp, records why it cannot yet
 * finish in the status conditions, and once nothing is left removes the `kubernetes`
 * finalizer from spec.finalizers, which lets the apiserver remove the namespace.
 */
export class NamespaceController {
  readonly name = NAMESPACE_CONTROLLER;
  readonly queue = new WorkQueue<string>({ name: NAMESPACE_CONTROLLER });
  private readonly logger: ClientLogger;
  private readonly now: () => Date;

  constructor(private readonly deps: NamespaceControllerDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? (() => new Date());
    deps.namespaces.addEventHandler({
      onAdd: (ns) => this.enqueue(ns),
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.enqueue(cur);
      },
    });
  }

  private enqueue(ns: Namespace): void {
    if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name ?? '');
  }

  /** Processes one namespace by name: the test seam and the workers' sync function. */
  async sync(name: string): Promise<void> {
    const ns = this.deps.namespaces.store.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;
    const outcome = await this.deleteAllContent(name);
    await this.updateConditions(ns, outcome);
    if (outcome.errors.length > 0) throw new Error(`namespace ${name}: ${outcome.errors.join('; ')}`);
    if (outcome.remaining.size > 0) {
      this.logger.debug({ controller: this.name, namespace: name, remaining: Object.fromEntries(outcome.remaining) }, 'content remaining');
      this.queue.addAfter(name, this.deps.requeueMs ?? 2000);
      return;
    }
    await this.finalize(name);
  }

  /** Deletes what is left of every resource; reports what remains. */
  private async deleteAllContent(namespace: string): Promise<DeletionOutcome> {
    const outcome: DeletionOutcome = { errors: [], remaining: new Map(), finalizers: new Map() };
    const resources = this.deps.resources ?? deletableNamespacedResources();
    for (const info of resources) {
      const type: ResourceType = { group: info.group, version: info.version, resource: info.resource };
      const qualified = `${info.resource}.${info.group}`;
      try {
        let items = (await this.deps.client.list(type, { namespace })).items;
        if (items.length === 0) continue;
        const pending = items.filter((o) => !o.metadata?.deletionTimestamp);
        if (pending.length > 0) {
          if (info.verbs.includes('deletecollection')) {
            await this.deps.client.deleteCollection(type, { namespace }, { propagationPolicy: 'Background' });
          } else {
            for (const o of pending) {
              try {
                await this.deps.client.delete(type, namespace, o.metadata?.name ?? '', { propagationPolicy: 'Background' });
              } catch (err) {
                if (!isNotFound(err)) throw err;
              }
            }
          }
          items = (await this.deps.client.list(type, { namespace })).items;
        }
        if (items.length > 0) {
          outcome.remaining.set(qualified, items.length);
          for (const o of items) {
            for (const f of o.metadata?.finalizers ?? []) outcome.finalizers.set(f, (outcome.finalizers.get(f) ?? 0) + 1);
          }
        }
      } catch (err) {
        outcome.errors.push(`${qualified}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return outcome;
  }

  private async updateConditions(ns: Namespace, outcome: DeletionOutcome): Promise<void> {
    const now = this.now().toISOString().replace(/\.\d+Z$/, 'Z');
    const previous = ns.status?.conditions ?? [];
    const conditions = deletionConditions(outcome, previous, now);
    const same = (a: NamespaceCondition[], b: NamespaceCondition[]): boolean =>
      a.length === b.length && a.every((c, i) => c.type === b[i]?.type && c.status === b[i]?.status && c.reason === b[i]?.reason && c.message === b[i]?.message);
    if (same(previous, conditions)) return;
    try {
      await this.deps.client.update(NAMESPACES, '', { ...ns, status: { ...(ns.status ?? {}), conditions } }, { subresource: 'status' });
    } catch (err) {
      // Stale or gone: the next sync writes them again.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Removes the `kubernetes` finalizer from spec.finalizers (the apiserver then removes the namespace). */
  private async finalize(name: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: Namespace;
      try {
        current = await this.deps.client.get<Namespace>(NAMESPACES, '', name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const finalizers = current.spec?.finalizers ?? [];
      if (!finalizers.includes(KUBERNETES_FINALIZER)) return;
      const next: Namespace = { ...current, spec: { ...(current.spec ?? {}), finalizers: finalizers.filter((f) => f !== KUBERNETES_FINALIZER) } };
      try {
        await this.deps.client.update(NAMESPACES, '', next);
        this.logger.info({ controller: this.name, namespace: name }, 'namespace finalized');
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`could not finalize namespace ${name}: too many conflicts`);
  }
}
