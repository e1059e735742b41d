// SPDX-License-Identifier: Apache-2.0
import { ipInCidr } from '../ip';
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
} from '../trace-core';
import { NFT, type NftRuleset } from './model';

/** Entries of dynamic (affinity) sets: set name → source address → expiry time (seconds). */
export type AffinityTable = Map<string, Map<string, number>>;

/** Options of traceNft. */
export interface NftTraceOptions extends BaseTraceOptions {
  /** Affinity set entries, kept between calls to simulate ClientIP affinity. */
  affinity?: AffinityTable;
}

/**
 * Runs one new connection's first packet through an nftables ruleset the way the kernel
 * would through kube-proxy's base chains. From another host: nat-prerouting, then
 * filter-input (to a local address after DNAT) or filter-forward, then nat-postrouting.
 * From the node itself (source 127.0.0.0/8 or a node IP): filter-output (before DNAT),
 * nat-output, filter-input when the destination is local, nat-postrouting. It interprets
 * the rules' own text (the subset of nft syntax the builder writes: matches, concatenated
 * set and verdict-map lookups, numgen (a test or a map key), fib, ct, mark, update, jump/goto, dnat, masquerade,
 * reject), so it tests what is written, not the builder's intentions.
 */
export function traceNft(rs: NftRuleset, packet: Packet, opts: NftTraceOptions = {}): TraceResult {
  return traceOnce((choose) => trace(rs, packet, choose, opts), opts.random);
}

/** Every possible outcome of a packet, one per combination of numgen branches, with its probability. */
export function traceNftAll(rs: NftRuleset, packet: Packet, opts: Omit<NftTraceOptions, 'random'> = {}): TraceOutcome[] {
  return traceEvery((choose) => trace(rs, packet, choose, { ...opts, ...(opts.affinity ? { affinity: copySourceTimes(opts.affinity) } : {}) }));
}

interface Ctx extends WalkState {
  rs: NftRuleset;
  dnatted: boolean;
  affinity: AffinityTable;
}

function trace(rs: NftRuleset, packet: Packet, choose: Choose, opts: NftTraceOptions): TraceResult {
  const ctx: Ctx = { ...startWalk(packet, choose, opts.now), rs, dnatted: false, affinity: opts.affinity ?? new Map() };
  const result: TraceResult = { masquerade: false, rejected: false, path: ctx.path };
  const fromNode = isLocal(ctx, packet.src);
  const filter = (chain: string): boolean => {
    if (stopsPacket(runChain(ctx, chain, 0))) {
      result.rejected = true;
      return false;
    }
    return true;
  };
  if (fromNode && !filter(NFT.filterOutput)) return result;
  const nat = runChain(ctx, fromNode ? NFT.natOutput : NFT.natPrerouting, 0);
  if (nat.kind === 'dnat') {
    applyDnat(ctx, result, nat.to);
    ctx.dnatted = true;
  }
  const local = isLocal(ctx, ctx.packet.dst);
  if (local || !fromNode) {
    if (!filter(local ? NFT.filterInput : NFT.filterForward)) return result;
  }
  result.masquerade = runChain(ctx, NFT.natPostrouting, 0).kind === 'masquerade';
  return result;
}

function runChain(ctx: Ctx, name: string, depth: number): Verdict {
  const chain = ctx.rs.chains.get(name);
  if (!chain) throw new Error(`trace: no chain ${name}`);
  return walkChain(ctx, name, name, depth, chain.rules, (rule) => runRule(ctx, rule, depth));
}

/** Splits a rule into tokens; `comment "…"` keeps its text as one token. */
function tokenize(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rule))) out.push(m[1] !== undefined ? m[1] : (m[2] as string));
  return out;
}

const SELECTORS: Record<string, number> = { ip: 2, meta: 2, th: 2, tcp: 2, udp: 2, sctp: 2, ct: 2, mark: 1, numgen: 4, fib: 3 };

function runRule(ctx: Ctx, rule: string, depth: number): Verdict | 'return' {
  const tok = tokenize(rule);
  let i = 0;
  const next = (): string => {
    const t = tok[i++];
    if (t === undefined) throw new Error(`trace: rule ends early: ${rule}`);
    return t;
  };
  while (i < tok.length) {
    const t = tok[i] as string;
    switch (t) {
      case 'comment':
        i += 2;
        continue;
      case 'jump':
      case 'goto': {
        i++;
        const target = next();
        const v = runChain(ctx, target, depth + 1);
        if (t === 'goto' || v.kind !== 'continue') return v;
        continue;
      }
      case 'return':
        return 'return';
      case 'accept':
        return { kind: 'accept' };
      case 'drop':
        return { kind: 'drop' };
      case 'reject':
        return { kind: 'reject' };
      case 'masquerade':
        return { kind: 'masquerade' };
      case 'dnat': {
        i++;
        let to = next();
        if (to === 'ip') to = next();
        if (to !== 'to') throw new Error(`trace: unsupported dnat form: ${rule}`);
        if (SELECTORS[tok[i] ?? ''] === undefined) return { kind: 'dnat', to: next() };
        // dnat ip to <concatenation> map @m: the element's "ip . port"; no element, no DNAT (the rule breaks).
        const selectors = readSelectors(tok, i, rule);
        i = selectors.end;
        if (next() !== 'map') throw new Error(`trace: unsupported dnat form: ${rule}`);
        const map = lookupSet(ctx, next(), rule);
        const key = keyOf(ctx, selectors.list);
        const el = key === undefined ? undefined : map.elements.get(key);
        if (!el?.value) return { kind: 'continue' };
        const [ip, dot, port] = el.value.split(' ');
        if (dot !== '.' || !port) throw new Error(`trace: unsupported dnat map value ${el.value}`);
        return { kind: 'dnat', to: `${ip as string}:${port}` };
      }
      case 'update': {
        // update @set { ip saddr }
        i++;
        const set = setName(next(), rule);
        if (next() !== '{' || next() !== 'ip' || next() !== 'saddr' || next() !== '}') throw new Error(`trace: unsupported update: ${rule}`);
        const def = ctx.rs.sets.get(set);
        if (!def) throw new Error(`trace: update of unknown set ${set}`);
        let entries = ctx.affinity.get(set);
        if (!entries) ctx.affinity.set(set, (entries = new Map()));
        entries.set(ctx.packet.src, ctx.now + (def.timeoutSeconds ?? Infinity));
        continue;
      }
    }
    if (t === 'mark' && tok[i + 1] === 'set') {
      // mark set mark or|xor VALUE
      i += 2;
      if (next() !== 'mark') throw new Error(`trace: unsupported mark statement: ${rule}`);
      const op = next();
      const v = Number(next());
      if (op === 'or') ctx.mark = (ctx.mark | v) >>> 0;
      else if (op === 'xor') ctx.mark = (ctx.mark ^ v) >>> 0;
      else throw new Error(`trace: unsupported mark operation ${op}`);
      continue;
    }
    // A match: one selector or a concatenation ("a . b . c"), then the operation.
    const read = readSelectors(tok, i, rule);
    const selectors = read.list;
    i = read.end;
    const op = tok[i];
    if (op === 'vmap') {
      i++;
      const map = lookupSet(ctx, next(), rule);
      const key = keyOf(ctx, selectors);
      const el = key === undefined ? undefined : map.elements.get(key);
      if (!el) return { kind: 'continue' };
      const [verdict, target] = (el.value ?? '').split(' ');
      if (verdict === 'goto' || verdict === 'jump') {
        const v = runChain(ctx, target as string, depth + 1);
        if (verdict === 'goto' || v.kind !== 'continue') return v;
        continue;
      }
      if (verdict === 'drop') return { kind: 'drop' };
      if (verdict === 'accept') return { kind: 'accept' };
      throw new Error(`trace: unsupported map verdict ${el.value ?? ''}`);
    }
    if (op?.startsWith('@')) {
      i++;
      const name = setName(op, rule);
      const key = keyOf(ctx, selectors);
      if (key === undefined || !inSet(ctx, name, key)) return { kind: 'continue' };
      continue;
    }
    if (selectors.length !== 1) throw new Error(`trace: concatenation without a set in: ${rule}`);
    const sel = selectors[0] as string[];
    if (op === 'and') {
      // mark and MASK ==|!= VALUE
      i++;
      const mask = Number(next());
      const cmp = next();
      const want = Number(next());
      const eq = ((ctx.mark & mask) >>> 0) === want;
      if ((cmp === '==' ? eq : cmp === '!=' ? !eq : undefined) !== true) return { kind: 'continue' };
      continue;
    }
    let negate = false;
    if (op === '!=' || op === '==') {
      negate = op === '!=';
      i++;
    }
    const rhs = next();
    if (matchValue(ctx, sel, rhs) === negate) return { kind: 'continue' };
  }
  return { kind: 'continue' };
}

/** One selector or a concatenation ("a . b . c") starting at tok[start]; `end` is the index after it. */
function readSelectors(tok: readonly string[], start: number, rule: string): { list: string[][]; end: number } {
  const list: string[][] = [];
  let i = start;
  for (;;) {
    const width = SELECTORS[tok[i] ?? ''];
    if (width === undefined) throw new Error(`trace: unsupported expression at "${tok.slice(i).join(' ')}" in: ${rule}`);
    list.push(tok.slice(i, i + width));
    i += width;
    if (tok[i] === '.') i++;
    else break;
  }
  return { list, end: i };
}

function setName(tok: string, rule: string): string {
  if (!tok.startsWith('@')) throw new Error(`trace: expected @set in: ${rule}`);
  return tok.slice(1);
}

function lookupSet(ctx: Ctx, tok: string, rule: string): NonNullable<ReturnType<NftRuleset['sets']['get']>> {
  const s = ctx.rs.sets.get(setName(tok, rule));
  if (!s) throw new Error(`trace: unknown set ${tok} in: ${rule}`);
  return s;
}

function inSet(ctx: Ctx, name: string, key: string): boolean {
  const s = ctx.rs.sets.get(name);
  if (!s) throw new Error(`trace: unknown set @${name}`);
  if (s.flags?.includes('dynamic')) {
    const expires = ctx.affinity.get(name)?.get(key);
    return expires !== undefined && expires > ctx.now;
  }
  return s.elements.has(key);
}

/** The packet's value of one selector, as nft would print it; undefined when it has none. */
function valueOf(ctx: Ctx, sel: readonly string[]): string | undefined {
  const p = ctx.packet;
  const [a, b] = sel;
  if (a === 'ip' && b === 'daddr') return p.dst;
  if (a === 'ip' && b === 'saddr') return p.src;
  if (a === 'meta' && b === 'l4proto') return p.proto;
  if (a === 'th' && b === 'dport') return String(p.dport);
  if ((a === 'tcp' || a === 'udp' || a === 'sctp') && b === 'dport') return p.proto === a ? String(p.dport) : undefined;
  if (a === 'ct' && b === 'state') return 'new';
  if (a === 'ct' && b === 'status') return ctx.dnatted ? 'dnat' : '';
  if (a === 'mark') return String(ctx.mark);
  if (a === 'fib') return isLocal(ctx, p.dst) ? 'local' : 'unicast';
  if (a === 'numgen' && b === 'random' && sel[2] === 'mod') {
    // A uniform index in [0, n), drawn as a chain of choices so traceNftAll sees every branch.
    const n = Number(sel[3]);
    for (let k = 0; k < n - 1; k++) if (ctx.choose(1 / (n - k))) return String(k);
    return String(n - 1);
  }
  throw new Error(`trace: unsupported selector ${sel.join(' ')}`);
}

function keyOf(ctx: Ctx, selectors: readonly string[][]): string | undefined {
  const parts: string[] = [];
  for (const s of selectors) {
    const v = valueOf(ctx, s);
    if (v === undefined) return undefined;
    parts.push(v);
  }
  return parts.join(' . ');
}

function matchValue(ctx: Ctx, sel: readonly string[], rhs: string): boolean {
  if (sel[0] === 'numgen') {
    // numgen random mod N == 0: true with probability 1/N.
    if (sel[1] !== 'random' || sel[2] !== 'mod' || rhs !== '0') throw new Error(`trace: unsupported numgen ${sel.join(' ')} ${rhs}`);
    return ctx.choose(1 / Number(sel[3]));
  }
  const v = valueOf(ctx, sel);
  if (v === undefined) return false;
  if (sel[0] === 'ip') return ipInCidr(v, rhs);
  if (sel[0] === 'mark') return Number(v) === Number(rhs);
  return v === rhs;
}

function isLocal(ctx: Ctx, ip: string): boolean {
  return isLocalAddress(ip, ctx.rs.nodeIPs);
}
