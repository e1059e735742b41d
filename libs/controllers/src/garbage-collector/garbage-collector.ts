// SPDX-License-Identifier: Apache-2.0
import { isConflict, isNotFound, resourceFor, resourceForKind, type KubeObject, type OwnerReference, deepCopy } from '@berth/api';
import { WorkQueue, silentLogger, type ApiClient, type ClientLogger, type ResourceType, type SharedInformer } from '@berth/client';
import { classifyOwners, dependentAction, type OwnerState } from './owner-classification';

/** The controller's name. */
export const GARBAGE_COLLECTOR = 'garbage-collector-controller';

/** The kinds whose objects own others or carry ownerReferences, watched when served. */
export const GC_MONITORED_RESOURCES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'pods' },
  { group: '', version: 'v1', resource: 'replicationcontrollers' },
  { group: '', version: 'v1', resource: 'services' },
  { group: '', version: 'v1', resource: 'endpoints' },
  { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  { group: '', version: 'v1', resource: 'configmaps' },
  { group: '', version: 'v1', resource: 'nodes' },
  { group: 'apps', version: 'v1', resource: 'replicasets' },
  { group: 'apps', version: 'v1', resource: 'deployments' },
  { group: 'apps', version: 'v1', resource: 'statefulsets' },
  { group: 'apps', version: 'v1', resource: 'daemonsets' },
  { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  { group: 'batch', version: 'v1', resource: 'jobs' },
  { group: 'batch', version: 'v1', resource: 'cronjobs' },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
];

/** A node of the ownership graph: the latest state of one object. */
interface GraphNode {
  type: ResourceType;
  obj: KubeObject;
}

/** What the collector needs. */
export interface GarbageCollectorDeps {
  client: ApiClient;
  /** One informer per monitored resource. */
  informers: SharedInformer[];
  logger?: ClientLogger;
}

const uidOf = (o: KubeObject): string => o.metadata?.uid ?? '';
const finalizersOf = (o: KubeObject): string[] => o.metadata?.finalizers ?? [];

/**
 * Kubernetes' garbage collector: keeps an owner → dependents graph from the informers and,
 * per object uid on its queue,
 * - deletes dependents whose owners are all gone (background propagation);
 * - for an owner being deleted with the `orphan` finalizer, removes its ownerReference from
 *   every dependent, then the finalizer;
 * - for an owner being deleted with `foregroundDeletion`, deletes its dependents and removes
 *   the finalizer once no dependent with blockOwnerDeletion remains.
 */
export class GarbageCollector {
  readonly name = GARBAGE_COLLECTOR;
  readonly queue = new WorkQueue<string>({ name: GARBAGE_COLLECTOR });
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly logger: ClientLogger;

  constructor(private readonly deps: GarbageCollectorDeps) {
    this.logger = deps.logger ?? silentLogger;
    for (const inf of deps.informers) {
      inf.addEventHandler({
        onAdd: (o) => this.observe(inf.type, o),
        onUpdate: (old, cur) => {
          if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) this.observe(inf.type, cur, old);
        },
        onDelete: (o) => this.forget(o),
      });
    }
  }

  /** The dependents of an owner uid known to the graph. */
  dependentsOf(ownerUid: string): KubeObject[] {
    return [...(this.dependents.get(ownerUid) ?? [])].map((u) => this.nodes.get(u)?.obj).filter((o): o is KubeObject => !!o);
  }

  private observe(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
    const uid = uidOf(obj);
    if (!uid) return;
    for (const ref of old?.metadata?.ownerReferences ?? []) this.dependents.get(ref.uid ?? '')?.delete(uid);
    this.nodes.set(uid, { type, obj });
    const refs = obj.metadata?.ownerReferences ?? [];
    for (const ref of refs) {
      const set = this.dependents.get(ref.uid ?? '') ?? new Set<string>();
      set.add(uid);
      this.dependents.set(ref.uid ?? '', set);
    }
    // Its owners may be gone; or it is being deleted and its dependents need handling.
    if (refs.length > 0 || obj.metadata?.deletionTimestamp) this.queue.add(uid);
    // A dependent lost its blocking ref: a foreground-deleting owner may be done.
    for (const ref of old?.metadata?.ownerReferences ?? []) {
      if (!refs.some((r) => r.uid === ref.uid)) this.queue.add(ref.uid ?? '');
    }
  }

  private forget(obj: KubeObject): void {
    const uid = uidOf(obj);
    this.nodes.delete(uid);
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      this.dependents.get(ref.uid ?? '')?.delete(uid);
      // A foreground-deleting owner waits for this one.
      this.queue.add(ref.uid ?? '');
    }
    // Its dependents may now be orphans of a gone owner.
    for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep);
  }

  /** Processes one object by uid: the test seam and the workers' sync function. */
  async sync(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const obj = node.obj;
    if (obj.metadata?.deletionTimestamp) {
      const fins = finalizersOf(obj);
      if (fins.includes('orphan')) {
        await this.orphanDependents(node);
        return;
      }
      if (fins.includes('foregroundDeletion')) {
        await this.processDeletingDependents(node);
        return;
      }
    }
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = new Map<string, OwnerState>();
    for (const ref of refs) states.set(ref.uid ?? '', await this.ownerState(ref, obj.metadata?.namespace ?? ''));
    const owners = classifyOwners(refs, (r) => states.get(r.uid ?? '') ?? 'solid');
    const action = dependentAction(owners, (this.dependents.get(uid)?.size ?? 0) > 0, finalizersOf(obj));
    if (action.action === 'keep') return;
    if (action.action === 'removeRefs') {
      await this.patchOwnerRefs(node, (r) => !action.uids.includes(r.uid ?? ''));
      return;
    }
    if (obj.metadata?.deletionTimestamp && action.propagationPolicy !== 'Foreground') return; // already going
    this.logger.info({ controller: this.name, object: describe(node), propagationPolicy: action.propagationPolicy }, 'deleting object whose owners are gone');
    try {
      await this.deps.client.delete(node.type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', {
        preconditions: { uid },
        propagationPolicy: action.propagationPolicy,
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Whether an owner exists (same uid), and whether it waits for its dependents. */
  private async ownerState(ref: OwnerReference, namespace: string): Promise<OwnerState> {
    const known = this.nodes.get(ref.uid ?? '');
    let owner: KubeObject | undefined = known?.obj;
    if (!owner) {
      // Not (yet) in the graph: ask the API, so a cache that lags never deletes a live owner's dependents.
      const info = resourceForKind(ref.apiVersion ?? '', ref.kind ?? '');
      if (!info) return 'solid'; // an unknown kind: never delete on a guess
      const type = { group: info.group, version: info.version, resource: info.resource };
      try {
        owner = await this.deps.client.get(type, info.namespaced ? namespace : '', ref.name ?? '');
      } catch (err) {
        if (isNotFound(err)) return 'dangling';
        throw err;
      }
      if (uidOf(owner) !== ref.uid) return 'dangling';
    }
    if (owner.metadata?.deletionTimestamp && finalizersOf(owner).includes('foregroundDeletion')) return 'waitingForDependentsDeletion';
    return 'solid';
  }

  /** Orphan propagation: drop the owner's reference from each dependent, then the finalizer. */
  private async orphanDependents(owner: GraphNode): Promise<void> {
    const ownerUid = uidOf(owner.obj);
    for (const dep of [...(this.dependents.get(ownerUid) ?? [])]) {
      const node = this.nodes.get(dep);
      if (node) await this.patchOwnerRefs(node, (r) => r.uid !== ownerUid);
    }
    await this.removeFinalizer(owner, 'orphan');
  }

  /** Foreground propagation: delete blocking dependents; finish when none remains. */
  private async processDeletingDependents(owner: GraphNode): Promise<void> {
    const ownerUid = uidOf(owner.obj);
    const blocking = [...(this.dependents.get(ownerUid) ?? [])]
      .map((u) => this.nodes.get(u))
      .filter((n): n is GraphNode => !!n)
      .filter((n) => (n.obj.metadata?.ownerReferences ?? []).some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      await this.removeFinalizer(owner, 'foregroundDeletion');
      return;
    }
    // Each dependent decides by its own owners (solid co-owners keep it alive).
    for (const n of blocking) this.queue.add(uidOf(n.obj));
  }

  private async patchOwnerRefs(node: GraphNode, keep: (r: OwnerReference) => boolean): Promise<void> {
    const obj = node.obj;
    const refs = (obj.metadata?.ownerReferences ?? []).filter(keep);
    try {
      await this.deps.client.patch(node.type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '', 'application/json-patch+json', [
        { op: 'test', path: '/metadata/uid', value: uidOf(obj) },
        refs.length > 0 ? { op: 'replace', path: '/metadata/ownerReferences', value: refs } : { op: 'remove', path: '/metadata/ownerReferences' },
      ]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const ns = node.obj.metadata?.namespace ?? '';
    const name = node.obj.metadata?.name ?? '';
    for (let attempt = 0; attempt < 5; attempt++) {
      let current: KubeObject;
      try {
        current = await this.deps.client.get(node.type, ns, name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (uidOf(current) !== uidOf(node.obj) || !finalizersOf(current).includes(finalizer)) return;
      const next = deepCopy(current);
      next.metadata = { ...next.metadata, finalizers: finalizersOf(current).filter((f) => f !== finalizer) };
      try {
        await this.deps.client.update(node.type, ns, next);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
      }
    }
    throw new Error(`could not remove finalizer ${finalizer} from ${describe(node)}: too many conflicts`);
  }
}

function describe(node: GraphNode): string {
  const r = node.type.group ? `${node.type.resource}.${node.type.group}` : node.type.resource;
  const ns = node.obj.metadata?.namespace;
  return `${r} ${ns ? `${ns}/` : ''}${node.obj.metadata?.name ?? ''}`;
}

/** The monitored resources the API actually serves. */
export function servedMonitoredResources(): ResourceType[] {
  return GC_MONITORED_RESOURCES.filter((t) => resourceFor(t.group, t.resource) !== undefined);
}
