// SPDX-License-Identifier: Apache-2.0
import { connect, type NatsConnection } from 'nats';

export type { NatsConnection };

/** Connects to NATS for events, reconnecting forever: events must survive NATS restarts. */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1 });
}
