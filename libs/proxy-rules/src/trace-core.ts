// SPDX-License-Identifier: Apache-2.0
// What both packet tracers (iptables: trace-packet.ts, nftables: nft/trace.ts) share: the
// packet and its outcome, the chain walk's verdicts, and the enumeration of random branches.
// Each tracer keeps only how its rule language matches and jumps.
import { ipInCidr } from './ip';

/** A new connection's first packet. */
export interface Packet {
  src: string;
  dst: string;
  dport: number;
  /** tcp, udp or sctp. */
  proto: string;
}

/** Where the packet ended up. */
export interface TraceResult {
  /** "ip:port" the packet was DNATed to, if any. */
  dnatTo?: string;
  /** The postrouting rules masqueraded it (source NAT to the node's address). */
  masquerade: boolean;
  /** A filter rule rejected or dropped it (the client sees "connection refused" or a timeout). */
  rejected: boolean;
  /** The chains entered, in order: "table:chain" in iptables, the chain's name in nftables. */
  path: string[];
}

/** One possible outcome of a packet with its probability (tracePacketAll, traceNftAll). */
export interface TraceOutcome extends TraceResult {
  probability: number;
}

/** Options both tracers take. */
export interface BaseTraceOptions {
  /** Random numbers in [0, 1) for the rules' random choices (statistic, numgen); default Math.random. */
  random?: () => number;
  /** Current time in seconds for affinity state (default: now). */
  now?: number;
}

/** Per-source times the rules keep between packets (ClientIP affinity): list or set name → source address → seconds. */
export type SourceTimes = Map<string, Map<string, number>>;

/** Decides a random branch that is taken with probability p. */
export type Choose = (p: number) => boolean;

/** One run of a tracer over one packet, its random branches decided by `choose`. */
export type Walk = (choose: Choose) => TraceResult;

/** What a chain or rule decides; 'return' goes back to the calling chain. */
export type Verdict =
  | { kind: 'continue' }
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject' }
  | { kind: 'dnat'; to: string }
  | { kind: 'masquerade' };

const CONTINUE: Verdict = { kind: 'continue' };

/** Deeper than this, the rules jump in a loop. */
const MAX_DEPTH = 32;

/** The state every walk carries; each tracer adds its own. */
export interface WalkState {
  packet: Packet;
  mark: number;
  choose: Choose;
  now: number;
  path: string[];
}

/** A walk's start: the packet (protocol in lower case, as the rules write it), no mark, no chains yet. */
export function startWalk(packet: Packet, choose: Choose, now?: number): WalkState {
  return { packet: { ...packet, proto: packet.proto.toLowerCase() }, mark: 0, choose, now: now ?? Date.now() / 1000, path: [] };
}

/** One outcome, each random branch taken when random() falls below its probability. */
export function traceOnce(walk: Walk, random: () => number = Math.random): TraceResult {
  return walk((p) => random() < p);
}

/**
 * Every possible outcome, one per combination of random branches, with its probability (they
 * sum to 1). Each run replays a prefix of decisions, takes every new branch and queues the
 * run that declines it, so the runs cover the tree of choices depth first.
 */
export function traceEvery(walk: Walk): TraceOutcome[] {
  const outcomes: TraceOutcome[] = [];
  const pending: boolean[][] = [[]];
  while (pending.length > 0) {
    const prefix = pending.pop() as boolean[];
    const taken: boolean[] = [];
    let probability = 1;
    const choose = (p: number): boolean => {
      let c: boolean;
      if (taken.length < prefix.length) {
        c = prefix[taken.length] as boolean;
      } else {
        pending.push([...taken, false]);
        c = true;
      }
      taken.push(c);
      probability *= c ? p : 1 - p;
      return c;
    };
    const result = walk(choose);
    if (probability > 0) outcomes.push({ ...result, probability });
  }
  return outcomes;
}

/** A deep copy, so that one branch's affinity updates do not leak into another. */
export function copySourceTimes(t: SourceTimes): SourceTimes {
  return new Map([...t].map(([k, v]) => [k, new Map(v)]));
}

/**
 * Enters a chain: records it in the path, then applies its rules until one decides. A
 * 'return' or the chain's end hands the packet back to the caller.
 */
export function walkChain<R>(
  state: WalkState,
  name: string,
  pathEntry: string,
  depth: number,
  rules: Iterable<R>,
  apply: (rule: R) => Verdict | 'return',
): Verdict {
  if (depth > MAX_DEPTH) throw new Error(`trace: chain depth over ${MAX_DEPTH} at ${name} (a loop?)`);
  state.path.push(pathEntry);
  for (const rule of rules) {
    const v = apply(rule);
    if (v === 'return') return CONTINUE;
    if (v.kind !== 'continue') return v;
  }
  return CONTINUE;
}

/** Sends the packet on to the DNAT destination "ip:port" and records it. */
export function applyDnat(state: WalkState, result: TraceResult, to: string): void {
  result.dnatTo = to;
  const i = to.lastIndexOf(':');
  state.packet = { ...state.packet, dst: to.slice(0, i), dport: Number(to.slice(i + 1)) };
}

/** True when a filter verdict stops the packet. */
export function stopsPacket(v: Verdict): boolean {
  return v.kind === 'reject' || v.kind === 'drop';
}

/** Loopback or one of the node's addresses: what "--dst-type LOCAL" and "fib daddr type local" match. */
export function isLocalAddress(ip: string, nodeIPs: readonly string[]): boolean {
  return ipInCidr(ip, '127.0.0.0/8') || nodeIPs.includes(ip);
}
