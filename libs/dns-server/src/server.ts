// SPDX-License-Identifier: Apache-2.0
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { DEFAULT_TTL, RCODE, resolveQuery, type AnswerOptions } from './answer';
import type { ClusterRecords } from './cluster-records';
import { createForwarder, type Forwarder } from './forwarder';
import { encodeResponse, errorForUndecodable, rcodeName, rcodeOf, udpLimit } from './wire';

/** What the server reports about every query it answered (for metrics and logs). */
export interface QueryEvent {
  /** The question's type (A, SRV, ...), or 'unknown' for queries that did not decode. */
  type: string;
  /** NOERROR, NXDOMAIN, REFUSED, SERVFAIL, ... */
  rcode: string;
  transport: 'udp' | 'tcp';
  /** Answered by an upstream resolver. */
  forwarded: boolean;
  /** Sent with the TC bit (the client should retry over TCP). */
  truncated: boolean;
  /** From receiving the query to handing the response to the socket. */
  seconds: number;
}

export interface DnsServerOptions {
  records: ClusterRecords;
  /** Cluster domain, default cluster.local. */
  zone?: string;
  /** Record TTL in seconds, default 5. */
  ttl?: number;
  /** Listen address, default 0.0.0.0. */
  host?: string;
  /** UDP and TCP port (53 in the cluster; 0 = any free port, the same for both). */
  port: number;
  /** Resolvers for names outside the zone ("host:port"); none → such names are REFUSED. */
  upstreams?: string[];
  forwardTimeoutMs?: number;
  onQuery?: (e: QueryEvent) => void;
  /** Called with errors that were answered with SERVFAIL. */
  onError?: (err: unknown) => void;
}

/** A running DNS server. */
export interface DnsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves cluster DNS over UDP and TCP on one port: queries are answered by resolveQuery from
 * `records`, or forwarded upstream. UDP responses that do not fit (512 bytes, or the
 * client's EDNS size up to 1232) are truncated with the TC bit; TCP takes any size and
 * several queries per connection (idle connections close after 10 s). Encoded answers are
 * cached by query bytes until the records change.
 */
export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = opts.host ?? '0.0.0.0';
  const upstreams = opts.upstreams ?? [];
  const answerOpts: AnswerOptions = { zone: (opts.zone ?? 'cluster.local').replace(/^\.+|\.+$/g, ''), ttl: opts.ttl ?? DEFAULT_TTL, canForward: upstreams.length > 0 };
  const forwarder: Forwarder | undefined = upstreams.length > 0 ? createForwarder({ upstreams, timeoutMs: opts.forwardTimeoutMs }) : undefined;
  const report = (start: bigint, type: string, rcode: number, transport: 'udp' | 'tcp', forwarded: boolean, truncated: boolean): void => {
    opts.onQuery?.({ type, rcode: rcodeName(rcode), transport, forwarded, truncated, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
  };

  // Answers by query bytes (without the id) and transport, valid for one records generation:
  // identical questions get identical answers until the records change, and most traffic is
  // the same few names asked again and again.
  const cache = new Map<string, CachedAnswer>();
  let cacheGeneration = -1;

  /** Handles one query; calls `send` once (or not at all for garbage). */
  const handle = (bytes: Buffer, transport: 'udp' | 'tcp', send: (b: Buffer) => void): void => {
    const start = process.hrtime.bigint();
    if (cacheGeneration !== opts.records.generation) {
      cache.clear();
      cacheGeneration = opts.records.generation;
    }
    const cacheKey = bytes.length >= 12 ? transport + bytes.toString('latin1', 2) : '';
    const hit = cacheKey ? cache.get(cacheKey) : undefined;
    if (hit) {
      const out = Buffer.from(hit.bytes);
      bytes.copy(out, 0, 0, 2);
      send(out);
      report(start, hit.type, hit.rcode, transport, false, hit.truncated);
      return;
    }
    let query: Packet;
    try {
      query = dnsPacket.decode(bytes);
    } catch {
      const err = errorForUndecodable(bytes, RCODE.FORMERR);
      if (err) {
        send(err);
        report(start, 'unknown', RCODE.FORMERR, transport, false, false);
      }
      return;
    }
    if (query.type === 'response') return;
    const qtype = query.questions?.[0]?.type ?? 'unknown';
    let res;
    try {
      res = resolveQuery(query, opts.records, answerOpts);
    } catch (err) {
      opts.onError?.(err);
      const fail = errorForUndecodable(bytes, RCODE.SERVFAIL);
      if (fail) send(fail);
      report(start, qtype, RCODE.SERVFAIL, transport, false, false);
      return;
    }
    if (res.kind === 'response') {
      const { bytes: out, truncated } = encodeResponse(res.response, query, transport === 'udp' ? udpLimit(query) : undefined);
      if (cacheKey) {
        if (cache.size >= ANSWER_CACHE_SIZE) cache.clear();
        cache.set(cacheKey, { bytes: out, type: qtype, rcode: res.rcode, truncated });
      }
      send(out);
      report(start, qtype, res.rcode, transport, false, truncated);
      return;
    }
    void (forwarder as Forwarder).forward(bytes, transport).then((answer) => {
      const out = answer ?? errorForUndecodable(bytes, RCODE.SERVFAIL);
      if (out) send(out);
      report(start, qtype, answer ? rcodeOf(answer) : RCODE.SERVFAIL, transport, true, false);
    });
  };

  // Bind TCP first (port 0 picks one), then UDP on the same number.
  const tcp: Server = createServer((sock) => serveTcp(sock, handle));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(opts.port, host, () => resolve());
  });
  const addr = tcp.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const udp: UdpSocket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  udp.on('message', (msg, rinfo) => handle(msg, 'udp', (b) => udp.send(b, rinfo.port, rinfo.address)));
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, host, () => resolve());
    });
  } catch (err) {
    tcp.close();
    throw err;
  }
  udp.on('error', (err) => opts.onError?.(err));
  return {
    host,
    port,
    close: async () => {
      forwarder?.close();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

const TCP_IDLE_MS = 10_000;
/** Encoded answers kept per records generation (about 1 KiB each at most). */
const ANSWER_CACHE_SIZE = 10_000;

interface CachedAnswer {
  bytes: Buffer;
  type: string;
  rcode: number;
  truncated: boolean;
}

/** Reads length-prefixed queries from one TCP connection and writes length-prefixed answers. */
function serveTcp(sock: Socket, handle: (bytes: Buffer, transport: 'tcp', send: (b: Buffer) => void) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      handle(msg, 'tcp', (out) => {
        if (sock.destroyed) return;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(out.length);
        sock.write(Buffer.concat([prefix, out]));
      });
    }
  });
}
