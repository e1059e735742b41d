// SPDX-License-Identifier: Apache-2.0
/**
 * A port of Go's text/tabwriter as kubectl describe configures it (minwidth 0, tabwidth 8,
 * padding 2, padchar ' ', no flags). Cells are tab-terminated; a column's width is decided
 * per block of consecutive lines that have a cell in that column, which is why describe's
 * `Labels:` continuation lines align with `Name:` but a line without a tab starts afresh.
 */

const PADDING = 2;

interface Cell {
  text: string;
  width: number;
}

/** Runes, not UTF-16 units, as Go's utf8.RuneCount counts them. */
function runeWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Buffers text and aligns its tab-separated cells on flush, like Go's tabwriter.Writer. */
export class TabWriter {
  #pending = '';
  #out = '';

  /** Appends text; it is aligned when flushed. */
  write(text: string): void {
    this.#pending += text;
  }

  /** Aligns everything written since the last flush (Go's Flush). */
  flush(): void {
    if (this.#pending.length === 0) return;
    this.#out += formatCells(this.#pending);
    this.#pending = '';
  }

  /** Flushes and returns all the aligned output. */
  toString(): string {
    this.flush();
    return this.#out;
  }
}

/** Aligns a whole text at once. */
export function tabAlign(text: string): string {
  return formatCells(text);
}

function formatCells(text: string): string {
  // Split into lines of cells; every cell but the last of a line was tab-terminated.
  const rawLines = text.split('\n');
  const lines: Cell[][] = rawLines.map((l) => l.split('\t').map((t) => ({ text: t, width: runeWidth(t) })));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] as Cell[];
      let s = '';
      line.forEach((c, j) => {
        s += c.text;
        const w = widths[j];
        // Only terminated cells (all but the last) are padded to their column width.
        if (j < line.length - 1 && w !== undefined) s += ' '.repeat(Math.max(0, w - c.width));
      });
      out.push(s);
    }
  };

  const format = (line0In: number, line1: number): void => {
    let line0 = line0In;
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      const line = lines[t] as Cell[];
      if (column >= line.length - 1) continue;
      // A cell exists in this column: print the lines before the block, then size the block.
      writeLines(line0, t);
      line0 = t;
      let width = 0;
      for (; t < line1; t++) {
        const l = lines[t] as Cell[];
        if (column >= l.length - 1) break;
        const w = (l[column] as Cell).width + PADDING;
        if (w > width) width = w;
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
      // The outer loop's t++ would skip line t, which did not have this column: step back.
      t--;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
