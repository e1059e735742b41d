// SPDX-License-Identifier: Apache-2.0
import type { BuildOptions } from '../build-rules';
import { servicePorts, usableEndpoints, type ProxyState, type ServicePort } from '../proxy-state';
import { MASQ_MARK } from '../rule-set';
import { NFT, NFT_PROTOCOLS, nftServiceEndpointsMap, type NftChain, type NftElement, type NftRule, type NftRuleset, type NftSet } from './model';
import { nftAffinitySetName, servicePortNameBase } from './names';

/**
 * Computes the nftables ruleset for the given services and endpoints, shaped like
 * kube-proxy's nftables mode (table `ip kube-proxy`):
 *
 * nat-prerouting / nat-output → `services`: one verdict-map lookup
 * `ip daddr . meta l4proto . th dport vmap @service-ips` for ClusterIPs, external IPs and
 * load-balancer IPs, and `ip daddr @nodeport-ips meta l4proto . th dport vmap
 * @service-nodeports` for node ports → `service-<hash>-ns/name/proto/port` (pick an endpoint
 * with `numgen random`, DNAT) or `external-<hash>-…` (mark for masquerade, then the service
 * chain). filter-input/forward/output (priority -110, new connections) reject service ports
 * without endpoints through @no-endpoint-services / @no-endpoint-nodeports. nat-postrouting →
 * `masquerading`: masquerade what is marked, and hairpin connections (an endpoint reaching
 * itself through its service, @hairpin-connections).
 *
 * Two deliberate differences from kube-proxy, both because of what the kernel charges for
 * sets, maps and rules (docs/performance.md, Proxy):
 *
 * - A plain service port (ClusterIP only, no session affinity: nearly all of them) has no
 *   chain of its own. Its @service-ips element goes to a chain shared by every service port
 *   with the same protocol and number of endpoints, `endpoints-<proto>-<n>`, whose one rule
 *   is `dnat ip to ip daddr . th dport . numgen random mod <n> map
 *   @service-endpoints-<proto>`: the endpoint is looked up in one map keyed by the service's
 *   address and port and an index. 10,000 services × 5 endpoints are then 50,000 map elements and a handful of
 *   rules instead of 10,000 chains and 50,000 rules, which nft loads in well under half the
 *   time. (Each rule that references the map makes the kernel validate all of it, so the
 *   rules must stay few: one such rule per service took 35 s.)
 * - Other service ports keep a chain each, which chooses its endpoint with one rule per
 *   endpoint, `numgen random mod (n-i) == 0 … dnat to <endpoint>` (rule i takes 1/(n-i) of
 *   what reaches it, a uniform choice, like the iptables mode's statistic rules), instead of
 *   one `numgen random mod n` lookup in an anonymous map: each anonymous map is a kernel set,
 *   and the kernel names a new anonymous set by scanning every set in the table (10,000
 *   services that way took 124 s of kernel time).
 *
 * Pure and deterministic: the same state gives the same ruleset, so golden files hold.
 */
export function buildNftRuleset(state: ProxyState, opts: BuildOptions): NftRuleset {
  return buildNftRulesetFromPorts(servicePorts(state), opts);
}

/** The part of the ruleset one service port contributes; cached while the port does not change. */
interface PortEntry {
  /** The ServicePort it was built from (servicePorts keeps unchanged ports identical). */
  port: ServicePort;
  fingerprint: string;
  chains: NftChain[];
  sets: NftSet[];
  /** [set or map name, key, element]. */
  elements: Array<[string, string, NftElement]>;
}

/**
 * NftBuildCache lets buildNftRulesetFromPorts reuse what unchanged service ports produced
 * last time (the proxier keeps one): an endpoint change costs work for that one service,
 * and diffNftRulesets compares unchanged chains by reference.
 */
export class NftBuildCache {
  entries = new Map<string, PortEntry>();
  /** The ruleset the last build returned. */
  last: NftRuleset | undefined;
  /** The BuildOptions.nodeName the entries were built for (hairpin elements depend on it). */
  nodeName: string | undefined;
  /** What the last build changed against the one before it; undefined after the first. */
  changes: NftBuildChanges | undefined;
}

/**
 * The per-service objects that may differ between two consecutive builds (`from` → `to`):
 * those of the service ports that were added, removed or rebuilt. diffNftRulesets uses it
 * to compare only these instead of every element of every map (70,000 at 10,000 services).
 */
export interface NftBuildChanges {
  from: NftRuleset;
  to: NftRuleset;
  chains: Set<string>;
  sets: Set<string>;
  /** Set or map name → keys. */
  elements: Map<string, Set<string>>;
}

function noteEntry(c: Omit<NftBuildChanges, 'from' | 'to'>, e: PortEntry): void {
  for (const ch of e.chains) c.chains.add(ch.name);
  for (const s of e.sets) c.sets.add(s.name);
  for (const [set, key] of e.elements) {
    let keys = c.elements.get(set);
    if (!keys) c.elements.set(set, (keys = new Set()));
    keys.add(key);
  }
}

const REJECT = `goto ${NFT.rejectChain}`;

/** buildNftRuleset for service ports already computed with servicePorts (the proxier reuses them). */
export function buildNftRulesetFromPorts(ports: readonly ServicePort[], opts: BuildOptions, cache?: NftBuildCache): NftRuleset {
  const sets = fixedSets(opts);
  const chains = fixedChains(opts);
  const entries = new Map<string, PortEntry>();
  if (cache && cache.nodeName !== opts.nodeName) {
    cache.entries.clear();
    cache.nodeName = opts.nodeName;
  }
  const changed = { chains: new Set<string>(), sets: new Set<string>(), elements: new Map<string, Set<string>>() };
  // Changes are only worth noting against an earlier build.
  const track = cache?.last !== undefined;
  for (const sp of ports) {
    const old = cache?.entries.get(sp.name);
    let entry = old;
    if (!entry || entry.port !== sp) {
      const fp = fingerprint(sp);
      if (!entry || entry.fingerprint !== fp) entry = buildPort(sp, fp, opts.nodeName);
      else entry = { ...entry, port: sp };
    }
    if (track && entry !== old && entry.fingerprint !== old?.fingerprint) {
      if (old) noteEntry(changed, old);
      noteEntry(changed, entry);
    }
    entries.set(sp.name, entry);
    for (const c of entry.chains) if (!chains.has(c.name)) chains.set(c.name, c);
    for (const s of entry.sets) if (!sets.has(s.name)) sets.set(s.name, s);
    for (const [set, key, el] of entry.elements) {
      const target = sets.get(set)?.elements;
      // Two service ports claiming the same key (a misconfiguration): the first, in name order, wins.
      if (target && !target.has(key)) target.set(key, el);
    }
  }
  const rs: NftRuleset = { sets, chains, nodeIPs: [...opts.nodeIPs] };
  if (cache) {
    if (track) for (const [name, old] of cache.entries) if (!entries.has(name)) noteEntry(changed, old);
    cache.changes = cache.last ? { from: cache.last, to: rs, ...changed } : undefined;
    cache.entries = entries;
    cache.last = rs;
  }
  return rs;
}

function fingerprint(sp: ServicePort): string {
  let eps = '';
  for (const e of sp.endpoints) eps += `${e.endpoint}/${e.ready ? 1 : 0}${e.serving ? 1 : 0}${e.terminating ? 1 : 0},`;
  return `${sp.clusterIP}|${sp.protocol}|${sp.port}|${sp.nodePort ?? ''}|${sp.externalIPs.join(',')}|${sp.loadBalancerIPs.join(',')}|${sp.affinitySeconds ?? ''}|${eps}`;
}

function fixedSets(opts: BuildOptions): Map<string, NftSet> {
  const sets = new Map<string, NftSet>();
  const add = (s: Omit<NftSet, 'elements'>, elements: Array<[string, NftElement]> = []): void => {
    sets.set(s.name, { ...s, elements: new Map(elements) });
  };
  add({ name: NFT.clusterIPs, kind: 'set', type: 'ipv4_addr', comment: 'Active ClusterIPs' });
  add(
    { name: NFT.nodePortIPs, kind: 'set', type: 'ipv4_addr', comment: 'IPs that accept NodePort traffic' },
    nodePortAddresses(opts).map((ip) => [ip, {}]),
  );
  add({ name: NFT.hairpin, kind: 'set', type: 'ipv4_addr . ipv4_addr', comment: 'endpoint connections to itself through a service' });
  add({ name: NFT.serviceIPs, kind: 'map', type: 'ipv4_addr . inet_proto . inet_service : verdict', comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' });
  for (const proto of NFT_PROTOCOLS) {
    add({
      name: nftServiceEndpointsMap(proto),
      kind: 'map',
      type: `ip daddr . th dport . numgen random mod 1 : ip daddr . ${proto} dport`,
      typeOf: true,
      comment: `endpoints of the ${proto} service ports that share an endpoints chain`,
    });
  }
  add({ name: NFT.serviceNodePorts, kind: 'map', type: 'inet_proto . inet_service : verdict', comment: 'NodePort traffic' });
  add({
    name: NFT.noEndpointServices,
    kind: 'map',
    type: 'ipv4_addr . inet_proto . inet_service : verdict',
    comment: 'vmap to drop or reject packets to services with no endpoints',
  });
  add({
    name: NFT.noEndpointNodePorts,
    kind: 'map',
    type: 'inet_proto . inet_service : verdict',
    comment: 'vmap to drop or reject packets to service nodeports with no endpoints',
  });
  return sets;
}

/** The addresses node ports answer on: the node's, and 127.0.0.1 with localhostNodePorts. */
function nodePortAddresses(opts: BuildOptions): string[] {
  const ips = [...new Set(opts.nodeIPs)];
  if (opts.localhostNodePorts && ips.length > 0 && !ips.includes('127.0.0.1')) ips.push('127.0.0.1');
  return ips;
}

/**
 * How node-port traffic is recognised: by @nodeport-ips (the node's addresses, kube-proxy's
 * nftables default "primary node IPs"); until the Node's addresses are known, any local
 * address (kube-proxy's "all", what the iptables mode does), never 127.0.0.0/8 unless
 * localhostNodePorts.
 */
function nodePortMatch(opts: BuildOptions): string {
  if (opts.nodeIPs.length > 0) return `ip daddr @${NFT.nodePortIPs}`;
  return opts.localhostNodePorts ? 'fib daddr type local' : 'fib daddr type local ip daddr != 127.0.0.0/8';
}

function fixedChains(opts: BuildOptions): Map<string, NftChain> {
  const chains = new Map<string, NftChain>();
  const add = (c: NftChain): void => void chains.set(c.name, c);
  const newConn = 'ct state new';
  // Filter chains run before DNAT (priority -110) and on new connections only.
  add({ name: NFT.filterInput, base: { type: 'filter', hook: 'input', priority: -110 }, rules: [
    `${newConn} jump ${NFT.nodePortEndpointsCheck}`,
    `${newConn} jump ${NFT.serviceEndpointsCheck}`,
  ] });
  add({ name: NFT.filterForward, base: { type: 'filter', hook: 'forward', priority: -110 }, rules: [`${newConn} jump ${NFT.serviceEndpointsCheck}`] });
  add({ name: NFT.filterOutput, base: { type: 'filter', hook: 'output', priority: -110 }, rules: [`${newConn} jump ${NFT.serviceEndpointsCheck}`] });
  add({ name: NFT.natPrerouting, base: { type: 'nat', hook: 'prerouting', priority: -100 }, rules: [`jump ${NFT.services}`] });
  add({ name: NFT.natOutput, base: { type: 'nat', hook: 'output', priority: -100 }, rules: [`jump ${NFT.services}`] });
  add({ name: NFT.natPostrouting, base: { type: 'nat', hook: 'postrouting', priority: 100 }, rules: [`jump ${NFT.masquerading}`] });

  add({ name: NFT.serviceEndpointsCheck, rules: [`ip daddr . meta l4proto . th dport vmap @${NFT.noEndpointServices}`] });
  add({ name: NFT.nodePortEndpointsCheck, rules: [`${nodePortMatch(opts)} meta l4proto . th dport vmap @${NFT.noEndpointNodePorts}`] });
  // Without endpoints, answer at once with "port unreachable" (connection refused) instead
  // of letting the client time out.
  add({ name: NFT.rejectChain, comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports', rules: ['reject'] });

  const services: NftRule[] = [];
  if (opts.masqueradeAll) {
    services.push(`ip daddr @${NFT.clusterIPs} jump ${NFT.markMasq}`);
  } else if (opts.clusterCidr) {
    // From outside the pod network (e.g. the node itself): masquerade so the reply comes back here.
    services.push(`ip daddr @${NFT.clusterIPs} ip saddr != ${opts.clusterCidr} jump ${NFT.markMasq}`);
  }
  services.push(`ip daddr . meta l4proto . th dport vmap @${NFT.serviceIPs}`);
  services.push(`${nodePortMatch(opts)} meta l4proto . th dport vmap @${NFT.serviceNodePorts}`);
  add({ name: NFT.services, rules: services });

  add({ name: NFT.markMasq, rules: [`mark set mark or ${MASQ_MARK}`] });
  add({ name: NFT.masquerading, rules: [
    // Hairpin: an endpoint reaching itself through its service is masqueraded, or its reply
    // would go straight back to itself instead of through the DNAT.
    `ct status dnat ip saddr . ip daddr @${NFT.hairpin} jump ${NFT.markMasq}`,
    `mark and ${MASQ_MARK} == 0 return`,
    `mark set mark xor ${MASQ_MARK}`,
    opts.randomFully === false ? 'masquerade' : 'masquerade fully-random',
  ] });
  return chains;
}

function buildPort(sp: ServicePort, fp: string, nodeName: string | undefined): PortEntry {
  const out: PortEntry = { port: sp, fingerprint: fp, chains: [], sets: [], elements: [] };
  const endpoints = usableEndpoints(sp);
  const proto = sp.protocol;
  const externalIPs = [...sp.externalIPs, ...sp.loadBalancerIPs];
  out.elements.push([NFT.clusterIPs, sp.clusterIP, {}]);

  if (endpoints.length === 0) {
    const reject: NftElement = { value: REJECT, comment: sp.name };
    out.elements.push([NFT.noEndpointServices, `${sp.clusterIP} . ${proto} . ${sp.port}`, reject]);
    for (const ip of externalIPs) out.elements.push([NFT.noEndpointServices, `${ip} . ${proto} . ${sp.port}`, reject]);
    if (sp.nodePort !== undefined) out.elements.push([NFT.noEndpointNodePorts, `${proto} . ${sp.nodePort}`, reject]);
    return out;
  }

  // Hairpin happens on the endpoint's own node: 10,000 services × 5 endpoints are 50,000
  // elements cluster-wide but about 500 on one node of 100, a third of a second less per full sync.
  for (const ep of endpoints) {
    if (!nodeName || !ep.nodeName || ep.nodeName === nodeName) out.elements.push([NFT.hairpin, `${ep.ip} . ${ep.ip}`, {}]);
  }
  if (sp.affinitySeconds === undefined && sp.nodePort === undefined && externalIPs.length === 0) {
    // A plain service port: the shared chain for its protocol and endpoint count picks the
    // endpoint from @service-endpoints-<proto> by "<clusterIP> . <port> . <index>".
    const chain = sharedEndpointsChain(proto, endpoints.length);
    out.elements.push([NFT.serviceIPs, `${sp.clusterIP} . ${proto} . ${sp.port}`, { value: `goto ${chain.name}` }]);
    const map = nftServiceEndpointsMap(proto);
    endpoints.forEach((ep, i) => out.elements.push([map, `${sp.clusterIP} . ${sp.port} . ${i}`, { value: `${ep.ip} . ${ep.port}` }]));
    out.chains.push(chain);
    return out;
  }

  // One hash for both names (nftServiceChainName / nftExternalChainName).
  const base = servicePortNameBase(sp);
  const svcChain = `service-${base}`;
  const extChain = `external-${base}`;
  out.elements.push([NFT.serviceIPs, `${sp.clusterIP} . ${proto} . ${sp.port}`, { value: `goto ${svcChain}` }]);
  for (const ip of externalIPs) out.elements.push([NFT.serviceIPs, `${ip} . ${proto} . ${sp.port}`, { value: `goto ${extChain}` }]);
  if (sp.nodePort !== undefined) out.elements.push([NFT.serviceNodePorts, `${proto} . ${sp.nodePort}`, { value: `goto ${extChain}` }]);

  const rules: NftRule[] = [];
  const dnat = (ep: { ip: string; port: number }): string => `meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`;
  const affinity = sp.affinitySeconds !== undefined ? endpoints.map((ep) => nftAffinitySetName(sp, ep)) : [];
  if (sp.affinitySeconds !== undefined) {
    // A client seen within the timeout goes back to the endpoint it used last; every use
    // refreshes its entry (the set's timeout is the affinity timeout).
    endpoints.forEach((ep, i) => {
      const set = affinity[i] as string;
      out.sets.push({ name: set, kind: 'set', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeoutSeconds: sp.affinitySeconds as number, elements: new Map() });
      rules.push(`ip saddr @${set} update @${set} { ip saddr } ${dnat(ep)}`);
    });
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const pick = i < n - 1 ? `numgen random mod ${n - i} == 0 ` : '';
    const remember = sp.affinitySeconds !== undefined ? `update @${affinity[i] as string} { ip saddr } ` : '';
    rules.push(`${pick}${remember}${dnat(ep)}`);
  });
  out.chains.push({ name: svcChain, rules });
  if (sp.nodePort !== undefined || externalIPs.length > 0) {
    // Traffic from outside to a node port / external IP is masqueraded, so the reply
    // returns through this node (which must undo the DNAT) whichever node the endpoint is on.
    out.chains.push({ name: extChain, rules: [`jump ${NFT.markMasq}`, `goto ${svcChain}`] });
  }
  return out;
}

/** One object per shared chain name, so unchanged builds compare by reference. */
const sharedChains = new Map<string, NftChain>();

/** The chain shared by the plain service ports of one protocol with `n` endpoints. */
function sharedEndpointsChain(proto: string, n: number): NftChain {
  const name = `endpoints-${proto}-${n}`;
  let c = sharedChains.get(name);
  if (!c) {
    c = { name, rules: [`meta l4proto ${proto} dnat ip to ip daddr . th dport . numgen random mod ${n} map @${nftServiceEndpointsMap(proto)}`] };
    sharedChains.set(name, c);
  }
  return c;
}
