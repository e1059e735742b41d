// SPDX-License-Identifier: Apache-2.0
import { runWorkers, SharedInformer, silentLogger, WorkQueue, type ApiClient, type ClientLogger, type ResourceType } from '@berth/client';
import { ExecIptables, type Iptables } from '@berth/iptables';
import { ensureEgressMasquerade, removeEgressMasquerade } from './egress-masquerade';
import { desiredRoutes, parseIpv4Cidr, planRoutes, type Node, type Route } from './host-gw-routes';
import { ExecRouteTable, type RouteTable } from './ip-routes';

/** The controller's name (logs, queue). */
export const POD_ROUTES_CONTROLLER = 'pod-routes-controller';
export const NODES: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
/** The one work key: every sync reconciles the whole table. */
const TABLE_KEY = 'routes';

/** What PodRoutesController needs. */
export interface PodRoutesControllerDeps {
  /** Watches the nodes (the kubelet's own client). */
  client: ApiClient;
  /** This node: it gets no route to its own pod CIDR. */
  nodeName: string;
  /** Pods' addresses come from here: the range routes must stay inside, and the egress NAT's match. */
  clusterCidr: string;
  routes: RouteTable;
  iptables: Iptables;
  logger?: ClientLogger;
  /**
   * Re-check the table this often without any node change, so a route deleted by hand (or
   * by a network restart) comes back; default 30 s, 0 = never.
   */
  resyncMs?: number;
}

/**
 * PodRoutesController is the host-gateway pod network of one node (flannel's host-gw
 * backend): it watches the nodes and keeps, in this node's network namespace, one route per
 * other node — that node's pod CIDR via its InternalIP — and nothing else among the routes it
 * owns (those marked with its routing protocol number). Once, at the first sync, it also
 * makes sure pod traffic leaving the cluster CIDR is masqueraded.
 *
 * Informer → work queue → sync(), with a single key for the whole table: a sync compares the
 * routes desired from the node cache with the table and applies the difference, so it is
 * level-triggered and idempotent. A failed route does not stop the others; the sync then
 * fails and is retried with back-off. Routes stay in place when the controller stops (a
 * kubelet restart must not cut pods off).
 */
export class PodRoutesController {
  readonly nodes: SharedInformer<Node>;
  readonly queue = new WorkQueue<string>({ name: POD_ROUTES_CONTROLLER });
  private readonly logger: ClientLogger;
  private masqueradeEnsured = false;
  /** Why each other node has no route, as last logged (a reason is logged when it changes). */
  private readonly skipped = new Map<string, string>();
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly deps: PodRoutesControllerDeps) {
    if (!parseIpv4Cidr(deps.clusterCidr)) throw new Error(`invalid cluster CIDR ${JSON.stringify(deps.clusterCidr)}: want an IPv4 network such as 10.244.0.0/16`);
    this.logger = deps.logger ?? silentLogger;
    this.nodes = new SharedInformer<Node>(deps.client, NODES, { logger: this.logger });
    const enqueue = (): void => this.queue.add(TABLE_KEY);
    this.nodes.addEventHandler({
      onAdd: enqueue,
      // Node status is rewritten every few seconds (heartbeats); only route inputs matter.
      onUpdate: (o, n) => (o === n || routeInputs(o) !== routeInputs(n)) && enqueue(),
      onDelete: enqueue,
    });
  }

  /**
   * Runs the node informer and, once its cache has synced (never earlier: a partial cache
   * would delete the routes of nodes not seen yet), the worker, until `signal` aborts.
   */
  async run(signal: AbortSignal): Promise<void> {
    const informer = this.nodes.run(signal);
    try {
      await this.nodes.waitForSync(signal);
    } catch {
      await informer;
      return;
    }
    this.queue.add(TABLE_KEY);
    const resyncMs = this.deps.resyncMs ?? 30_000;
    const timer = resyncMs > 0 ? setInterval(() => this.queue.add(TABLE_KEY), resyncMs) : undefined;
    try {
      // One worker: there is one key, and the table is changed by one writer at a time.
      await runWorkers({ name: POD_ROUTES_CONTROLLER, queue: this.queue, workers: 1, sync: () => this.sync(), signal, logger: this.logger });
    } finally {
      if (timer) clearInterval(timer);
      await informer;
    }
  }

  /** Starts run() in the background (once per controller); it stops when `signal` aborts or stop() is called. */
  start(signal?: AbortSignal): void {
    if (this.running) throw new Error(`${POD_ROUTES_CONTROLLER} is already started`);
    if (signal?.aborted) this.abort.abort();
    else signal?.addEventListener('abort', () => this.abort.abort(), { once: true });
    this.running = this.run(this.abort.signal).catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error({ controller: POD_ROUTES_CONTROLLER, err }, 'controller stopped');
    });
  }

  /** Stops the informer and the worker (after its current sync); the routes stay. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /**
   * Reconciles the table with the node cache: removes our routes no node needs, replaces
   * missing or changed ones, and (until it has succeeded once) ensures the egress NAT rule.
   * Every change is attempted; rejects afterwards if any failed, so the key is retried.
   */
  async sync(): Promise<void> {
    const { nodeName, clusterCidr, routes } = this.deps;
    const reasons = new Map<string, string>();
    const desired = desiredRoutes(this.nodes.store.list(), nodeName, { clusterCidr, onSkip: (node, reason) => reasons.set(node, reason) });
    this.logSkipped(reasons);
    const current = await routes.list();
    const plan = planRoutes(current, desired);
    const before = new Map(current.map((r) => [r.dst, r.via]));
    const failed: string[] = [];
    const attempt = async (what: string, route: Route, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
        const previous = before.get(route.dst);
        if (what === 'remove') this.logger.info({ dst: route.dst, via: route.via }, 'removed pod route');
        else if (previous === undefined) this.logger.info({ dst: route.dst, via: route.via }, 'added pod route');
        else this.logger.info({ dst: route.dst, via: route.via, previousVia: previous }, 'changed pod route');
      } catch (err) {
        failed.push(`${what} ${route.dst}${route.via ? ` via ${route.via}` : ''}: ${errorMessage(err)}`);
        this.logger.warn({ dst: route.dst, via: route.via, err }, `could not ${what} pod route`);
      }
    };
    for (const r of plan.remove) await attempt('remove', r, () => routes.remove(r.dst));
    for (const r of plan.replace) await attempt('replace', r, () => routes.replace(r));
    if (!this.masqueradeEnsured) {
      try {
        const added = await ensureEgressMasquerade(this.deps.iptables, clusterCidr);
        this.masqueradeEnsured = true;
        this.logger.info({ clusterCidr }, added ? 'added the pod egress masquerade rule' : 'pod egress masquerade rule already present');
      } catch (err) {
        failed.push(`egress masquerade: ${errorMessage(err)}`);
        this.logger.warn({ clusterCidr, err }, 'could not ensure the pod egress masquerade rule');
      }
    }
    if (failed.length > 0) throw new Error(`${failed.length} pod network change(s) failed: ${failed.join('; ')}`);
  }

  /** Logs a node's reason for having no route when it is new or changed; forgets nodes that have one now. */
  private logSkipped(reasons: Map<string, string>): void {
    for (const [node, reason] of reasons) {
      if (this.skipped.get(node) !== reason) this.logger.info({ node, reason }, 'no pod route to node');
    }
    this.skipped.clear();
    for (const [node, reason] of reasons) this.skipped.set(node, reason);
  }
}

/**
 * The controller of a node process: `ip` and `iptables` run in this process's own network
 * namespace (the kubelet is started inside its node's with `nsenter --net`).
 */
export function podRoutesControllerForThisNode(deps: Omit<PodRoutesControllerDeps, 'routes' | 'iptables'>): PodRoutesController {
  return new PodRoutesController({ ...deps, routes: new ExecRouteTable(), iptables: new ExecIptables() });
}

/**
 * Removes what the pod network put into a node: every route we own and the egress NAT
 * rule (for `--pod-routes` being turned off, or tests). Resolves what was removed.
 */
export async function cleanupPodNetwork(routes: RouteTable, iptables: Iptables, clusterCidr: string): Promise<{ routes: number; masqueradeRules: number }> {
  const current = await routes.list();
  for (const r of current) await routes.remove(r.dst);
  return { routes: current.length, masqueradeRules: await removeEgressMasquerade(iptables, clusterCidr) };
}

/** The fields of a node desiredRoutes reads, as one comparable string. */
function routeInputs(n: Node): string {
  return JSON.stringify([
    n.spec?.podCIDR,
    n.spec?.podCIDRs,
    (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address),
    !!n.metadata?.deletionTimestamp,
  ]);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
