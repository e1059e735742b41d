// SPDX-License-Identifier: Apache-2.0
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parseIpv4Cidr } from '@berth/pod-network';

/** Everything the kubelet process is configured with, after defaults and checks. */
export interface KubeletAppConfig {
  apiservers: string[];
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  nodeName: string;
  /** The node's IP (InternalIP, hostIP of its pods); '' = detect. */
  nodeIP: string;
  /** Overrides spec.podCIDR from the node IPAM controller. */
  podCIDR: string;
  /** dockerd socket path. */
  dockerHost: string;
  /** 'docker' runs real containers; 'memory' is a hollow node. */
  runtime: 'docker' | 'memory';
  rootDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  healthPort: number;
  natsUrl: string;
  /** Capacity overrides (Kubernetes quantities); '' = from the machine. */
  cpu: string;
  memory: string;
  maxPods: number;
  /** node-role.kubernetes.io/<role> label; '' = none. */
  nodeRole: string;
  /** Extra node labels. */
  nodeLabels: Record<string, string>;
  pauseImage: string;
  podWorkers: number;
  logLevel: string;
  /** Program host-gateway routes to the other nodes' pod CIDRs and the pod egress NAT (docker runtime only). */
  podRoutes: boolean;
  /** The cluster's pod range: routes stay inside it, and traffic leaving it is masqueraded. */
  clusterCIDR: string;
}

export class ConfigError extends Error {}

/**
 * Reads flags (kubelet's names where they exist) and BERTH_* environment variables. Pure:
 * no I/O, so every rule has a unit test.
 */
export function compileKubeletConfig(argv: string[], env: Record<string, string | undefined>): KubeletAppConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      apiserver: { type: 'string' },
      'ca-file': { type: 'string' },
      'cert-file': { type: 'string' },
      'key-file': { type: 'string' },
      insecure: { type: 'boolean' },
      'node-name': { type: 'string' },
      'hostname-override': { type: 'string' },
      'node-ip': { type: 'string' },
      'pod-cidr': { type: 'string' },
      'docker-host': { type: 'string' },
      runtime: { type: 'string' },
      'root-dir': { type: 'string' },
      'cluster-dns': { type: 'string' },
      'cluster-domain': { type: 'string' },
      'health-port': { type: 'string' },
      'nats-url': { type: 'string' },
      cpu: { type: 'string' },
      memory: { type: 'string' },
      'max-pods': { type: 'string' },
      'node-role': { type: 'string' },
      'node-labels': { type: 'string' },
      'pod-infra-container-image': { type: 'string' },
      'pod-workers': { type: 'string' },
      'log-level': { type: 'string' },
      'pod-routes': { type: 'boolean' },
      'cluster-cidr': { type: 'string' },
    },
  });
  const apiservers = (values.apiserver ?? env['BERTH_APISERVER'] ?? '127.0.0.1:6443').split(',').map((s) => s.trim()).filter(Boolean);
  if (apiservers.length === 0) throw new ConfigError('--apiserver: at least one address is required');
  for (const a of apiservers) if (!/^[^:\s]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(a)) throw new ConfigError(`--apiserver: invalid address "${a}": want host:port`);
  const insecure = values.insecure ?? env['BERTH_INSECURE'] === 'true';
  const caFile = values['ca-file'] ?? env['BERTH_CA_FILE'];
  const certFile = values['cert-file'] ?? env['BERTH_CERT_FILE'];
  const keyFile = values['key-file'] ?? env['BERTH_KEY_FILE'];
  if (!insecure && !caFile) throw new ConfigError('--ca-file is required (or --insecure, for tests on loopback only)');
  if (!!certFile !== !!keyFile) throw new ConfigError('--cert-file and --key-file go together');
  if (insecure && apiservers.some((a) => !/^(127\.|localhost:|\[::1\]:)/.test(a))) throw new ConfigError('--insecure talks plaintext and is allowed to loopback apiservers only');
  const nodeName = (values['node-name'] ?? values['hostname-override'] ?? env['BERTH_NODE_NAME'] ?? hostname()).toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName) || nodeName.length > 253) throw new ConfigError(`--node-name: invalid node name "${nodeName}": must be a DNS subdomain`);
  const podCIDR = values['pod-cidr'] ?? env['BERTH_POD_CIDR'] ?? '';
  if (podCIDR && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(podCIDR)) throw new ConfigError(`--pod-cidr: invalid CIDR "${podCIDR}"`);
  const nodeIP = values['node-ip'] ?? env['BERTH_NODE_IP'] ?? '';
  if (nodeIP && !/^\d+\.\d+\.\d+\.\d+$/.test(nodeIP)) throw new ConfigError(`--node-ip: invalid IPv4 address "${nodeIP}"`);
  const runtime = values.runtime ?? env['BERTH_RUNTIME'] ?? 'docker';
  if (runtime !== 'docker' && runtime !== 'memory') throw new ConfigError(`--runtime: invalid value "${runtime}": want docker or memory`);
  const int = (flag: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${flag}: invalid value "${v}": want an integer ${min}-${max}`);
    return n;
  };
  const clusterDNS = (values['cluster-dns'] ?? env['BERTH_CLUSTER_DNS'] ?? '10.96.0.10').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of clusterDNS) if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new ConfigError(`--cluster-dns: invalid IP "${ip}"`);
  const clusterCIDR = values['cluster-cidr'] ?? env['BERTH_CLUSTER_CIDR'] ?? '10.244.0.0/16';
  if (!parseIpv4Cidr(clusterCIDR)) throw new ConfigError(`--cluster-cidr: invalid CIDR "${clusterCIDR}": want an IPv4 network such as 10.244.0.0/16`);
  const nodeLabels: Record<string, string> = {};
  for (const kv of (values['node-labels'] ?? '').split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new ConfigError(`--node-labels: invalid label "${kv}": want key=value`);
    nodeLabels[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return {
    apiservers,
    ...(insecure ? {} : { tls: { caFile: caFile ?? '', ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) } }),
    nodeName,
    nodeIP,
    podCIDR,
    dockerHost: (values['docker-host'] ?? env['DOCKER_HOST'] ?? '/var/run/docker.sock').replace(/^unix:\/\//, ''),
    runtime,
    rootDir: values['root-dir'] ?? env['BERTH_ROOT_DIR'] ?? `/var/lib/berth/kubelet/${nodeName}`,
    clusterDNS,
    clusterDomain: values['cluster-domain'] ?? 'cluster.local',
    healthPort: int('health-port', values['health-port'] ?? env['BERTH_HEALTH_PORT'] ?? '10248', 0, 65535),
    natsUrl: values['nats-url'] ?? env['BERTH_NATS_URL'] ?? '',
    cpu: values.cpu ?? '',
    memory: values.memory ?? '',
    maxPods: int('max-pods', values['max-pods'] ?? '110', 1, 100000),
    nodeRole: values['node-role'] ?? '',
    nodeLabels,
    pauseImage: values['pod-infra-container-image'] ?? 'berth/pause:3.9',
    podWorkers: int('pod-workers', values['pod-workers'] ?? '16', 1, 1000),
    logLevel: values['log-level'] ?? env['BERTH_LOG_LEVEL'] ?? 'info',
    podRoutes: values['pod-routes'] ?? env['BERTH_POD_ROUTES'] === 'true',
    clusterCIDR,
  };
}

