// SPDX-License-Identifier: Apache-2.0
import type { coreV1, discoveryV1 } from '@berth/api-types';
import type { BuildOptions } from './build-rules';
import { SERVICE_NAME_LABEL } from './proxy-state';

/** The node the tests build rules for, and the options they build with. */
export const NODE_IP = '192.168.1.10';
export const BUILD_OPTIONS: BuildOptions = { nodeIPs: [NODE_IP], clusterCidr: '10.244.0.0/16' };

/** Test builders: a Service and an EndpointSlice as the apiserver and the EndpointSlice controller write them. */
export interface SvcOptions {
  namespace?: string;
  type?: string;
  clusterIP: string;
  ports: Array<{ name?: string; port: number; protocol?: string; nodePort?: number; targetPort?: number | string }>;
  externalIPs?: string[];
  loadBalancerIPs?: string[];
  affinitySeconds?: number | 'default';
}

export function svc(name: string, o: SvcOptions): coreV1.ServiceJson {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: {
      type: o.type ?? 'ClusterIP',
      clusterIP: o.clusterIP,
      clusterIPs: [o.clusterIP],
      ports: o.ports.map((p) => ({
        ...(p.name ? { name: p.name } : {}),
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        ...(p.nodePort ? { nodePort: p.nodePort } : {}),
        targetPort: (p.targetPort ?? p.port) as never,
      })),
      ...(o.externalIPs ? { externalIPs: o.externalIPs } : {}),
      ...(o.affinitySeconds !== undefined
        ? {
            sessionAffinity: 'ClientIP',
            ...(o.affinitySeconds === 'default' ? {} : { sessionAffinityConfig: { clientIP: { timeoutSeconds: o.affinitySeconds } } }),
          }
        : { sessionAffinity: 'None' }),
    },
    status: o.loadBalancerIPs ? { loadBalancer: { ingress: o.loadBalancerIPs.map((ip) => ({ ip })) } } : {},
  };
}

export interface EpOptions {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  nodeName?: string;
}

export function slice(
  service: string,
  ports: Array<{ name?: string; port: number; protocol?: string }>,
  endpoints: Array<EpOptions | string>,
  opts: { namespace?: string; name?: string } = {},
): discoveryV1.EndpointSliceJson {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: opts.name ?? `${service}-abcde`,
      namespace: opts.namespace ?? 'default',
      labels: { [SERVICE_NAME_LABEL]: service },
    },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => {
      const ep = typeof e === 'string' ? { ip: e } : e;
      return {
        addresses: [ep.ip],
        conditions: {
          ready: ep.ready ?? true,
          serving: ep.serving ?? ep.ready ?? true,
          terminating: ep.terminating ?? false,
        },
        nodeName: ep.nodeName ?? 'node-1',
      };
    }),
    ports: ports.map((p) => ({ ...(p.name !== undefined ? { name: p.name } : {}), port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}
