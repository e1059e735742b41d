// SPDX-License-Identifier: Apache-2.0
import { endpointChainName, externalChainName, servicePortChainName } from './chain-names';
import { servicePorts, usableEndpoints, type ProxyState, type ServicePort } from './proxy-state';
import { MASQ_MARK, type Rule, type RuleSet, type Table } from './rule-set';

/** Options of buildRules. */
export interface BuildOptions {
  /** The node's addresses (kept in the RuleSet for tracing; node ports match any local address). */
  nodeIPs: string[];
  /** Pod CIDR: traffic to a ClusterIP from outside it is masqueraded so replies come back through this node. */
  clusterCidr: string;
  /** Masquerade all traffic to ClusterIPs (kube-proxy --masquerade-all). */
  masqueradeAll?: boolean;
  /**
   * Whether node ports answer on 127.0.0.1 (needs net.ipv4.conf.all.route_localnet=1).
   * Without it the node-port jump skips 127.0.0.0/8, as kube-proxy's does.
   */
  localhostNodePorts?: boolean;
  /** Use MASQUERADE --random-fully (default true; the kernels we run support it). */
  randomFully?: boolean;
  /**
   * This node's name. A pod reaching itself through its service is DNATed on its own node,
   * so the nftables mode keeps hairpin entries only for endpoints on this node (and those
   * whose node is not known); unset, for every endpoint.
   */
  nodeName?: string;
}

/**
 * Computes the full iptables rule set for the given services and endpoints, shaped like
 * kube-proxy's iptables mode:
 *
 * nat: PREROUTING/OUTPUT → KUBE-SERVICES → (one rule per ClusterIP, external IP and
 * load-balancer IP) → KUBE-SVC-<hash> (statistic-random choice) → KUBE-SEP-<hash> (DNAT);
 * node ports through KUBE-NODEPORTS (the last rule of KUBE-SERVICES, for local addresses)
 * → KUBE-EXT-<hash> (mark for masquerade) → KUBE-SVC-<hash>. KUBE-MARK-MASQ sets the mark,
 * KUBE-POSTROUTING masquerades marked packets and clears the mark.
 * filter: REJECT for service ports without usable endpoints, KUBE-FORWARD accepting marked
 * and established traffic.
 *
 * Pure and deterministic: the same state gives the same rules, so golden files hold.
 */
export function buildRules(state: ProxyState, opts: BuildOptions): RuleSet {
  return buildRulesFromPorts(servicePorts(state), opts);
}

/** buildRules for service ports already computed with servicePorts (the proxier reuses them). */
export function buildRulesFromPorts(ports: readonly ServicePort[], opts: BuildOptions, cache?: BuildCache): RuleSet {
  const nat: Table = new Map();
  const filter: Table = new Map();
  const natServices: Rule[] = [];
  const natNodePorts: Rule[] = [];
  nat.set('KUBE-SERVICES', natServices);
  nat.set('KUBE-NODEPORTS', natNodePorts);
  nat.set('KUBE-POSTROUTING', [
    ['-m', 'mark', '!', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'RETURN'],
    ['-j', 'MARK', '--xor-mark', MASQ_MARK],
    [
      '-m', 'comment', '--comment', 'kubernetes service traffic requiring SNAT',
      '-j', 'MASQUERADE', ...(opts.randomFully === false ? [] : ['--random-fully']),
    ],
  ]);
  nat.set('KUBE-MARK-MASQ', [['-j', 'MARK', '--or-mark', MASQ_MARK]]);

  const filterServices: Rule[] = [];
  const filterExternal: Rule[] = [];
  filter.set('KUBE-SERVICES', filterServices);
  filter.set('KUBE-EXTERNAL-SERVICES', filterExternal);
  filter.set('KUBE-FORWARD', [
    ['-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP'],
    ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-m', 'mark', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'ACCEPT'],
    [
      '-m', 'comment', '--comment', 'kubernetes forwarding conntrack rule',
      '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT',
    ],
  ]);

  const optsKey = `${opts.clusterCidr}|${String(opts.masqueradeAll)}|${String(opts.randomFully)}`;
  if (cache && cache.optsKey !== optsKey) {
    cache.entries.clear();
    cache.optsKey = optsKey;
  }
  const entries = new Map<string, PortRules>();
  for (const sp of ports) {
    const fp = fingerprint(sp);
    let entry = cache?.entries.get(sp.name);
    // Unchanged service ports keep the very same rule arrays, so diffing them is a reference check.
    if (!entry || entry.fingerprint !== fp) entry = buildPortRules(sp, opts, fp);
    entries.set(sp.name, entry);
    natServices.push(...entry.natServices);
    natNodePorts.push(...entry.natNodePorts);
    filterServices.push(...entry.filterServices);
    filterExternal.push(...entry.filterExternal);
    for (const [chain, rules] of entry.chains) nat.set(chain, rules);
  }
  if (cache) cache.entries = entries;

  const nodePortsJump: string[] = ['-m', 'comment', '--comment', 'kubernetes service nodeports; NOTE: this must be the last rule in this chain'];
  // 127.0.0.1 only works with route_localnet; without it, skip loopback rather than black-hole it.
  if (!opts.localhostNodePorts) nodePortsJump.unshift('!', '-d', '127.0.0.0/8');
  natServices.push([...nodePortsJump, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'KUBE-NODEPORTS']);

  return { nat, filter, nodeIPs: [...opts.nodeIPs] };
}

/** The rules one service port contributes; cached between syncs while the port does not change. */
interface PortRules {
  fingerprint: string;
  natServices: Rule[];
  natNodePorts: Rule[];
  filterServices: Rule[];
  filterExternal: Rule[];
  chains: Array<[string, Rule[]]>;
}

/**
 * BuildCache lets buildRules reuse the rules of service ports that did not change since
 * the previous call (the proxier keeps one), so an endpoint change costs work for that one
 * service, not for all of them, and diffRuleSets can compare unchanged chains by reference.
 */
export class BuildCache {
  optsKey = '';
  entries = new Map<string, PortRules>();
}

function fingerprint(sp: ServicePort): string {
  let eps = '';
  for (const e of sp.endpoints) eps += `${e.endpoint}/${e.ready ? 1 : 0}${e.serving ? 1 : 0}${e.terminating ? 1 : 0},`;
  return `${sp.clusterIP}|${sp.protocol}|${sp.port}|${sp.nodePort ?? ''}|${sp.externalIPs.join(',')}|${sp.loadBalancerIPs.join(',')}|${sp.affinitySeconds ?? ''}|${eps}`;
}

function buildPortRules(sp: ServicePort, opts: BuildOptions, fp: string): PortRules {
  const out: PortRules = { fingerprint: fp, natServices: [], natNodePorts: [], filterServices: [], filterExternal: [], chains: [] };
  const endpoints = usableEndpoints(sp);
  const proto = sp.protocol;
  const dst = (ip: string): string[] => ['-d', `${ip}/32`, '-p', proto];
  const dport = ['-m', proto, '--dport', String(sp.port)];
  const hasExternal = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;

  if (endpoints.length === 0) {
    // Without endpoints, answer at once with "port unreachable" (connection refused)
    // instead of letting the packet go nowhere and the client time out.
    const reject = ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'];
    const comment = ['-m', 'comment', '--comment', `${sp.name} has no endpoints`];
    out.filterServices.push([...dst(sp.clusterIP), ...comment, ...dport, ...reject]);
    for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
      out.filterExternal.push([...dst(ip), ...comment, ...dport, ...reject]);
    }
    if (sp.nodePort !== undefined) {
      out.filterExternal.push([
        '-p', proto, ...comment, '-m', 'addrtype', '--dst-type', 'LOCAL',
        '-m', proto, '--dport', String(sp.nodePort), ...reject,
      ]);
    }
    return out;
  }

  const svcChain = servicePortChainName(sp.name, proto);
  const extChain = externalChainName(sp.name, proto);
  const clusterComment = ['-m', 'comment', '--comment', `${sp.name} cluster IP`];
  out.natServices.push([...dst(sp.clusterIP), ...clusterComment, ...dport, '-j', svcChain]);
  for (const ip of sp.externalIPs) {
    out.natServices.push([...dst(ip), '-m', 'comment', '--comment', `${sp.name} external IP`, ...dport, '-j', extChain]);
  }
  for (const ip of sp.loadBalancerIPs) {
    out.natServices.push([...dst(ip), '-m', 'comment', '--comment', `${sp.name} loadbalancer IP`, ...dport, '-j', extChain]);
  }
  if (sp.nodePort !== undefined) {
    out.natNodePorts.push(['-p', proto, '-m', 'comment', '--comment', sp.name, '-m', proto, '--dport', String(sp.nodePort), '-j', extChain]);
  }

  out.chains.push([svcChain, serviceChainRules(sp, endpoints, opts)]);
  if (hasExternal) {
    // Traffic from outside to a node port / external IP is masqueraded, so the reply
    // returns through this node (which must undo the DNAT) whichever node the endpoint is on.
    out.chains.push([extChain, [
      ['-m', 'comment', '--comment', `masquerade traffic for ${sp.name} external destinations`, '-j', 'KUBE-MARK-MASQ'],
      ['-j', svcChain],
    ]]);
  }
  for (const ep of endpoints) {
    const sepChain = endpointChainName(sp.name, proto, ep.endpoint);
    const comment = ['-m', 'comment', '--comment', sp.name];
    out.chains.push([sepChain, [
      // Hairpin: an endpoint reaching itself through the service must be masqueraded, or
      // its reply would go straight to itself instead of back through the DNAT.
      ['-s', `${ep.ip}/32`, ...comment, '-j', 'KUBE-MARK-MASQ'],
      [
        '-p', proto, ...comment,
        ...(sp.affinitySeconds !== undefined ? ['-m', 'recent', '--name', sepChain, '--set'] : []),
        '-m', proto, '-j', 'DNAT', '--to-destination', ep.endpoint,
      ],
    ]]);
  }
    return out;
}

function serviceChainRules(sp: ServicePort, endpoints: ReturnType<typeof usableEndpoints>, opts: BuildOptions): Rule[] {
  const rules: Rule[] = [];
  const proto = sp.protocol;
  const match = ['-d', `${sp.clusterIP}/32`, '-p', proto, '-m', 'comment', '--comment', `${sp.name} cluster IP`, '-m', proto, '--dport', String(sp.port)];
  if (opts.masqueradeAll) {
    rules.push([...match, '-j', 'KUBE-MARK-MASQ']);
  } else if (opts.clusterCidr) {
    // From outside the pod network (e.g. the node itself): masquerade so the reply comes back here.
    rules.push(['!', '-s', opts.clusterCidr, ...match, '-j', 'KUBE-MARK-MASQ']);
  }
  const chains = endpoints.map((ep) => endpointChainName(sp.name, proto, ep.endpoint));
  if (sp.affinitySeconds !== undefined) {
    // A client seen recently goes back to the endpoint it used last.
    endpoints.forEach((ep, i) => {
      const chain = chains[i] as string;
      rules.push([
        '-m', 'comment', '--comment', `${sp.name} -> ${ep.endpoint}`,
        '-m', 'recent', '--name', chain, '--rcheck', '--seconds', String(sp.affinitySeconds), '--reap',
        '-j', chain,
      ]);
    });
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const chain = chains[i] as string;
    const comment = ['-m', 'comment', '--comment', `${sp.name} -> ${ep.endpoint}`];
    // Rule i catches 1/(n-i) of what the earlier rules let through: a uniform choice overall.
    const statistic = i < n - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(n - i)] : [];
    rules.push([...comment, ...statistic, '-j', chain]);
  });
  return rules;
}

/** 1/n with ten decimals, as kube-proxy's computeProbability ("%0.10f"). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}
