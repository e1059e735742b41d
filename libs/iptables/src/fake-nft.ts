// SPDX-License-Identifier: Apache-2.0
import { NftError, type Nft } from './nft';

/** A chain in FakeNft: its hook declaration ("type nat hook prerouting priority -100; policy accept;") and rules. */
export interface FakeNftChain {
  base?: string;
  comment?: string;
  rules: string[];
}

/** A set or map in FakeNft. */
export interface FakeNftSet {
  kind: 'set' | 'map';
  /** Declaration properties in order: "type …", "flags …", "timeout 60s", "comment …". */
  props: string[];
  /** Key → { value (maps), comment }. */
  elements: Map<string, { value?: string; comment?: string }>;
}

/** One table in FakeNft. */
export interface FakeNftTable {
  comment?: string;
  chains: Map<string, FakeNftChain>;
  sets: Map<string, FakeNftSet>;
}

type Tables = Map<string, FakeNftTable>;

/**
 * FakeNft keeps nftables tables in memory and applies `nft -f` scripts the way the kernel
 * does: a script is one transaction (a failing line leaves every table as it was), and it
 * refuses what the kernel refuses: rules in missing chains, jumps and `@set` references to
 * missing objects, deleting a chain or set that is still referenced, adding a map element
 * whose key exists with another value, deleting an element or object that does not exist.
 *
 * It understands the subset of nft syntax kube-proxy writes, one statement per line:
 * `add|delete|flush table`, `table F T { … }` blocks (sets, maps with `elements = { … }`,
 * chains with a hook line, a comment and one rule per line), `add|flush|delete chain`,
 * `add rule`, `add|flush|delete set|map`, `add|delete element`. Tests read `scripts` (every
 * payload) and the resulting tables.
 */
export class FakeNft implements Nft {
  private tables: Tables = new Map();
  /** Every script applied (or attempted), in order. */
  readonly scripts: string[] = [];
  /** When set, the next apply fails with this message (then it is cleared). */
  failNextApply?: string;

  apply(script: string): Promise<void> {
    this.scripts.push(script);
    if (this.failNextApply) {
      const msg = this.failNextApply;
      delete this.failNextApply;
      return Promise.reject(new NftError(msg, 1, msg));
    }
    try {
      const next = cloneTables(this.tables);
      new ScriptRunner(next).run(script);
      this.tables = next;
      return Promise.resolve();
    } catch (e) {
      const msg = (e as Error).message;
      return Promise.reject(e instanceof NftError ? e : new NftError(`nft -f failed: ${msg}`, 1, msg));
    }
  }

  listTable(family: string, name: string): Promise<string | undefined> {
    const t = this.tables.get(`${family} ${name}`);
    if (!t) return Promise.resolve(undefined);
    const out = [`table ${family} ${name} {`];
    for (const [n, s] of t.sets) {
      out.push(`\t${s.kind} ${n} {`, ...s.props.map((p) => `\t\t${p}`));
      if (s.elements.size > 0) out.push(`\t\telements = { ${[...s.elements].map(([k, e]) => elementText(k, e)).join(', ')} }`);
      out.push('\t}');
    }
    for (const [n, c] of t.chains) {
      out.push(`\tchain ${n} {`);
      if (c.base) out.push(`\t\t${c.base}`);
      for (const r of c.rules) out.push(`\t\t${r}`);
      out.push('\t}');
    }
    out.push('}');
    return Promise.resolve(out.join('\n') + '\n');
  }

  deleteTable(family: string, name: string): Promise<void> {
    return this.apply(`add table ${family} ${name}\ndelete table ${family} ${name}\n`);
  }

  /** The table, or undefined (read-only view for tests). */
  table(family: string, name: string): FakeNftTable | undefined {
    return this.tables.get(`${family} ${name}`);
  }

  /** Names of the tables, as "family name". */
  tableNames(): string[] {
    return [...this.tables.keys()];
  }
}

function elementText(k: string, e: { value?: string; comment?: string }): string {
  return `${k}${e.comment !== undefined ? ` comment "${e.comment}"` : ''}${e.value !== undefined ? ` : ${e.value}` : ''}`;
}

function cloneTables(t: Tables): Tables {
  const out: Tables = new Map();
  for (const [k, v] of t) {
    out.set(k, {
      ...(v.comment !== undefined ? { comment: v.comment } : {}),
      chains: new Map([...v.chains].map(([n, c]) => [n, { ...c, rules: [...c.rules] }])),
      sets: new Map([...v.sets].map(([n, s]) => [n, { kind: s.kind, props: [...s.props], elements: new Map(s.elements) }])),
    });
  }
  return out;
}

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ');

/** Splits on `sep` outside double quotes and braces. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '\\') {
        cur += c + (text[++i] ?? '');
        continue;
      }
      if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === sep && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map(norm).filter(Boolean);
}

/** "KEY [comment "C"] [: VALUE]". */
function parseElement(text: string): [string, { value?: string; comment?: string }] {
  const m = /^(.*?)(?: comment "((?:[^"\\]|\\.)*)")?(?: : (.*))?$/.exec(norm(text));
  if (!m || !m[1]) throw new NftError(`syntax error in element: ${text}`, 1, text);
  return [m[1], { ...(m[3] !== undefined ? { value: m[3] } : {}), ...(m[2] !== undefined ? { comment: m[2] } : {}) }];
}

/** The inside of "{ … }" at the end of `text`, and what comes before it. */
function braced(text: string): { head: string; body: string | undefined } {
  const open = text.indexOf('{');
  if (open < 0) return { head: norm(text), body: undefined };
  const close = text.lastIndexOf('}');
  if (close < open) throw new NftError(`unbalanced braces: ${text}`, 1, text);
  return { head: norm(text.slice(0, open)), body: text.slice(open + 1, close) };
}

function references(rule: string): { chains: string[]; sets: string[] } {
  const chains = [...rule.matchAll(/\b(?:jump|goto) (\S+)/g)].map((m) => m[1] as string);
  const sets = [...rule.matchAll(/@(\S+)/g)].map((m) => m[1] as string);
  return { chains, sets };
}

class ScriptRunner {
  private lineNo = 0;

  constructor(private readonly tables: Tables) {}

  run(script: string): void {
    const lines = script.split('\n');
    for (let i = 0; i < lines.length; i++) {
      this.lineNo = i + 1;
      const line = (lines[i] as string).trim();
      if (!line || line.startsWith('#')) continue;
      if (/^table \S+ \S+ \{$/.test(line)) {
        // A block runs to its closing "}" alone on a line.
        const end = lines.findIndex((l, j) => j > i && l === '}');
        if (end < 0) this.fail('table block without its closing brace');
        this.block(line.split(' ')[1] as string, line.split(' ')[2] as string, lines.slice(i + 1, end), i + 1);
        i = end;
        continue;
      }
      this.command(line);
    }
  }

  private fail(msg: string): never {
    throw new NftError(`line ${this.lineNo}: ${msg}`, 1, msg);
  }

  private table(family: string, name: string): FakeNftTable {
    const t = this.tables.get(`${family} ${name}`);
    if (!t) this.fail(`No such file or directory: table ${family} ${name}`);
    return t;
  }

  private addTable(family: string, name: string): FakeNftTable {
    let t = this.tables.get(`${family} ${name}`);
    if (!t) this.tables.set(`${family} ${name}`, (t = { chains: new Map(), sets: new Map() }));
    return t;
  }

  private block(family: string, name: string, lines: string[], offset: number): void {
    const t = this.addTable(family, name);
    const pendingElements: Array<[string, string, number]> = [];
    const pendingRules: Array<[string, string[], number]> = [];
    for (let i = 0; i < lines.length; i++) {
      this.lineNo = offset + i + 1;
      const line = (lines[i] as string).trim();
      if (!line) continue;
      let m: RegExpExecArray | null;
      if ((m = /^comment "(.*)"$/.exec(line))) {
        t.comment = m[1] as string;
      } else if ((m = /^(set|map) (\S+) \{$/.exec(line))) {
        const props: string[] = [];
        let elements: string | undefined;
        for (i++; i < lines.length && (lines[i] as string).trim() !== '}'; i++) {
          const p = (lines[i] as string).trim();
          if (p.startsWith('elements = {')) {
            let text = p;
            while (!balanced(text) && i + 1 < lines.length) text += ' ' + (lines[++i] as string).trim();
            elements = braced(text.slice('elements ='.length)).body ?? '';
          } else props.push(norm(p));
        }
        this.addSet(t, m[1] as 'set' | 'map', m[2] as string, props);
        // Elements may name chains declared further down the block: add them after it.
        if (elements !== undefined) pendingElements.push([m[2] as string, elements, this.lineNo]);
      } else if ((m = /^chain (\S+) \{$/.exec(line))) {
        const chainName = m[1] as string;
        let base: string | undefined;
        let comment: string | undefined;
        const rules: string[] = [];
        for (i++; i < lines.length && (lines[i] as string).trim() !== '}'; i++) {
          this.lineNo = offset + i + 1;
          const r = norm(lines[i] as string);
          if (r.startsWith('type ')) base = r;
          else if (r.startsWith('comment ')) comment = r.slice('comment '.length).replace(/^"|"$/g, '');
          else rules.push(r);
        }
        this.addChain(t, chainName, base, comment);
        // Rules may jump to chains declared further down the block: add them after it.
        pendingRules.push([chainName, rules, this.lineNo]);
      } else this.fail(`unsupported statement in table block: ${line}`);
    }
    for (const [set, elements, at] of pendingElements) {
      this.lineNo = at;
      this.addElements(t, set, elements);
    }
    for (const [chain, rules, at] of pendingRules) {
      this.lineNo = at;
      for (const r of rules) this.addRule(t, chain, r);
    }
  }

  private command(line: string): void {
    const words = line.split(/\s+/);
    const [verb, what, family, name, obj] = words;
    if (!verb || !what || !family || !name) this.fail(`syntax error: ${line}`);
    const key = `${verb} ${what}`;
    switch (key) {
      case 'add table':
        this.addTable(family, name);
        return;
      case 'delete table':
        this.table(family, name);
        this.tables.delete(`${family} ${name}`);
        return;
      case 'flush table':
        for (const c of this.table(family, name).chains.values()) c.rules = [];
        return;
    }
    const t = this.table(family, name);
    if (!obj) this.fail(`syntax error: ${line}`);
    const rest = line.slice(line.indexOf(obj) + obj.length).trim();
    switch (key) {
      case 'add chain': {
        const { body } = braced(rest);
        let base: string | undefined;
        let comment: string | undefined;
        for (const part of body === undefined ? [] : splitDecl(body)) {
          if (part.startsWith('comment ')) comment = part.slice('comment '.length).replace(/^"|"$/g, '');
          else base = (base ? base + ' ' : '') + part + ';';
        }
        this.addChain(t, obj, base, comment);
        return;
      }
      case 'flush chain':
        this.chain(t, obj).rules = [];
        return;
      case 'delete chain': {
        this.chain(t, obj);
        for (const [n, c] of t.chains) {
          if (n !== obj && c.rules.some((r) => references(r).chains.includes(obj))) this.fail(`Device or resource busy: chain ${obj} is used by ${n}`);
        }
        for (const [n, s] of t.sets) {
          for (const e of s.elements.values()) {
            if (e.value !== undefined && references(e.value).chains.includes(obj)) this.fail(`Device or resource busy: chain ${obj} is used by map ${n}`);
          }
        }
        t.chains.delete(obj);
        return;
      }
      case 'add rule':
        this.addRule(t, obj, norm(rest));
        return;
      case 'add set':
      case 'add map':
        this.addSet(t, what as 'set' | 'map', obj, splitDecl(braced(rest).body ?? ''));
        return;
      case 'flush set':
      case 'flush map':
        this.set(t, obj).elements.clear();
        return;
      case 'delete set':
      case 'delete map': {
        this.set(t, obj);
        for (const [n, c] of t.chains) if (c.rules.some((r) => references(r).sets.includes(obj))) this.fail(`Device or resource busy: set ${obj} is used by ${n}`);
        t.sets.delete(obj);
        return;
      }
      case 'add element':
        this.addElements(t, obj, braced(rest).body ?? '');
        return;
      case 'delete element': {
        const s = this.set(t, obj);
        for (const item of splitTop(braced(rest).body ?? '', ',')) {
          const [k] = parseElement(item);
          if (!s.elements.delete(k)) this.fail(`No such file or directory: element ${k} in ${obj}`);
        }
        return;
      }
      default:
        this.fail(`unsupported command: ${line}`);
    }
  }

  private chain(t: FakeNftTable, name: string): FakeNftChain {
    const c = t.chains.get(name);
    if (!c) this.fail(`No such file or directory: chain ${name}`);
    return c;
  }

  private set(t: FakeNftTable, name: string): FakeNftSet {
    const s = t.sets.get(name);
    if (!s) this.fail(`No such file or directory: set ${name}`);
    return s;
  }

  private addChain(t: FakeNftTable, name: string, base: string | undefined, comment: string | undefined): void {
    const old = t.chains.get(name);
    if (old) {
      if (base !== undefined && old.base !== base) this.fail(`File exists: chain ${name} has another hook (${old.base ?? 'none'})`);
      return;
    }
    t.chains.set(name, { ...(base !== undefined ? { base } : {}), ...(comment !== undefined ? { comment } : {}), rules: [] });
  }

  private addRule(t: FakeNftTable, chain: string, rule: string): void {
    const c = this.chain(t, chain);
    const refs = references(rule);
    for (const r of refs.chains) this.chain(t, r);
    for (const s of refs.sets) this.set(t, s);
    c.rules.push(rule);
  }

  private addSet(t: FakeNftTable, kind: 'set' | 'map', name: string, props: string[]): void {
    const old = t.sets.get(name);
    if (old) {
      if (old.kind !== kind || old.props.join(';') !== props.join(';')) this.fail(`File exists: ${kind} ${name} is declared differently`);
      return;
    }
    t.sets.set(name, { kind, props, elements: new Map() });
  }

  private addElements(t: FakeNftTable, name: string, body: string): void {
    const s = this.set(t, name);
    for (const item of splitTop(body, ',')) {
      const [k, e] = parseElement(item);
      if ((s.kind === 'map') !== (e.value !== undefined)) this.fail(`element ${item} does not fit ${s.kind} ${name}`);
      if (e.value !== undefined) for (const c of references(e.value).chains) this.chain(t, c);
      const old = s.elements.get(k);
      if (old && old.value !== e.value) this.fail(`File exists: element ${k} in ${name}`);
      s.elements.set(k, e);
    }
  }
}

/** Properties of a declaration body ("type …; flags …; timeout 60s;"). */
function splitDecl(body: string): string[] {
  return splitTop(body, ';');
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
  return depth === 0;
}
