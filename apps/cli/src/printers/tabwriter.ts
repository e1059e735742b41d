// SPDX-License-Identifier: Apache-2.0

// kubectl's tabwriter settings (k8s.io/cli-runtime/pkg/printers/tabwriter.go).
const MIN_WIDTH = 6;
const PADDING = 3;

/** Display width of a cell: Go's tabwriter counts UTF-8 runes, not bytes or UTF-16 units. */
function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Go's text/tabwriter as kubectl configures it (minwidth 6, padding 3, pad char ' '):
 * every cell but the last of a line is padded to its column's width, which is the widest
 * cell of the column's block plus 3, and at least 6. The last cell of a line is not part
 * of any column and is written as is. Each row ends with a newline.
 */
export function formatTable(rows: string[][]): string {
  const lines = rows.map((r) => (r.length === 0 ? [''] : r));
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i] as string[];
      let text = '';
      for (let j = 0; j < line.length; j++) {
        const cell = line[j] as string;
        text += cell;
        // Only tab-terminated cells (all but the last) belong to a column.
        if (j < widths.length && j < line.length - 1) text += ' '.repeat(Math.max(0, (widths[j] as number) - runeCount(cell)));
      }
      out.push(text + '\n');
    }
  };

  // The column-block recursion of Go's (*Writer).format: a column block is a run of
  // consecutive lines that all have a tab-terminated cell in that column.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= (lines[cur] as string[]).length - 1) continue;
      writeLines(start, cur);
      start = cur;
      let width = MIN_WIDTH;
      for (; cur < line1; cur++) {
        const line = lines[cur] as string[];
        if (column >= line.length - 1) break;
        const w = runeCount(line[column] as string) + PADDING;
        if (w > width) width = w;
      }
      widths.push(width);
      format(start, cur);
      widths.pop();
      start = cur;
      cur--; // the outer loop's increment re-examines the line that ended the block
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('');
}
