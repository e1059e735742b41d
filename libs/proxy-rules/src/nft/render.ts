// SPDX-License-Identifier: Apache-2.0
import type { NftBuildChanges } from './build';
import { NFT, NFT_FAMILY, NFT_TABLE, type NftBaseChainSpec, type NftChain, type NftElement, type NftRuleset, type NftSet } from './model';

const T = `${NFT_FAMILY} ${NFT_TABLE}`;

/** Options of renderNftFull. */
export interface NftFullOptions {
  /**
   * The ruleset the previous successful sync applied. Without it the table is deleted and
   * written anew (`add table` + `delete table` + the table: one transaction, whatever was
   * there before). With it the table is kept: its rules are flushed (`flush table`), its
   * sets and maps emptied and refilled, chains and sets no longer wanted deleted, so the
   * entries of the ClientIP affinity sets (filled by the packet path) survive a resync.
   */
  previous?: NftRuleset;
}

/** Quotes a comment for nft ("…" with \" and \\ escaped). */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function element(key: string, el: NftElement): string {
  return `${key}${el.comment !== undefined ? ` comment ${quote(el.comment)}` : ''}${el.value !== undefined ? ` : ${el.value}` : ''}`;
}

function baseSpec(b: NftBaseChainSpec): string {
  return `type ${b.type} hook ${b.hook} priority ${b.priority}; policy accept;`;
}

/** True for sets whose elements the packet path writes (the proxy never flushes them). */
export function isDynamicSet(s: NftSet): boolean {
  return s.flags?.includes('dynamic') ?? false;
}

/** The declaration of a set or map, as inside "set NAME { … }" (one property per entry). */
function setProperties(s: NftSet): string[] {
  const props = [`${s.typeOf ? 'typeof' : 'type'} ${s.type}`];
  if (s.flags && s.flags.length > 0) props.push(`flags ${s.flags.join(',')}`);
  if (s.timeoutSeconds !== undefined) props.push(`timeout ${s.timeoutSeconds}s`);
  if (s.comment !== undefined) props.push(`comment ${quote(s.comment)}`);
  return props;
}

function sameSetDefinition(a: NftSet, b: NftSet): boolean {
  return a.kind === b.kind && setProperties(a).join(';') === setProperties(b).join(';');
}

function sameBase(a: NftChain, b: NftChain): boolean {
  if (!a.base || !b.base) return !a.base && !b.base && a.comment === b.comment;
  return a.base.type === b.base.type && a.base.hook === b.base.hook && a.base.priority === b.base.priority && a.comment === b.comment;
}

/** The table as one `table ip kube-proxy { … }` block. */
function renderTableBlock(rs: NftRuleset): string {
  const out: string[] = [`table ${T} {`, '\tcomment "rules for kube-proxy"'];
  for (const s of rs.sets.values()) {
    out.push(`\t${s.kind} ${s.name} {`);
    for (const p of setProperties(s)) out.push(`\t\t${p}`);
    if (s.elements.size > 0) {
      const els: string[] = [];
      for (const [k, el] of s.elements) els.push(element(k, el));
      out.push(`\t\telements = { ${els.join(',\n\t\t\t     ')} }`);
    }
    out.push('\t}');
  }
  for (const c of rs.chains.values()) {
    out.push(`\tchain ${c.name} {`);
    if (c.base) out.push(`\t\t${baseSpec(c.base)}`);
    if (c.comment !== undefined) out.push(`\t\tcomment ${quote(c.comment)}`);
    for (const r of c.rules) out.push(`\t\t${r}`);
    out.push('\t}');
  }
  out.push('}');
  return out.join('\n') + '\n';
}

/**
 * Renders a full sync as `nft -f` input: one transaction that leaves the table exactly as
 * the ruleset says (see NftFullOptions for the two forms).
 */
export function renderNftFull(rs: NftRuleset, opts: NftFullOptions = {}): string {
  const prev = opts.previous;
  if (!prev) return `add table ${T}\ndelete table ${T}\n` + renderTableBlock(rs);
  const lines = [`add table ${T}`, `flush table ${T}`];
  const deletedSets: string[] = [];
  for (const [name, old] of prev.sets) {
    const now = rs.sets.get(name);
    if (!now || !sameSetDefinition(old, now)) deletedSets.push(`delete ${old.kind} ${T} ${name}`);
    else if (!isDynamicSet(now)) lines.push(`flush ${now.kind} ${T} ${name}`);
  }
  // Map elements that jump to a stale chain are gone (flushed above) before it is deleted.
  lines.push(...deletedSets);
  for (const [name, old] of prev.chains) {
    const now = rs.chains.get(name);
    if (!now || !sameBase(old, now)) lines.push(`delete chain ${T} ${name}`);
  }
  return lines.join('\n') + '\n' + renderTableBlock(rs);
}

/** What changed between two rulesets (diffNftRulesets), for renderNftIncremental. */
export interface NftDiff {
  /** New sets, and sets whose definition changed (also in deletedSets). */
  addedSets: NftSet[];
  deletedSets: NftSet[];
  /** New chains, and chains whose hook changed (also in deletedChains). */
  addedChains: NftChain[];
  /** Chains that stay but whose rules differ. */
  changedChains: NftChain[];
  deletedChains: string[];
  /** Per set: elements to add (new keys, changed values). */
  addElements: Map<string, Array<[string, NftElement]>>;
  /** Per set: keys to delete (gone, or changed and re-added). */
  deleteElements: Map<string, string[]>;
}

/** True when the diff holds nothing to write. */
export function isEmptyNftDiff(d: NftDiff): boolean {
  return (
    d.addedSets.length === 0 &&
    d.deletedSets.length === 0 &&
    d.addedChains.length === 0 &&
    d.changedChains.length === 0 &&
    d.deletedChains.length === 0 &&
    d.addElements.size === 0 &&
    d.deleteElements.size === 0
  );
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameElement(a: NftElement, b: NftElement): boolean {
  return a === b || (a.value === b.value && a.comment === b.comment);
}

/**
 * Compares two rulesets: chains by their rules (unchanged service ports keep the very same
 * arrays, so this is mostly a reference check), sets and maps element by element. An
 * endpoint change touches its service chain and a few map/set elements; nothing else is
 * written (kube-proxy's partial sync).
 *
 * `changes` (NftBuildCache.changes, when `next` was built right after `prev` with the same
 * cache) limits the element comparison to the keys of the service ports that changed: the
 * same result without looking at every element of every map.
 */
export function diffNftRulesets(prev: NftRuleset, next: NftRuleset, changes?: NftBuildChanges): NftDiff {
  const hint = changes && changes.from === prev && changes.to === next ? changes : undefined;
  const d: NftDiff = {
    addedSets: [],
    deletedSets: [],
    addedChains: [],
    changedChains: [],
    deletedChains: [],
    addElements: new Map(),
    deleteElements: new Map(),
  };
  for (const [name, s] of next.sets) {
    const old = prev.sets.get(name);
    const fresh = !old || !sameSetDefinition(old, s);
    if (fresh) {
      if (old) d.deletedSets.push(old);
      d.addedSets.push(s);
      if (s.elements.size > 0) d.addElements.set(name, [...s.elements]);
      continue;
    }
    if (isDynamicSet(s)) continue;
    const add: Array<[string, NftElement]> = [];
    const del: string[] = [];
    // Only nodeport-ips holds elements that come from the options rather than a service port.
    const keys = hint && name !== NFT.nodePortIPs ? hint.elements.get(name) : undefined;
    if (hint && name !== NFT.nodePortIPs) {
      for (const k of keys ?? []) {
        const was = old.elements.get(k);
        const el = s.elements.get(k);
        if (was !== undefined && (el === undefined || !sameElement(was, el))) del.push(k);
        if (el !== undefined && (was === undefined || !sameElement(was, el))) add.push([k, el]);
      }
    } else {
      for (const [k, el] of s.elements) {
        const was = old.elements.get(k);
        if (was === undefined) add.push([k, el]);
        else if (!sameElement(was, el)) {
          del.push(k);
          add.push([k, el]);
        }
      }
      for (const k of old.elements.keys()) if (!s.elements.has(k)) del.push(k);
    }
    if (add.length > 0) d.addElements.set(name, add);
    if (del.length > 0) d.deleteElements.set(name, del);
  }
  for (const [name, old] of prev.sets) if (!next.sets.has(name)) d.deletedSets.push(old);
  for (const [name, c] of next.chains) {
    const old = prev.chains.get(name);
    if (!old) d.addedChains.push(c);
    else if (!sameBase(old, c)) {
      d.deletedChains.push(name);
      d.addedChains.push(c);
    } else if (!sameRules(old.rules, c.rules)) d.changedChains.push(c);
  }
  for (const name of prev.chains.keys()) if (!next.chains.has(name)) d.deletedChains.push(name);
  // A set or chain that is deleted and created again (its definition changed) must not be
  // referenced while it is deleted: rewrite the unchanged chains and map elements that use
  // it. (Sets and chains that are simply gone are referenced only by what changed anyway.)
  const recreated = new Set<string>();
  for (const s of d.deletedSets) if (next.sets.has(s.name)) recreated.add(s.name);
  for (const name of d.deletedChains) if (next.chains.has(name)) recreated.add(name);
  if (recreated.size > 0) {
    const touched = new Set([...d.addedChains, ...d.changedChains].map((c) => c.name));
    for (const c of next.chains.values()) {
      if (!touched.has(c.name) && c.rules.some((r) => references(r, recreated))) d.changedChains.push(c);
    }
    for (const s of next.sets.values()) {
      if (d.addedSets.includes(s)) continue;
      for (const [k, el] of s.elements) {
        if (el.value === undefined || !references(el.value, recreated)) continue;
        const del = d.deleteElements.get(s.name) ?? [];
        const add = d.addElements.get(s.name) ?? [];
        if (!del.includes(k)) {
          del.push(k);
          add.push([k, el]);
        }
        d.deleteElements.set(s.name, del);
        d.addElements.set(s.name, add);
      }
    }
  }
  return d;
}

/** True when an nft rule or verdict names one of `names` (`@set`, `jump chain`, `goto chain`). */
function references(text: string, names: ReadonlySet<string>): boolean {
  for (const m of text.matchAll(/(?:@|\bjump |\bgoto )(\S+)/g)) if (names.has(m[1] as string)) return true;
  return false;
}

/**
 * Renders an incremental sync: only what the diff holds, in an order the kernel accepts in
 * one transaction: references to what goes away are removed first (elements deleted, chains
 * flushed), then chains and sets are deleted, new ones created, rules and elements added.
 * Returns "" when there is nothing to do.
 */
export function renderNftIncremental(d: NftDiff): string {
  if (isEmptyNftDiff(d)) return '';
  const lines: string[] = [];
  const deletedSetNames = new Set(d.deletedSets.map((s) => s.name));
  for (const [set, keys] of d.deleteElements) {
    if (deletedSetNames.has(set)) continue;
    // "delete element" takes the keys only, for sets and maps alike.
    lines.push(`delete element ${T} ${set} { ${keys.join(', ')} }`);
  }
  for (const c of d.changedChains) lines.push(`flush chain ${T} ${c.name}`);
  for (const name of d.deletedChains) lines.push(`flush chain ${T} ${name}`);
  for (const name of d.deletedChains) lines.push(`delete chain ${T} ${name}`);
  for (const s of d.deletedSets) lines.push(`delete ${s.kind} ${T} ${s.name}`);
  for (const s of d.addedSets) lines.push(`add ${s.kind} ${T} ${s.name} { ${setProperties(s).join('; ')}; }`);
  for (const c of d.addedChains) {
    const props = [c.base ? baseSpec(c.base) : '', c.comment !== undefined ? `comment ${quote(c.comment)};` : ''].filter(Boolean);
    lines.push(`add chain ${T} ${c.name}${props.length > 0 ? ` { ${props.join(' ')} }` : ''}`);
  }
  for (const c of [...d.addedChains, ...d.changedChains]) for (const r of c.rules) lines.push(`add rule ${T} ${c.name} ${r}`);
  for (const [set, els] of d.addElements) {
    lines.push(`add element ${T} ${set} { ${els.map(([k, el]) => element(k, el)).join(', ')} }`);
  }
  return lines.join('\n') + '\n';
}
