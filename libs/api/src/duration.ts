// SPDX-License-Identifier: Apache-2.0

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go duration as Kubernetes flags and metav1.Duration write them ('300s', '5m', '1m30s',
 * '500ms', '0'), in milliseconds; undefined when `text` is not one.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return total;
}
