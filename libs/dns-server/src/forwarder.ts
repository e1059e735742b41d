// SPDX-License-Identifier: Apache-2.0
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import { isIPv6 } from 'node:net';
import { parseHostPort } from './resolv-conf';

/** Sends a query to upstream resolvers and returns their raw answer. */
export interface Forwarder {
  /** The upstream's response with the client's id, or undefined when every upstream failed. */
  forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined>;
  close(): void;
}

export interface ForwarderOptions {
  /** "host:port" (port 53 when absent), tried in order. */
  upstreams: string[];
  /** Per upstream attempt; default 2000 ms. */
  timeoutMs?: number;
}

/**
 * Forwards queries for names outside the cluster domain, as CoreDNS' `forward . /etc/resolv.conf`:
 * UDP queries over one shared UDP socket per address family (a fresh random id per
 * attempt, so answers are matched to the query they belong to and the client's id is put
 * back), TCP queries over a new TCP connection; the next upstream is tried after a timeout.
 */
export function createForwarder(opts: ForwarderOptions): Forwarder {
  const upstreams = opts.upstreams.map((u) => parseHostPort(u));
  const timeoutMs = opts.timeoutMs ?? 2000;
  const pending = new Map<number, (b: Buffer) => void>();
  const sockets = new Map<'udp4' | 'udp6', UdpSocket>();
  const socketFor = (family: 'udp4' | 'udp6'): UdpSocket => {
    let s = sockets.get(family);
    if (!s) {
      s = createSocket(family);
      s.on('message', (msg) => {
        if (msg.length < 12) return;
        const cb = pending.get(msg.readUInt16BE(0));
        cb?.(msg);
      });
      s.on('error', () => {});
      s.unref();
      sockets.set(family, s);
    }
    return s;
  };
  const freshId = (): number => {
    for (;;) {
      const id = Math.floor(Math.random() * 65536);
      if (!pending.has(id)) return id;
    }
  };

  const viaUdp = (query: Buffer, host: string, port: number): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const id = freshId();
      const out = Buffer.from(query);
      out.writeUInt16BE(id, 0);
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, timeoutMs);
      pending.set(id, (msg) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(msg);
      });
      socketFor(isIPv6(host) ? 'udp6' : 'udp4').send(out, port, host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        pending.delete(id);
        resolve(undefined);
      });
    });

  const viaTcp = (query: Buffer, host: string, port: number): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const sock = connect({ host, port });
      let buf: Buffer = Buffer.alloc(0);
      const done = (b: Buffer | undefined): void => {
        clearTimeout(timer);
        sock.destroy();
        resolve(b);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      sock.on('error', () => done(undefined));
      sock.on('close', () => done(undefined));
    });

  return {
    async forward(query, transport) {
      const clientId = query.readUInt16BE(0);
      for (const u of upstreams) {
        const answer = transport === 'udp' ? await viaUdp(query, u.host, u.port) : await viaTcp(query, u.host, u.port);
        if (!answer) continue;
        const out = Buffer.from(answer);
        out.writeUInt16BE(clientId, 0);
        return out;
      }
      return undefined;
    },
    close() {
      for (const s of sockets.values()) s.close();
      sockets.clear();
    },
  };
}
