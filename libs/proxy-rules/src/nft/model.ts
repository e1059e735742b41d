// SPDX-License-Identifier: Apache-2.0

/** The nftables family and table kube-proxy owns; everything it writes lives in this one table. */
export const NFT_FAMILY = 'ip';
export const NFT_TABLE = 'kube-proxy';

/** One rule in nft syntax, as written after "add rule ip kube-proxy <chain> " (e.g. "jump services"). */
export type NftRule = string;

/** The hook of a base chain (a chain the kernel calls), e.g. nat/prerouting at priority -100. */
export interface NftBaseChainSpec {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  /** Numeric: nft 1.0.6 accepts "dstnat" only for the prerouting hook. */
  priority: number;
}

/** A chain and its rules, in order. */
export interface NftChain {
  name: string;
  base?: NftBaseChainSpec;
  comment?: string;
  rules: readonly NftRule[];
}

/** One element of a set or map: the key is the map key in nft syntax ("10.96.0.10 . tcp . 80"). */
export interface NftElement {
  /** The mapped value of a map element ("goto service-…"); undefined in a set. */
  value?: string;
  comment?: string;
}

/** A named set or map with the elements the proxy wants in it. */
export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  /** nft type expression: "ipv4_addr . inet_proto . inet_service : verdict" for a map. */
  type: string;
  /** `type` is written with `typeof` (an expression, for keys nft has no type name for, e.g. numgen). */
  typeOf?: boolean;
  /** "dynamic" sets are filled by the packet path (affinity): the proxy never writes or flushes their elements. */
  flags?: readonly string[];
  timeoutSeconds?: number;
  comment?: string;
  /** Key text → element, in a stable order. */
  elements: Map<string, NftElement>;
}

/**
 * NftRuleset is everything the proxy wants in `table ip kube-proxy`: sets and maps with
 * their elements, and chains with their rules. It is plain data, so it can be rendered as
 * a full `nft -f` transaction, diffed against the previous sync for an incremental one,
 * and traced (traceNft).
 */
export interface NftRuleset {
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
  /** The node's own addresses (for tracing "fib daddr type local"). */
  nodeIPs: string[];
}

/** Names of the fixed chains, sets and maps (kube-proxy's). */
export const NFT = {
  // base chains
  filterInput: 'filter-input',
  filterForward: 'filter-forward',
  filterOutput: 'filter-output',
  natPrerouting: 'nat-prerouting',
  natOutput: 'nat-output',
  natPostrouting: 'nat-postrouting',
  // regular chains
  services: 'services',
  serviceEndpointsCheck: 'service-endpoints-check',
  nodePortEndpointsCheck: 'nodeport-endpoints-check',
  rejectChain: 'reject-chain',
  markMasq: 'mark-for-masquerade',
  masquerading: 'masquerading',
  // sets and maps
  clusterIPs: 'cluster-ips',
  nodePortIPs: 'nodeport-ips',
  hairpin: 'hairpin-connections',
  serviceIPs: 'service-ips',
  serviceNodePorts: 'service-nodeports',
  noEndpointServices: 'no-endpoint-services',
  noEndpointNodePorts: 'no-endpoint-nodeports',
} as const;

/** The protocols a Service port may use (lower case, as nft writes them). */
export const NFT_PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;

/**
 * The map of the endpoints of plain service ports of one protocol: "<clusterIP> . <port> .
 * <index>" → "<endpoint IP> . <endpoint port>". One per protocol, because nft 1.0.6 cannot
 * add a rule that maps to a transport port through a map it reads back from the kernel
 * when the map's port is "th dport" ("conflicting protocols specified").
 */
export function nftServiceEndpointsMap(proto: string): string {
  return `service-endpoints-${proto}`;
}

/** Number of rules in a ruleset. */
export function nftRuleCount(rs: NftRuleset): number {
  let n = 0;
  for (const c of rs.chains.values()) n += c.rules.length;
  return n;
}

/** Number of elements in a ruleset's sets and maps. */
export function nftElementCount(rs: NftRuleset): number {
  let n = 0;
  for (const s of rs.sets.values()) n += s.elements.size;
  return n;
}
