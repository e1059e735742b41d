// SPDX-License-Identifier: Apache-2.0
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';

export type { NatsConnection };

/**
 * The connect options of a NATS URL: credentials in it (nats://user:password@host:port,
 * how each node gets its own user) become user/pass, since the client does not read them.
 */
export function natsConnectOptions(url: string, name: string): ConnectionOptions {
  // noAsyncTraces: without it every request (each JetStream publish of an event) captures a
  // stack trace for errors that almost never come; that was ~2% of a busy scheduler.
  const opts: ConnectionOptions = { servers: url, name, maxReconnectAttempts: -1, noAsyncTraces: true };
  const m = /^(nats|tls):\/\/([^:@/]*):([^@/]*)@(.+)$/.exec(url);
  if (m) {
    opts.servers = `${m[1]}://${m[4]}`;
    opts.user = decodeURIComponent(m[2] ?? '');
    opts.pass = decodeURIComponent(m[3] ?? '');
  }
  return opts;
}

/** Connects to NATS for events, reconnecting forever: events must survive NATS restarts. */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect(natsConnectOptions(url, name));
}
