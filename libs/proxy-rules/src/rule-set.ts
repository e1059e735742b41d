// SPDX-License-Identifier: Apache-2.0

/** The two tables the proxy writes. */
export type TableName = 'nat' | 'filter';

/** One rule: the arguments after "-A <chain>", one token per element, unquoted. */
export type Rule = readonly string[];

/** Chains of one table in render order; each chain's rules in order. */
export type Table = Map<string, Rule[]>;

/**
 * RuleSet is everything the proxy wants in iptables: the chains it owns in the nat and
 * filter tables, with their full contents. It is plain data, so it can be rendered, diffed
 * against the previous sync, and traced.
 */
export interface RuleSet {
  nat: Table;
  filter: Table;
  /** The node's own addresses (for tracing "-m addrtype --dst-type LOCAL"). */
  nodeIPs: string[];
}

/** The key of a chain in change sets: "nat:KUBE-SERVICES". Chains of different tables may share a name. */
export function chainKey(table: TableName, chain: string): string {
  return `${table}:${chain}`;
}

/** Chains the proxy always has; every other chain it owns carries a hashed name. */
export const FIXED_CHAINS: Record<TableName, readonly string[]> = {
  nat: ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'],
  filter: ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD'],
};

/** True for chain names the proxy generates per service or endpoint (and may delete when stale). */
export function isGeneratedChain(name: string): boolean {
  return /^KUBE-(SVC|SEP|EXT|FW|SVL)-[A-Z2-7]{16}$/.test(name);
}

/** Number of rules in a rule set, both tables. */
export function ruleCount(rs: RuleSet): number {
  let n = 0;
  for (const t of [rs.nat, rs.filter]) for (const rules of t.values()) n += rules.length;
  return n;
}

/** The mark that asks KUBE-POSTROUTING to masquerade a packet (kube-proxy's default bit 14). */
export const MASQ_MARK = '0x4000';
