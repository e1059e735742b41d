// SPDX-License-Identifier: Apache-2.0
import { Counter, Gauge, Histogram, type Registry } from '@berth/observability';
import type { SyncResult } from './proxier';

/** kube-proxy's sync metrics (names follow kube-proxy's kubeproxy_sync_proxy_rules_*). */
export function proxyMetrics(registry: Registry): (result: SyncResult | undefined, err?: unknown) => void {
  const duration = new Histogram({
    name: 'kubeproxy_sync_proxy_rules_duration_seconds',
    help: 'Time to build and apply the rules, per sync',
    labelNames: ['mode'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const last = new Gauge({
    name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
    help: 'Unix time of the last successful sync',
    registers: [registry],
  });
  const rules = new Gauge({
    name: 'kubeproxy_sync_proxy_rules_iptables_total',
    help: 'Rules kube-proxy has written (iptables nat and filter, or the nftables table ip kube-proxy)',
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'kubeproxy_sync_proxy_rules_restore_bytes_total',
    help: 'Bytes handed to iptables-restore or nft',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'kubeproxy_sync_proxy_rules_failures_total',
    help: 'Syncs that failed (the next one is a full sync)',
    registers: [registry],
  });
  return (result, err) => {
    if (!result || err) {
      failures.inc();
      return;
    }
    duration.observe({ mode: result.full ? 'full' : 'partial' }, result.durationMs / 1000);
    last.set(Date.now() / 1000);
    rules.set(result.rules);
    bytes.inc(result.restoreBytes);
  };
}
