// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';

/**
 * The `nameserver` addresses of a resolv.conf, as "host:53" (IPv6 as "[addr]:53").
 * Pure: pass the file's text.
 */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)/.exec(line);
    if (!m?.[1]) continue;
    const addr = m[1].replace(/%.*$/, '');
    out.push(addr.includes(':') ? `[${addr}]:53` : `${addr}:53`);
  }
  return out;
}

/** The upstream resolvers of this host (/etc/resolv.conf by default); [] when it cannot be read. */
export function hostUpstreams(path = '/etc/resolv.conf'): string[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

/** Splits "host:port", "[v6]:port" or a bare host (port 53). */
export function parseHostPort(s: string, defaultPort = 53): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1] ?? '', port: v6[2] ? Number(v6[2]) : defaultPort };
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  if (m) return { host: m[1] ?? '', port: m[2] ? Number(m[2]) : defaultPort };
  return { host: s, port: defaultPort };
}
