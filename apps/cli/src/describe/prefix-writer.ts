// SPDX-License-Identifier: Apache-2.0
import { TabWriter } from './tabwriter';

/** Indentation levels of kubectl's PrefixWriter: each adds two spaces. */
export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;
export const LEVEL_4 = 4;

/**
 * kubectl's escaping of describe output (printers.WriteEscaped): the terminal escape
 * character and carriage returns in object content are shown, not interpreted.
 */
export function escapeTerminal(s: string): string {
  return s.replace(/\x1b/g, '^[').replace(/\r/g, '\\r');
}

/**
 * kubectl's PrefixWriter: text at an indentation level (the prefix goes before the text,
 * not before every line of it), tab-aligned when the describer finishes.
 */
export class PrefixWriter {
  readonly #tw: TabWriter;
  readonly #indent: number;

  constructor(tw: TabWriter = new TabWriter(), indent = 0) {
    this.#tw = tw;
    this.#indent = indent;
  }

  /** Writes text prefixed with two spaces per level. */
  write(level: number, text: string): void {
    this.#tw.write(escapeTerminal('  '.repeat(level + this.#indent) + text));
  }

  /** Writes text and a newline without indentation (Go's fmt.Sprintln of one value). */
  writeLine(text = ''): void {
    if (this.#indent > 0) this.write(0, `${text}\n`);
    else this.#tw.write(escapeTerminal(`${text}\n`));
  }

  /** Aligns what was written so far on its own (kubectl flushes before the events table). */
  flush(): void {
    this.#tw.flush();
  }

  /** A writer whose levels start `indent` deeper (kubectl's NewNestedPrefixWriter). */
  nested(indent: number): PrefixWriter {
    return new PrefixWriter(this.#tw, this.#indent + indent);
  }

  /** The aligned output. */
  toString(): string {
    return this.#tw.toString();
  }
}

/** Runs a describer body against a fresh writer and returns the aligned text (kubectl's tabbedString). */
export async function tabbedString(body: (w: PrefixWriter) => void | Promise<void>): Promise<string> {
  const w = new PrefixWriter();
  await body(w);
  return w.toString();
}
