// SPDX-License-Identifier: Apache-2.0
import { internalError, newStatusError, type NodeStats } from '@berth/api';
import type { NatsConnection } from '@berth/events';
import { NodeTunnelClient, TunnelRequestError } from '@berth/node-tunnel';
import type { NodeStatsSource } from '@berth/registry';

/**
 * Nodes' resource usage from their kubelets over the NATS tunnel, beside logs and exec: one
 * request and reply per node. A node whose kubelet is not connected, or does not answer
 * within `timeoutMs` (default 5 s), is ServiceUnavailable.
 */
export function natsNodeStats(nc: NatsConnection, opts: { timeoutMs?: number } = {}): NodeStatsSource {
  const tunnel = new NodeTunnelClient(nc, { readyTimeoutMs: opts.timeoutMs ?? 5000 });
  return {
    async stats(node): Promise<NodeStats> {
      try {
        return await tunnel.stats(node);
      } catch (e) {
        if (!(e instanceof TunnelRequestError)) throw e;
        if (e.code === 'Unavailable') throw newStatusError('ServiceUnavailable', `node ${node} did not answer: ${e.message}`);
        throw internalError(`unable to read the resource usage of node ${node}: ${e.message}`);
      }
    },
  };
}
