// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContract, GOLDEN_CASES, goldenTests, HAIRPIN_STATE, HEADLESS_STATE, TERMINATING_STATE, type BuildMode } from '../build.contract';
import { nftGolden } from '../golden.fixture';
import { BUILD_OPTIONS, slice, svc } from '../test-fixtures';
import { buildNftRuleset } from './build';
import { NFT } from './model';
import { renderNftFull } from './render';

const mode: BuildMode = { render: (state, o) => renderNftFull(buildNftRuleset(state, o)), golden: nftGolden };

describe('buildNftRuleset golden files (full transaction)', () => {
  goldenTests(mode, [
    ...GOLDEN_CASES,
    {
      name: 'hairpin-masquerade-all',
      title: 'hairpin masquerade, masquerade-all and localhost node ports',
      state: HAIRPIN_STATE,
      options: { masqueradeAll: true, localhostNodePorts: true, randomFully: false },
    },
    {
      name: 'terminating',
      title: 'terminating endpoints: used only when nothing is ready; not-ready ones never',
      state: {
        services: [...TERMINATING_STATE.services, svc('web', { clusterIP: '10.96.0.18', ports: [{ port: 80 }] })],
        endpointSlices: [...TERMINATING_STATE.endpointSlices, slice('web', [{ port: 80 }], ['10.244.1.21', { ip: '10.244.2.22', ready: false, serving: false }])],
      },
    },
  ]);
});

describe('buildNftRuleset', () => {
  test('headless and ExternalName services get nothing', () => {
    const rs = buildNftRuleset(HEADLESS_STATE, BUILD_OPTIONS);
    assert.equal([...rs.chains.keys()].filter((c) => c.includes('/')).length, 0);
    for (const s of rs.sets.values()) if (s.name !== NFT.nodePortIPs) assert.equal(s.elements.size, 0, s.name);
  });

  buildContract(mode);

  test('until the node addresses are known, node ports match any local address but loopback', () => {
    const rs = buildNftRuleset({ services: [], endpointSlices: [] }, { ...BUILD_OPTIONS, nodeIPs: [] });
    assert.deepEqual(rs.chains.get(NFT.services)?.rules.at(-1), `fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @${NFT.serviceNodePorts}`);
    assert.equal(rs.sets.get(NFT.nodePortIPs)?.elements.size, 0);
  });

  test('a cluster IP or node port claimed twice keeps the first service in name order', () => {
    const rs = buildNftRuleset(
      {
        services: [
          svc('b', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }),
          svc('a', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] }),
        ],
        endpointSlices: [slice('a', [{ port: 80 }], ['10.244.1.1']), slice('b', [{ port: 80 }], ['10.244.1.2'])],
      },
      BUILD_OPTIONS,
    );
    assert.match(rs.sets.get(NFT.serviceIPs)?.elements.get('10.96.0.10 . tcp . 80')?.value ?? '', /default\/a\//);
    assert.match(rs.sets.get(NFT.serviceNodePorts)?.elements.get('tcp . 30080')?.value ?? '', /default\/a\//);
  });
});
