// SPDX-License-Identifier: Apache-2.0
/** Builders of Services and Pods for the endpoints controllers' tests. */
import type { coreV1 } from '@berth/api-types';

type Service = coreV1.ServiceJson;
type Pod = coreV1.PodJson;

/** A ClusterIP Service in default selecting app=<name>, with the given ports. */
export function service(name: string, ports: coreV1.ServicePortJson[] = [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], spec: Partial<coreV1.ServiceSpecJson> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: name } },
    spec: { selector: { app: name }, clusterIP: '10.96.0.20', type: 'ClusterIP', ports, ...spec },
  };
}

export interface PodOptions {
  app?: string;
  ip?: string;
  ready?: boolean;
  node?: string;
  ports?: coreV1.ContainerPortJson[];
  hostname?: string;
  subdomain?: string;
  deleting?: boolean;
  phase?: string;
}

/** A running pod in default labelled app=<opts.app>. */
export function pod(name: string, opts: PodOptions = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: { app: opts.app ?? 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: opts.node ?? 'node-1',
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.subdomain ? { subdomain: opts.subdomain } : {}),
      containers: [{ name: 'c', image: 'nginx', ports: opts.ports ?? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
    },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.ip === '' ? {} : { podIP: opts.ip ?? '10.244.0.10' }),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}
