// SPDX-License-Identifier: Apache-2.0
import type { ClusterRecords } from '@berth/dns-server';

export const SERVICES = 1000;
export const HEADLESS = 100;
export const ENDPOINTS_PER_HEADLESS = 5;

/** 1,000 ClusterIP services in 10 namespaces and 100 headless services with 5 ready pods each. */
export function syntheticRecords(r: ClusterRecords): void {
  for (let i = 0; i < SERVICES; i++) {
    r.upsertService({ name: `svc-${i}`, namespace: `ns-${i % 10}`, type: 'ClusterIP', clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
  }
  for (let i = 0; i < HEADLESS; i++) {
    const ports = [{ name: 'http', protocol: 'TCP', port: 8080 }];
    r.upsertService({ name: `db-${i}`, namespace: `ns-${i % 10}`, type: 'ClusterIP', clusterIP: 'None', ports });
    r.setEndpoints(
      `ns-${i % 10}`,
      `db-${i}`,
      `db-${i}-abcde`,
      Array.from({ length: ENDPOINTS_PER_HEADLESS }, (_, j) => ({ ip: `10.244.${i}.${j + 1}`, hostname: `db-${i}-${j}`, ready: true, ports })),
    );
  }
}

/** The query mix: 80% ClusterIP A, 10% headless A, 5% SRV, 5% NXDOMAIN (a search-path miss). */
export function queryName(i: number): { name: string; type: 'A' | 'SRV' } {
  const k = i % 20;
  const n = (i * 7919) % SERVICES;
  if (k < 16) return { name: `svc-${n}.ns-${n % 10}.svc.cluster.local`, type: 'A' };
  if (k < 18) return { name: `db-${n % HEADLESS}.ns-${n % 10}.svc.cluster.local`, type: 'A' };
  if (k < 19) return { name: `_http._tcp.svc-${n}.ns-${n % 10}.svc.cluster.local`, type: 'SRV' };
  return { name: `svc-${n}.ns-${n % 10}.svc.cluster.local.ns-${n % 10}.svc.cluster.local`, type: 'A' };
}
