// SPDX-License-Identifier: Apache-2.0
import type { Conntrack, Iptables } from '@berth/iptables';
import {
  BuildCache,
  JUMP_HOOKS,
  buildRulesFromPorts,
  chainKey,
  diffRuleSets,
  isGeneratedChain,
  renderRestore,
  ruleCount,
  servicePorts,
  usableEndpoints,
  type BuildOptions,
  type ProxyState,
  type RuleSet,
  type ServicePort,
} from '@berth/proxy-rules';
import { BoundedFrequencyRunner } from './bounded-runner';

/** What a sync reports (metrics, logs, tests). */
export interface SyncResult {
  full: boolean;
  /** Bytes handed to iptables-restore (0 when nothing changed). */
  restoreBytes: number;
  /** Chains written / deleted. */
  chainsWritten: number;
  chainsDeleted: number;
  /** Rules in the whole rule set after the sync. */
  rules: number;
  durationMs: number;
}

/** The logger the proxier writes to (pino's call shape). */
export interface ProxierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Options of Proxier. */
export interface ProxierOptions {
  iptables: Iptables;
  /** Reads the current Services and EndpointSlices (the informer caches). */
  state: () => ProxyState;
  /** The node's addresses; read at every sync (they come from the Node object). */
  nodeIPs: () => string[];
  clusterCidr: string;
  masqueradeAll?: boolean;
  localhostNodePorts?: boolean;
  conntrack?: Conntrack;
  /** Default 1 s. */
  minSyncIntervalMs?: number;
  /** Full resync at least this often; default 1 h. */
  maxSyncIntervalMs?: number;
  /** Wait after a failed sync before retrying (default 5 s). */
  retryIntervalMs?: number;
  /** Called after every sync attempt. */
  onSync?: (result: SyncResult | undefined, err?: unknown) => void;
  logger?: ProxierLogger;
}

const quiet: ProxierLogger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/**
 * Proxier is the stateful half of kube-proxy: it turns the cached Services and
 * EndpointSlices into rules (pure, @berth/proxy-rules) and applies them with one
 * iptables-restore per sync.
 *
 * Syncs are incremental: only the chains whose content differs from what the last
 * successful sync wrote are rewritten, and chains that disappeared are deleted. A full
 * sync (the first one, after any failure, and every maxSyncInterval) rewrites every chain,
 * deletes generated chains it finds in iptables but no longer wants (left by a previous
 * run), and re-checks the jumps from the built-in chains. A failed restore changes
 * nothing (it is one transaction), so the next sync is simply a full one.
 */
export class Proxier {
  private applied: RuleSet | undefined;
  private appliedPorts: ServicePort[] = [];
  private needFullSync = true;
  private lastFullSync = 0;
  private readonly runner: BoundedFrequencyRunner;
  private readonly logger: ProxierLogger;
  private syncing: Promise<SyncResult> | undefined;
  private succeeded = false;
  private readonly cache = new BuildCache();
  /** The last successful sync's result. */
  lastSync: SyncResult | undefined;

  constructor(private readonly opts: ProxierOptions) {
    this.logger = opts.logger ?? quiet;
    this.runner = new BoundedFrequencyRunner({
      minIntervalMs: opts.minSyncIntervalMs ?? 1000,
      maxIntervalMs: opts.maxSyncIntervalMs ?? 3_600_000,
      fn: async () => {
        await this.syncProxyRules().catch(() => {
          // Logged in syncProxyRules; retry with a full sync.
          this.runner.retryAfter(this.opts.retryIntervalMs ?? 5000);
        });
      },
    });
  }

  /** Starts the sync loop and asks for a first sync. */
  start(): void {
    this.runner.start();
    this.runner.run();
  }

  /** Stops the loop; resolves after a sync in progress has finished. */
  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Asks for a sync (informer handlers call this on every change); bursts coalesce. */
  requestSync(): void {
    this.runner.run();
  }

  /** True once a sync has succeeded (readiness). */
  isReady(): boolean {
    return this.succeeded;
  }

  /** Forces the next sync to be full. */
  forceFullSync(): void {
    this.needFullSync = true;
  }

  /** Runs one sync now (one at a time: a call during a sync waits for it, then runs). */
  async syncProxyRules(): Promise<SyncResult> {
    while (this.syncing) await this.syncing.catch(() => undefined);
    const p = this.doSync();
    this.syncing = p;
    try {
      return await p;
    } finally {
      this.syncing = undefined;
    }
  }

  private async doSync(): Promise<SyncResult> {
    const started = performance.now();
    const maxInterval = this.opts.maxSyncIntervalMs ?? 3_600_000;
    const full = this.needFullSync || !this.applied || Date.now() - this.lastFullSync >= maxInterval;
    const ports = servicePorts(this.opts.state());
    const build: BuildOptions = {
      nodeIPs: this.opts.nodeIPs(),
      clusterCidr: this.opts.clusterCidr,
      ...(this.opts.masqueradeAll ? { masqueradeAll: true } : {}),
      ...(this.opts.localhostNodePorts ? { localhostNodePorts: true } : {}),
    };
    const rules = buildRulesFromPorts(ports, build, this.cache);
    // Below this point we do not return until we have tried to write the rules.
    try {
      let text: string;
      let chainsWritten: number;
      let chainsDeleted: number;
      if (full) {
        const deletedChains = await this.staleChains(rules);
        text = renderRestore(rules, { deletedChains });
        chainsWritten = rules.nat.size + rules.filter.size;
        chainsDeleted = deletedChains.size;
      } else {
        const diff = diffRuleSets(this.applied, rules);
        text = renderRestore(rules, diff);
        chainsWritten = diff.changedChains.size;
        chainsDeleted = diff.deletedChains.size;
      }
      if (text) await this.opts.iptables.restore(text, { noflush: true });
      if (full) await this.ensureHooks();
      const previousPorts = this.appliedPorts;
      this.applied = rules;
      this.appliedPorts = ports;
      this.needFullSync = false;
      if (full) this.lastFullSync = Date.now();
      this.succeeded = true;
      await this.clearStaleUdp(previousPorts, ports);
      const result: SyncResult = {
        full,
        restoreBytes: Buffer.byteLength(text),
        chainsWritten,
        chainsDeleted,
        rules: ruleCount(rules),
        durationMs: performance.now() - started,
      };
      this.lastSync = result;
      this.logger.debug({ ...result }, 'synced proxy rules');
      this.opts.onSync?.(result);
      return result;
    } catch (err) {
      // We no longer know what is in iptables: the next sync rewrites everything.
      this.needFullSync = true;
      this.logger.error({ err, full }, 'failed to sync proxy rules');
      this.opts.onSync?.(undefined, err);
      throw err;
    }
  }

  /** Generated chains present in iptables (e.g. from before a restart) that the new rules do not have. */
  private async staleChains(rules: RuleSet): Promise<Set<string>> {
    const stale = new Set<string>();
    for (const table of ['nat', 'filter'] as const) {
      const saved = await this.opts.iptables.save(table);
      for (const m of saved.matchAll(/^:(KUBE-[A-Z0-9-]+) /gm)) {
        const name = m[1] as string;
        if (isGeneratedChain(name) && !rules[table].has(name)) stale.add(chainKey(table, name));
      }
    }
    // Also the ones the previous sync wrote, in case save and apply raced with nothing else.
    if (this.applied) for (const k of diffRuleSets(this.applied, rules).deletedChains) stale.add(k);
    return stale;
  }

  private async ensureHooks(): Promise<void> {
    for (const h of JUMP_HOOKS) {
      await this.opts.iptables.ensureChain(h.table, h.target);
      await this.opts.iptables.ensureRule(h.table, h.chain, 'prepend', h.args);
    }
  }

  /** conntrack -D for UDP endpoints that stopped being used, so clients do not stay pinned to them. */
  private async clearStaleUdp(before: ServicePort[], after: ServicePort[]): Promise<void> {
    const ct = this.opts.conntrack;
    if (!ct) return;
    const now = new Map<string, Set<string>>();
    for (const sp of after) if (sp.protocol === 'udp') now.set(sp.name, new Set(usableEndpoints(sp).map((e) => e.ip)));
    for (const sp of before) {
      if (sp.protocol !== 'udp') continue;
      const keep = now.get(sp.name);
      for (const ep of usableEndpoints(sp)) {
        if (keep?.has(ep.ip)) continue;
        for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) {
          await ct.clearUdpNat(ip, ep.ip).catch((err: unknown) => this.logger.warn({ err, ip, endpoint: ep.ip }, 'conntrack -D failed'));
        }
      }
    }
  }
}
