// SPDX-License-Identifier: Apache-2.0
import * as dnsPacket from 'dns-packet';
import type { Answer, OptAnswer, Packet } from 'dns-packet';

/** The classic UDP limit: without EDNS a response must fit in 512 bytes (RFC 1035 §4.2.1). */
export const UDP_MIN_PAYLOAD = 512;
/** The largest UDP response sent even when a client advertises more (the DNS Flag Day 2020 size). */
export const UDP_MAX_PAYLOAD = 1232;

/** The client's EDNS(0) OPT record, if its query carried one. */
export function queryOpt(query: Packet): OptAnswer | undefined {
  return query.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
}

/** How large a UDP response to this query may be: 512, or the EDNS buffer size up to 1232. */
export function udpLimit(query: Packet): number {
  const opt = queryOpt(query);
  if (!opt) return UDP_MIN_PAYLOAD;
  return Math.max(UDP_MIN_PAYLOAD, Math.min(UDP_MAX_PAYLOAD, opt.udpPayloadSize || UDP_MIN_PAYLOAD));
}

/**
 * Encodes a response. With `limit` (UDP), a response that does not fit loses its additional
 * section first (optional data: no TC needed); if it still does not fit, it is sent with
 * the TC bit and the question only, and the client retries over TCP. A query with EDNS gets
 * an OPT record back (RFC 6891).
 */
export function encodeResponse(response: Packet, query: Packet, limit?: number): { bytes: Buffer; truncated: boolean } {
  const withOpt = (p: Packet): Packet => {
    if (!queryOpt(query)) return p;
    const opt = { type: 'OPT', name: '.', udpPayloadSize: UDP_MAX_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as OptAnswer;
    return { ...p, additionals: [...(p.additionals ?? []), opt as Answer] };
  };
  const full = dnsPacket.encode(withOpt(response));
  if (limit === undefined || full.length <= limit) return { bytes: full, truncated: false };
  const noExtra = dnsPacket.encode(withOpt({ ...response, additionals: [] }));
  if (noExtra.length <= limit) return { bytes: noExtra, truncated: false };
  const tc = withOpt({ ...response, flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
  return { bytes: dnsPacket.encode(tc), truncated: true };
}

/** A minimal response with `rcode` for a query that could not be decoded (needs its 12-byte header). */
export function errorForUndecodable(bytes: Buffer, rcode: number): Buffer | undefined {
  if (bytes.length < 12) return undefined;
  const out = Buffer.alloc(12);
  bytes.copy(out, 0, 0, 2);
  // QR=1, opcode copied, RD copied, rcode.
  out.writeUInt16BE(0x8000 | (bytes.readUInt16BE(2) & 0x7900) | rcode, 2);
  return out;
}

/** The rcode of an encoded response (for metrics of forwarded answers). */
export function rcodeOf(bytes: Buffer): number {
  return bytes.length >= 4 ? (bytes[3] ?? 0) & 0xf : 2;
}

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** NOERROR, NXDOMAIN, ... for metrics labels. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE_${rcode}`;
}
