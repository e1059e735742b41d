// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';

/** Where an apiserver can be reached from pods: its advertise address and port. */
export interface ApiserverEndpoint {
  ip: string;
  port: number;
}

/**
 * The Endpoints of the `kubernetes` Service with this apiserver's address merged in, or
 * undefined when it is already there. Addresses of other apiservers are kept (each
 * replica adds its own), sorted so replicas agree on the order.
 */
export function kubernetesEndpoints(current: KubeObject | undefined, self: ApiserverEndpoint): KubeObject | undefined {
  const subset = (current?.['subsets'] as Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }> | undefined)?.[0];
  const ips = new Set((subset?.addresses ?? []).map((a) => a.ip));
  const portMatches = subset?.ports?.[0]?.port === self.port;
  if (ips.has(self.ip) && portMatches) return undefined;
  // Another port means the apiservers were reconfigured: the old addresses are stale.
  if (!portMatches) ips.clear();
  ips.add(self.ip);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { ...current?.metadata, name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [...ips].sort().map((ip) => ({ ip })), ports: [{ name: 'https', port: self.port, protocol: 'TCP' }] }],
  };
}

/** The EndpointSlice that mirrors the `kubernetes` Endpoints, as the apiserver writes both. */
export function kubernetesEndpointSlice(endpoints: KubeObject, current: KubeObject | undefined): KubeObject {
  const subset = (endpoints['subsets'] as Array<{ addresses: Array<{ ip: string }>; ports: Array<{ port: number }> }>)[0];
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { ...current?.metadata, name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: (subset?.addresses ?? []).map((a) => ({ addresses: [a.ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port: subset?.ports[0]?.port ?? 0, protocol: 'TCP' }],
  };
}
