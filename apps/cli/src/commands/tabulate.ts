// SPDX-License-Identifier: Apache-2.0

/**
 * Aligns rows in columns as Go's tabwriter does for kubectl: each column is as wide as
 * its widest cell plus `padding`, at least `minWidth`; the last column is not padded.
 */
export function tabulate(rows: string[][], opts: { padding?: number; minWidth?: number } = {}): string {
  const padding = opts.padding ?? 3;
  const minWidth = opts.minWidth ?? 0;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, cell.length + padding, minWidth);
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('') + '\n').join('');
}
