// SPDX-License-Identifier: Apache-2.0
import { describe } from 'node:test';
import { buildRules } from './build-rules';
import { traceContract } from './trace.contract';
import { tracePacket, tracePacketAll } from './trace-packet';

describe('tracePacket', () => {
  traceContract({
    build: buildRules,
    trace: (rs, packet, { affinity, ...opts } = {}) => tracePacket(rs, packet, { ...opts, ...(affinity ? { recent: affinity } : {}) }),
    traceAll: tracePacketAll,
    chains: {
      // "nat:KUBE-SVC-XPGD46QRK7WJZT7O" → "nat:KUBE-SVC".
      kind: (chain) => chain.split('-').slice(0, 2).join('-'),
      podToClusterIP: ['nat:KUBE-SERVICES', 'nat:KUBE-SVC', 'nat:KUBE-SEP'],
      // One walk for every origin: nat KUBE-SERVICES hangs off both PREROUTING and OUTPUT.
      fromNode: 'nat:KUBE-SERVICES',
      nodePort: (chain) => chain === 'nat:KUBE-NODEPORTS',
    },
  });
});
