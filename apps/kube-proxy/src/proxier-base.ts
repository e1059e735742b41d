// SPDX-License-Identifier: Apache-2.0
import type { Conntrack } from '@berth/iptables';
import { ServicePortsCache, servicePorts, usableEndpoints, type BuildOptions, type ProxyState, type ServicePort } from '@berth/proxy-rules';
import { BoundedFrequencyRunner } from './bounded-runner';

/** The two backends (kube-proxy's --proxy-mode values). */
export type ProxyMode = 'iptables' | 'nftables';

/** What a sync reports (metrics, logs, tests). */
export interface SyncResult {
  mode: ProxyMode;
  full: boolean;
  /** Bytes handed to iptables-restore or nft (0 when nothing changed). */
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

/** Options both backends take. */
export interface BaseProxierOptions {
  /** Reads the current Services and EndpointSlices (the informer caches). */
  state: () => ProxyState;
  /** The node's addresses; read at every sync (they come from the Node object). */
  nodeIPs: () => string[];
  clusterCidr: string;
  /** This node's name (BuildOptions.nodeName). */
  nodeName?: string;
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

/** What a backend's apply step reports. */
export type ApplyResult = Omit<SyncResult, 'full' | 'durationMs' | 'mode'>;

const quiet: ProxierLogger = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/**
 * ProxierBase is the stateful half of kube-proxy that both backends share: the
 * bounded-frequency sync loop, one sync at a time, the choice between a full and an
 * incremental sync (full: the first one, after any failure, and every maxSyncInterval),
 * readiness, metrics callbacks, and clearing conntrack entries of UDP endpoints that went
 * away. A backend implements `apply`: build its rules from the service ports (pure, in
 * @berth/proxy-rules), write them in one transaction, and remember what it wrote.
 */
export abstract class ProxierBase {
  abstract readonly mode: ProxyMode;
  private appliedPorts: ServicePort[] = [];
  private needFullSync = true;
  private lastFullSync = 0;
  private readonly runner: BoundedFrequencyRunner;
  protected readonly logger: ProxierLogger;
  private syncing: Promise<SyncResult> | undefined;
  private succeeded = false;
  private readonly portsCache = new ServicePortsCache();
  /** The last successful sync's result. */
  lastSync: SyncResult | undefined;

  constructor(protected readonly base: BaseProxierOptions) {
    this.logger = base.logger ?? quiet;
    this.runner = new BoundedFrequencyRunner({
      minIntervalMs: base.minSyncIntervalMs ?? 1000,
      maxIntervalMs: base.maxSyncIntervalMs ?? 3_600_000,
      fn: async () => {
        await this.syncProxyRules().catch(() => {
          // Logged in syncProxyRules; retry with a full sync.
          this.runner.retryAfter(this.base.retryIntervalMs ?? 5000);
        });
      },
    });
  }

  /** Writes the rules for `ports`: everything when `full`, else only what changed since the last successful apply. */
  protected abstract apply(ports: ServicePort[], build: BuildOptions, full: boolean): Promise<ApplyResult>;

  /** True once apply has succeeded (an incremental sync needs something to compare with). */
  protected abstract hasApplied(): boolean;

  /** Called after a failed apply: what is in the kernel is no longer known for sure. */
  protected onFailure(): void {}

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
    const maxInterval = this.base.maxSyncIntervalMs ?? 3_600_000;
    const full = this.needFullSync || !this.hasApplied() || Date.now() - this.lastFullSync >= maxInterval;
    const ports = servicePorts(this.base.state(), this.portsCache);
    const build: BuildOptions = {
      nodeIPs: this.base.nodeIPs(),
      clusterCidr: this.base.clusterCidr,
      ...(this.base.nodeName ? { nodeName: this.base.nodeName } : {}),
      ...(this.base.masqueradeAll ? { masqueradeAll: true } : {}),
      ...(this.base.localhostNodePorts ? { localhostNodePorts: true } : {}),
    };
    // Below this point we do not return until we have tried to write the rules.
    try {
      const applied = await this.apply(ports, build, full);
      const previousPorts = this.appliedPorts;
      this.appliedPorts = ports;
      this.needFullSync = false;
      if (full) this.lastFullSync = Date.now();
      this.succeeded = true;
      const result: SyncResult = { mode: this.mode, full, ...applied, durationMs: performance.now() - started };
      this.lastSync = result;
      this.logger.debug({ ...result }, 'synced proxy rules');
      this.base.onSync?.(result);
      // After the rules: no new flow goes to a departed endpoint, so what is cleared stays cleared.
      await this.clearStaleConntrack(previousPorts, ports);
      return result;
    } catch (err) {
      // We no longer know what is in the kernel: the next sync rewrites everything.
      this.needFullSync = true;
      this.onFailure();
      this.logger.error({ err, full, mode: this.mode }, 'failed to sync proxy rules');
      this.base.onSync?.(undefined, err);
      throw err;
    }
  }

  /**
   * conntrack -D, as kube-proxy's conntrack cleanup does:
   * - UDP entries DNATed to endpoints that stopped being used, to the service's IPs and its
   *   node port (UDP has no connection end, so clients stay pinned to a deleted endpoint);
   * - every UDP entry to the IPs and node port of a UDP service that just got endpoints
   *   (what was sent while it had none was not DNATed, and would stay that way);
   * - TCP attempts to departed endpoints that were never answered (a client reusing that
   *   source port would be sent to the dead endpoint again).
   */
  private async clearStaleConntrack(before: ServicePort[], after: ServicePort[]): Promise<void> {
    const ct = this.base.conntrack;
    if (!ct) return;
    const warn = (what: Record<string, unknown>) => (err: unknown) => this.logger.warn({ err, ...what }, 'conntrack -D failed');
    const key = (sp: ServicePort): string => `${sp.name}/${sp.protocol}`;
    const now = new Map<string, Set<string>>();
    for (const sp of after) now.set(key(sp), new Set(usableEndpoints(sp).map((e) => e.ip)));
    const served = new Set(before.filter((sp) => usableEndpoints(sp).length > 0).map(key));
    const tcpGone = new Set<string>();
    for (const sp of before) {
      const keep = now.get(key(sp));
      for (const ep of usableEndpoints(sp)) {
        if (keep?.has(ep.ip)) continue;
        if (sp.protocol === 'tcp') tcpGone.add(ep.ip);
        if (sp.protocol !== 'udp') continue;
        for (const ip of serviceIPs(sp)) await ct.clearUdpNat(ip, ep.ip).catch(warn({ ip, endpoint: ep.ip }));
        if (sp.nodePort !== undefined) await ct.clearUdpPortNat(sp.nodePort, ep.ip).catch(warn({ nodePort: sp.nodePort, endpoint: ep.ip }));
      }
    }
    for (const sp of after) {
      if (sp.protocol !== 'udp' || served.has(key(sp)) || (now.get(key(sp))?.size ?? 0) === 0) continue;
      for (const ip of serviceIPs(sp)) await ct.clearUdpTo({ ip }).catch(warn({ ip }));
      if (sp.nodePort !== undefined) await ct.clearUdpTo({ port: sp.nodePort }).catch(warn({ nodePort: sp.nodePort }));
    }
    const inUse = new Set([...now.values()].flatMap((ips) => [...ips]));
    for (const ip of [...tcpGone].sort()) if (!inUse.has(ip)) await ct.clearTcpUnreplied(ip).catch(warn({ endpoint: ip }));
  }

}

/** The addresses a service port answers on (besides node ports). */
function serviceIPs(sp: ServicePort): string[] {
  return [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
}
