// SPDX-License-Identifier: Apache-2.0
import { createHash } from 'node:crypto';
import { base32 } from '../chain-names';
import type { ServicePort } from '../proxy-state';

/** nftables object names are at most 256 bytes (NFT_NAME_MAXLEN with the NUL); kube-proxy keeps 16 for its prefixes. */
const NAME_BASE_MAX = 256 - 16;

/**
 * kube-proxy's hashAndTruncate: "<first 8 base32 characters of sha256(name)>-<name>", cut to
 * 240 characters with "..." when longer. The hash keeps names unique after the cut and
 * makes chains of one service that differ in one digit easy to tell apart.
 */
export function hashAndTruncate(name: string): string {
  const hash = base32(createHash('sha256').update(name).digest()).slice(0, 8);
  const out = `${hash}-${name}`;
  return out.length > NAME_BASE_MAX ? out.slice(0, NAME_BASE_MAX - 3) + '...' : out;
}

/**
 * "<hash>-<namespace>/<name>/<protocol>/<port name>", kube-proxy's servicePortChainNameBase
 * (the port name may be empty: "…/tcp/"). "/" cannot occur in Kubernetes names, so it
 * separates the parts unambiguously, and no fixed chain of ours contains one.
 */
export function servicePortNameBase(sp: Pick<ServicePort, 'namespace' | 'serviceName' | 'protocol' | 'portName'>): string {
  return hashAndTruncate(`${sp.namespace}/${sp.serviceName}/${sp.protocol.toLowerCase()}/${sp.portName}`);
}

/** "<hash>-<namespace>/<name>/<protocol>/<port name>__<ip>/<port>", kube-proxy's servicePortEndpointChainNameBase. */
export function endpointNameBase(
  sp: Pick<ServicePort, 'namespace' | 'serviceName' | 'protocol' | 'portName'>,
  endpoint: { ip: string; port: number },
): string {
  return hashAndTruncate(
    `${sp.namespace}/${sp.serviceName}/${sp.protocol.toLowerCase()}/${sp.portName}__${endpoint.ip}/${endpoint.port}`,
  );
}

/** The chain that picks an endpoint of a service port: "service-<hash>-ns/name/proto/port". */
export function nftServiceChainName(sp: Pick<ServicePort, 'namespace' | 'serviceName' | 'protocol' | 'portName'>): string {
  return 'service-' + servicePortNameBase(sp);
}

/** The chain for traffic to a node port, external IP or load-balancer IP: "external-<hash>-…". */
export function nftExternalChainName(sp: Pick<ServicePort, 'namespace' | 'serviceName' | 'protocol' | 'portName'>): string {
  return 'external-' + servicePortNameBase(sp);
}

/** The ClientIP affinity set of one endpoint: "affinity-<hash>-…__<ip>/<port>". */
export function nftAffinitySetName(
  sp: Pick<ServicePort, 'namespace' | 'serviceName' | 'protocol' | 'portName'>,
  endpoint: { ip: string; port: number },
): string {
  return 'affinity-' + endpointNameBase(sp, endpoint);
}

/** True for the names of per-service chains and sets (they, and only they, contain a "/"). */
export function isNftServiceObjectName(name: string): boolean {
  return name.includes('/');
}
