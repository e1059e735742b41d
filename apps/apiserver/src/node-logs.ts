// SPDX-License-Identifier: Apache-2.0
import { newStatusError, notFound, type LogChunk } from '@berth/api';
import type { NatsConnection } from '@berth/events';
import { NodeTunnelClient, TunnelRequestError } from '@berth/node-tunnel';
import type { NodeLogSource } from '@berth/registry';

/**
 * Container logs from kubelets over the NATS tunnel: the apiserver never dials a node. The
 * kubelet's failures become the API's errors (NotFound for a container it does not have,
 * ServiceUnavailable for a node that does not answer).
 */
export function natsNodeLogs(nc: NatsConnection): NodeLogSource {
  const tunnel = new NodeTunnelClient(nc);
  return {
    async *logs(node, req, signal): AsyncIterable<LogChunk> {
      try {
        yield* tunnel.logs(node, req, signal);
      } catch (e) {
        if (!(e instanceof TunnelRequestError)) throw e;
        if (e.code === 'NotFound') throw notFound({ resource: 'containers', name: req.container });
        if (e.code === 'Unavailable') throw newStatusError('ServiceUnavailable', `node ${node} did not answer: ${e.message}`);
        throw newStatusError('BadRequest', e.message);
      }
    },
  };
}
