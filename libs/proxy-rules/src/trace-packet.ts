// SPDX-License-Identifier: Apache-2.0
import { ipInCidr } from './ip';
import { chainKey, type Rule, type RuleSet, type Table, type TableName } from './rule-set';
import {
  applyDnat,
  copySourceTimes,
  isLocalAddress,
  startWalk,
  stopsPacket,
  traceEvery,
  traceOnce,
  walkChain,
  type BaseTraceOptions,
  type Choose,
  type Packet,
  type TraceOutcome,
  type TraceResult,
  type Verdict,
  type WalkState,
} from './trace-core';

/** State of "-m recent" lists: list name → source address → time last seen (seconds). */
export type RecentTable = Map<string, Map<string, number>>;

/** Options of tracePacket. */
export interface TraceOptions extends BaseTraceOptions {
  /** "-m recent" lists, kept between calls to simulate ClientIP affinity. */
  recent?: RecentTable;
}

/**
 * Runs one new connection's first packet through the rule set the way the kernel would
 * through kube-proxy's hooks: nat KUBE-SERVICES (from PREROUTING/OUTPUT), then filter
 * KUBE-SERVICES and KUBE-EXTERNAL-SERVICES (on the possibly translated destination), then
 * nat KUBE-POSTROUTING. It interprets the rules' own arguments (addresses, ports,
 * addrtype, mark, statistic, recent, conntrack as state NEW), so it tests the generated
 * text, not the builder's intentions.
 */
export function tracePacket(ruleSet: RuleSet, packet: Packet, opts: TraceOptions = {}): TraceResult {
  return traceOnce((choose) => trace(ruleSet, packet, choose, opts), opts.random);
}

/**
 * Every possible outcome of a packet, one per combination of statistic branches, with its
 * probability (they sum to 1). Useful to check that load is spread evenly.
 */
export function tracePacketAll(ruleSet: RuleSet, packet: Packet, opts: Omit<TraceOptions, 'random'> = {}): TraceOutcome[] {
  return traceEvery((choose) => trace(ruleSet, packet, choose, { ...opts, ...(opts.recent ? { recent: copySourceTimes(opts.recent) } : {}) }));
}

interface Ctx extends WalkState {
  ruleSet: RuleSet;
  recent: RecentTable;
}

function trace(ruleSet: RuleSet, packet: Packet, choose: Choose, opts: TraceOptions): TraceResult {
  const ctx: Ctx = { ...startWalk(packet, choose, opts.now), ruleSet, recent: opts.recent ?? new Map() };
  const result: TraceResult = { masquerade: false, rejected: false, path: ctx.path };
  const nat = runChain(ctx, 'nat', 'KUBE-SERVICES', 0);
  if (nat.kind === 'dnat') applyDnat(ctx, result, nat.to);
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']) {
    if (stopsPacket(runChain(ctx, 'filter', chain, 0))) {
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
  return walkChain(ctx, chain, chainKey(table, chain), depth, rules, (rule) => applyRule(ctx, table, ctx.ruleSet[table], rule, depth));
}

interface RecentMatch {
  name: string;
  mode?: 'rcheck' | 'set';
  seconds?: number;
  reap: boolean;
  negate: boolean;
}

function applyRule(ctx: Ctx, tableName: TableName, table: Table, rule: Rule, depth: number): Verdict | 'return' {
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
        ok = (val !== 'LOCAL' || isLocalAddress(p.dst, ctx.ruleSet.nodeIPs)) !== negate;
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

function target(ctx: Ctx, tableName: TableName, table: Table, name: string, args: readonly string[], depth: number): Verdict | 'return' {
  switch (name) {
    case 'RETURN':
      return 'return';
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
