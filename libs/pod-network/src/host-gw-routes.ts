// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';

/**
 * The parts of a Node this package reads: a structural subset of `coreV1.NodeJson`, so
 * the generated type (and the informer's objects) fit without a dependency on api-types.
 */
export interface Node extends KubeObject {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: Array<{ type?: string; address?: string }> };
}

/** One host-gateway route: the pod CIDR of another node (`dst`) via that node's IP (`via`). */
export interface Route {
  /** Canonical IPv4 CIDR, e.g. "10.244.2.0/24" (a host route is "a.b.c.d/32"). */
  dst: string;
  /** The gateway: the other node's InternalIP; '' for a route without one (not ours to keep). */
  via: string;
}

/** Options of desiredRoutes. */
export interface DesiredRoutesOptions {
  /**
   * Only pod CIDRs inside this range get a route. A guard as much as a filter: a node whose
   * podCIDR were the default route or the node network would otherwise have `ip route
   * replace` take over the node's own default or link route.
   */
  clusterCidr?: string;
  /** Called for every other node that gets no route, with the reason (for logs). */
  onSkip?(node: string, reason: string): void;
}

/** The changes that turn the current routes into the desired ones. */
export interface RoutePlan {
  /** Routes to add, or whose gateway changed (`ip route replace` does both). */
  replace: Route[];
  /** Routes of ours whose destination no node claims any more. */
  remove: Route[];
}

/**
 * The routes a node needs in host-gateway mode (flannel's host-gw): for every other node
 * with an IPv4 pod CIDR and an InternalIP, a route to that CIDR via that IP. Skipped, and
 * told to `onSkip`: the node itself; nodes being deleted (deletionTimestamp); nodes without a
 * pod CIDR or InternalIP yet, or with an invalid one; pod CIDRs outside `clusterCidr` or
 * overlapping this node's own pod CIDR; and the second claimant of a CIDR another node
 * already has (the first by name wins, so every node picks the same one). The result is
 * sorted by destination address, then prefix length; destinations are canonical and unique.
 */
export function desiredRoutes(nodes: readonly Node[], selfName: string, opts: DesiredRoutesOptions = {}): Route[] {
  const cluster = opts.clusterCidr === undefined ? undefined : parseIpv4Cidr(opts.clusterCidr);
  if (opts.clusterCidr !== undefined && !cluster) throw new Error(`invalid cluster CIDR ${JSON.stringify(opts.clusterCidr)}: want an IPv4 network such as 10.244.0.0/16`);
  const skip = (node: string, reason: string): void => opts.onSkip?.(node, reason);
  const self = nodes.find((n) => n.metadata?.name === selfName);
  const selfCidr = self ? parseIpv4Cidr(podCidrOf(self) ?? '') : undefined;

  const candidates: Array<{ name: string; cidr: Cidr; via: string }> = [];
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (name === selfName) continue;
    if (node.metadata?.deletionTimestamp) {
      skip(name, 'being deleted');
      continue;
    }
    const cidrText = podCidrOf(node);
    if (cidrText === undefined) {
      skip(name, 'no IPv4 pod CIDR (spec.podCIDR) yet');
      continue;
    }
    const cidr = parseIpv4Cidr(cidrText);
    if (!cidr) {
      skip(name, `invalid pod CIDR ${JSON.stringify(cidrText)}`);
      continue;
    }
    const addr = internalIpOf(node);
    if ('missing' in addr) {
      skip(name, addr.missing);
      continue;
    }
    if (cluster && !contains(cluster, cidr)) {
      skip(name, `pod CIDR ${formatCidr(cidr)} is outside the cluster CIDR ${formatCidr(cluster)}`);
      continue;
    }
    if (selfCidr && overlaps(selfCidr, cidr)) {
      skip(name, `pod CIDR ${formatCidr(cidr)} overlaps this node's pod CIDR ${formatCidr(selfCidr)}`);
      continue;
    }
    candidates.push({ name, cidr, via: addr.ip });
  }
  candidates.sort((a, b) => compareCidr(a.cidr, b.cidr) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const routes: Route[] = [];
  const owner = new Map<string, string>();
  for (const c of candidates) {
    const dst = formatCidr(c.cidr);
    const first = owner.get(dst);
    if (first !== undefined) {
      skip(c.name, `pod CIDR ${dst} is also node ${first}'s`);
      continue;
    }
    owner.set(dst, c.name);
    routes.push({ dst, via: c.via });
  }
  return routes;
}

/**
 * What to change so that the routes we own (`current`) become `desired`: replace every
 * desired route that is missing or has another gateway, remove every current route whose
 * destination is not desired. Routes already right are left alone. Both lists are sorted by
 * destination. `desired` must have unique destinations (desiredRoutes' are).
 */
export function planRoutes(current: readonly Route[], desired: readonly Route[]): RoutePlan {
  const have = new Set(current.map(routeKey));
  const wanted = new Set(desired.map((r) => r.dst));
  return {
    replace: desired.filter((r) => !have.has(routeKey(r))).sort(compareRoutes),
    remove: current.filter((r) => !wanted.has(r.dst)).sort(compareRoutes),
  };
}

/** Orders routes by destination (address, then prefix length); unparsable ones last, by text. */
export function compareRoutes(a: Route, b: Route): number {
  const x = parseIpv4Cidr(a.dst);
  const y = parseIpv4Cidr(b.dst);
  if (x && y) return compareCidr(x, y) || cmp(a.via, b.via);
  if (x) return -1;
  if (y) return 1;
  return cmp(a.dst, b.dst) || cmp(a.via, b.via);
}

/** An IPv4 network: address as an unsigned 32-bit number and prefix length. */
export interface Cidr {
  ip: number;
  bits: number;
}

/**
 * Parses "a.b.c.d/n" strictly: four decimal octets without leading zeros (iproute2 would read
 * "010" as octal), 0 ≤ n ≤ 32, and no host bits set (the kernel refuses such a route).
 */
export function parseIpv4Cidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpv4(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (ip === undefined || !/^(0|[1-9]\d?)$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > 32) return undefined;
  if (((ip & ~maskOf(bits)) >>> 0) !== 0) return undefined;
  return { ip, bits };
}

/** Parses a dotted-quad IPv4 address strictly (no leading zeros); undefined when invalid. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let ip = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    ip = ip * 256 + n;
  }
  return ip;
}

/** "a.b.c.d/n" of a parsed network. */
export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.ip)}/${c.bits}`;
}

/** True when `inner` lies entirely inside `outer`. */
function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.bits >= outer.bits && ((inner.ip & maskOf(outer.bits)) >>> 0) === outer.ip;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** The node's IPv4 pod CIDR as written: spec.podCIDR, else the first IPv4 entry of spec.podCIDRs. */
function podCidrOf(node: Node): string | undefined {
  const all = [node.spec?.podCIDR, ...(node.spec?.podCIDRs ?? [])].filter((c): c is string => !!c);
  return all.find((c) => !c.includes(':'));
}

/** The node's first IPv4 InternalIP, or why there is none. */
function internalIpOf(node: Node): { ip: string } | { missing: string } {
  const internal = (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address ?? '');
  if (internal.length === 0) return { missing: 'no InternalIP in status.addresses yet' };
  for (const a of internal) {
    const ip = parseIpv4(a);
    if (ip !== undefined) return { ip: formatIpv4(ip) };
  }
  return { missing: `invalid InternalIP ${JSON.stringify(internal[0])}` };
}

function routeKey(r: Route): string {
  return `${r.dst} ${r.via}`;
}

function compareCidr(a: Cidr, b: Cidr): number {
  return a.ip - b.ip || a.bits - b.bits;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function formatIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
