// SPDX-License-Identifier: Apache-2.0
import { ipInCidr } from './ip';
import { chainKey, type Rule, type RuleSet, type Table, type TableName } from './rule-set';

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
  /** KUBE-POSTROUTING masqueraded it (source NAT to the node's address). */
  masquerade: boolean;
  /** A filter rule rejected it (the client sees "connection refused"). */
  rejected: boolean;
  /** The chains entered, in order, as "table:chain". */
  path: string[];
}

/** One possible outcome of a packet with its probability (tracePacketAll). */
export interface TraceOutcome extends TraceResult {
  probability: number;
}

/** State of "-m recent" lists: list name → source address → time last seen (seconds). */
export type RecentTable = Map<string, Map<string, number>>;

/** Options of tracePacket. */
export interface TraceOptions {
  /** Random numbers in [0, 1) for "-m statistic --mode random"; default Math.random. */
  random?: () => number;
  /** "-m recent" lists, kept between calls to simulate ClientIP affinity. */
  recent?: RecentTable;
  /** Current time in seconds for "-m recent" (default: now). */
  now?: number;
}

const MAX_DEPTH = 32;

/**
 * Runs one new connection's first packet through the rule set the way the kernel would
 * through kube-proxy's hooks: nat KUBE-SERVICES (from PREROUTING/OUTPUT), then filter
 * KUBE-SERVICES and KUBE-EXTERNAL-SERVICES (on the possibly translated destination), then
 * nat KUBE-POSTROUTING. It interprets the rules' own arguments (addresses, ports,
 * addrtype, mark, statistic, recent, conntrack as state NEW), so it tests the generated
 * text, not the builder's intentions.
 */
export function tracePacket(ruleSet: RuleSet, packet: Packet, opts: TraceOptions = {}): TraceResult {
  const random = opts.random ?? Math.random;
  return trace(ruleSet, packet, (p) => random() < p, opts);
}

/**
 * Every possible outcome of a packet, one per combination of statistic branches, with its
 * probability (they sum to 1). Useful to check that load is spread evenly.
 */
export function tracePacketAll(ruleSet: RuleSet, packet: Packet, opts: Omit<TraceOptions, 'random'> = {}): TraceOutcome[] {
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
    // A copy of the recent lists, so one branch's --set does not leak into another.
    const recent: RecentTable | undefined = opts.recent ? new Map([...opts.recent].map(([k, v]) => [k, new Map(v)])) : undefined;
    const result = trace(ruleSet, packet, choose, { ...opts, ...(recent ? { recent } : {}) });
    if (probability > 0) outcomes.push({ ...result, probability });
  }
  return outcomes;
}

interface Ctx {
  ruleSet: RuleSet;
  packet: Packet;
  mark: number;
  choose: (p: number) => boolean;
  recent: RecentTable;
  now: number;
  path: string[];
}

type Verdict =
  | { kind: 'continue' }
  | { kind: 'return' }
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject' }
  | { kind: 'dnat'; to: string }
  | { kind: 'masquerade' };

function trace(ruleSet: RuleSet, packet: Packet, choose: (p: number) => boolean, opts: TraceOptions): TraceResult {
  const ctx: Ctx = {
    ruleSet,
    packet: { ...packet, proto: packet.proto.toLowerCase() },
    mark: 0,
    choose,
    recent: opts.recent ?? new Map(),
    now: opts.now ?? Date.now() / 1000,
    path: [],
  };
  const result: TraceResult = { masquerade: false, rejected: false, path: ctx.path };
  const nat = runChain(ctx, 'nat', 'KUBE-SERVICES', 0);
  if (nat.kind === 'dnat') {
    result.dnatTo = nat.to;
    const i = nat.to.lastIndexOf(':');
    ctx.packet = { ...ctx.packet, dst: nat.to.slice(0, i), dport: Number(nat.to.slice(i + 1)) };
  }
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']) {
    const v = runChain(ctx, 'filter', chain, 0);
    if (v.kind === 'reject' || v.kind === 'drop') {
      result.rejected = true;
      return result;
    }
  }
  const post = runChain(ctx, 'nat', 'KUBE-POSTROUTING', 0);
  result.masquerade = post.kind === 'masquerade';
  return result;
}

function runChain(ctx: Ctx, table: TableName, chain: string, depth: number): Verdict {
  const rules = ctx.ruleSet[table].get(chain);
  if (!rules) return { kind: 'continue' };
  if (depth > MAX_DEPTH) throw new Error(`trace: chain depth over ${MAX_DEPTH} at ${chain} (a loop?)`);
  ctx.path.push(chainKey(table, chain));
  for (const rule of rules) {
    const v = applyRule(ctx, table, ctx.ruleSet[table], rule, depth);
    if (v.kind === 'return') return { kind: 'continue' };
    if (v.kind !== 'continue') return v;
  }
  return { kind: 'continue' };
}

interface RecentMatch {
  name: string;
  mode?: 'rcheck' | 'set';
  seconds?: number;
  reap: boolean;
  negate: boolean;
}

function applyRule(ctx: Ctx, tableName: TableName, table: Table, rule: Rule, depth: number): Verdict {
  const p = ctx.packet;
  let negate = false;
  let recent: RecentMatch | undefined;
  const flushRecent = (): boolean => {
    if (!recent) return true;
    const r = recent;
    recent = undefined;
    return evalRecent(ctx, r);
  };
  for (let i = 0; i < rule.length; i++) {
    const tok = rule[i] as string;
    const val = rule[i + 1] ?? '';
    let ok: boolean | undefined;
    switch (tok) {
      case '!':
        negate = true;
        continue;
      case '-s':
        ok = ipInCidr(p.src, val) !== negate;
        i++;
        break;
      case '-d':
        ok = ipInCidr(p.dst, val) !== negate;
        i++;
        break;
      case '-p':
        ok = (p.proto === val.toLowerCase()) !== negate;
        i++;
        break;
      case '-m':
        if (!flushRecent()) return { kind: 'continue' };
        if (val === 'recent') recent = { name: 'DEFAULT', reap: false, negate: false };
        i++;
        continue;
      case '--dport':
        ok = (p.dport === Number(val)) !== negate;
        i++;
        break;
      case '--comment':
      case '--mode':
        i++;
        continue;
      case '--dst-type':
        ok = (val !== 'LOCAL' || isLocal(ctx, p.dst)) !== negate;
        i++;
        break;
      case '--mark': {
        const [v, m] = val.split('/');
        const mask = m === undefined ? 0xffffffff : Number(m);
        ok = ((ctx.mark & mask) === (Number(v) & mask)) !== negate;
        i++;
        break;
      }
      case '--ctstate':
        // Every traced packet opens a new connection.
        ok = val.split(',').includes('NEW') !== negate;
        i++;
        break;
      case '--probability':
        ok = ctx.choose(Number(val));
        i++;
        break;
      case '--name':
        if (recent) recent.name = val;
        i++;
        continue;
      case '--rcheck':
      case '--set':
        if (recent) {
          recent.mode = tok === '--rcheck' ? 'rcheck' : 'set';
          recent.negate = negate;
          negate = false;
        }
        continue;
      case '--seconds':
        if (recent) recent.seconds = Number(val);
        i++;
        continue;
      case '--reap':
        if (recent) recent.reap = true;
        continue;
      case '-j': {
        if (!flushRecent()) return { kind: 'continue' };
        return target(ctx, tableName, table, val, rule.slice(i + 2), depth);
      }
      default:
        throw new Error(`trace: unsupported rule argument ${tok} in [${rule.join(' ')}]`);
    }
    negate = false;
    if (!ok) return { kind: 'continue' };
  }
  return flushRecent() ? { kind: 'continue' } : { kind: 'continue' };
}

function evalRecent(ctx: Ctx, r: RecentMatch): boolean {
  let list = ctx.recent.get(r.name);
  if (!list) ctx.recent.set(r.name, (list = new Map()));
  let ok: boolean;
  if (r.mode === 'set') {
    list.set(ctx.packet.src, ctx.now);
    ok = true;
  } else {
    const seen = list.get(ctx.packet.src);
    ok = seen !== undefined && (r.seconds === undefined || ctx.now - seen <= r.seconds);
    if (r.reap && r.seconds !== undefined) {
      for (const [src, t] of list) if (ctx.now - t > r.seconds) list.delete(src);
    }
  }
  return ok !== r.negate;
}

function target(ctx: Ctx, tableName: TableName, table: Table, name: string, args: readonly string[], depth: number): Verdict {
  switch (name) {
    case 'RETURN':
      return { kind: 'return' };
    case 'ACCEPT':
      return { kind: 'accept' };
    case 'DROP':
      return { kind: 'drop' };
    case 'REJECT':
      return { kind: 'reject' };
    case 'MASQUERADE':
      return { kind: 'masquerade' };
    case 'DNAT': {
      const to = args[args.indexOf('--to-destination') + 1];
      if (!to) throw new Error('trace: DNAT without --to-destination');
      return { kind: 'dnat', to };
    }
    case 'MARK': {
      const op = args[0];
      const v = Number(args[1]);
      if (op === '--or-mark') ctx.mark = (ctx.mark | v) >>> 0;
      else if (op === '--xor-mark') ctx.mark = (ctx.mark ^ v) >>> 0;
      else if (op === '--set-mark') ctx.mark = v >>> 0;
      else throw new Error(`trace: unsupported MARK ${op ?? ''}`);
      return { kind: 'continue' };
    }
    default: {
      if (!table.has(name)) throw new Error(`trace: jump to unknown chain ${tableName}:${name}`);
      return runChain(ctx, tableName, name, depth + 1);
    }
  }
}

function isLocal(ctx: Ctx, ip: string): boolean {
  return ipInCidr(ip, '127.0.0.0/8') || ctx.ruleSet.nodeIPs.includes(ip);
}
