// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILD_OPTIONS, slice, svc } from '../test-fixtures';
import { traceContract } from '../trace.contract';
import { buildNftRuleset } from './build';
import { NFT } from './model';
import { traceNft, traceNftAll } from './trace';

describe('traceNft', () => {
  traceContract({
    build: buildNftRuleset,
    trace: traceNft,
    traceAll: traceNftAll,
    chains: {
      kind: (chain) => chain,
      podToClusterIP: ['nat-prerouting', 'services', 'endpoints-tcp-3'],
      fromNode: 'filter-output',
      nodePort: (chain) => chain.startsWith('external-'),
    },
  });

  test('hairpin entries only for endpoints on this node (and those of no known node)', () => {
    const state = {
      services: [svc('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080 }] })],
      endpointSlices: [
        slice('web', [{ name: 'http', port: 8080 }], [
          { ip: '10.244.1.11', nodeName: 'node-1' },
          { ip: '10.244.2.12', nodeName: 'node-2' },
        ]),
      ],
    };
    const onNode1 = buildNftRuleset(state, { ...BUILD_OPTIONS, nodeName: 'node-1' });
    assert.deepEqual([...(onNode1.sets.get(NFT.hairpin)?.elements.keys() ?? [])], ['10.244.1.11 . 10.244.1.11']);
    const self = traceNft(onNode1, { src: '10.244.1.11', dst: '10.96.0.10', dport: 80, proto: 'tcp' }, { random: () => 0 });
    assert.equal(self.dnatTo, '10.244.1.11:8080');
    assert.equal(self.masquerade, true);
    const everyNode = buildNftRuleset(state, BUILD_OPTIONS);
    assert.equal(everyNode.sets.get(NFT.hairpin)?.elements.size, 2);
  });
});
