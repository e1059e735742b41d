// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContract, GOLDEN_CASES, goldenTests, HAIRPIN_STATE, HEADLESS_STATE, TERMINATING_STATE, type BuildMode } from './build.contract';
import { buildRules, probability } from './build-rules';
import { endpointChainName, servicePortChainName } from './chain-names';
import { rulesGolden } from './golden.fixture';
import { renderRestore } from './render-restore';
import { BUILD_OPTIONS, slice, svc } from './test-fixtures';

const mode: BuildMode = { render: (state, o) => renderRestore(buildRules(state, o)), golden: rulesGolden };

describe('chain names', () => {
  test('match kube-proxy for the same service port and endpoint', () => {
    // Values from kube-proxy's own proxier_test.go.
    assert.equal(servicePortChainName('ns1/svc1:p80', 'TCP'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(endpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  });
  test('probabilities are printed with ten decimals', () => {
    assert.equal(probability(3), '0.3333333333');
    assert.equal(probability(2), '0.5000000000');
  });
});

describe('buildRules golden files', () => {
  goldenTests(mode, [
    ...GOLDEN_CASES,
    {
      name: 'hairpin-masquerade-all',
      title: 'hairpin masquerade and masquerade-all',
      state: HAIRPIN_STATE,
      options: { masqueradeAll: true, localhostNodePorts: true },
    },
    {
      name: 'not-ready',
      title: 'a not-ready endpoint is left out',
      state: {
        services: [svc('web', { clusterIP: '10.96.0.18', ports: [{ port: 80 }] })],
        endpointSlices: [slice('web', [{ port: 80 }], ['10.244.1.11', { ip: '10.244.2.12', ready: false, serving: false }])],
      },
    },
    { name: 'terminating', title: 'terminating endpoints: used only when nothing is ready', state: TERMINATING_STATE },
  ]);
});

describe('buildRules', () => {
  test('headless and ExternalName services get no rules', () => {
    const rs = buildRules(HEADLESS_STATE, BUILD_OPTIONS);
    assert.deepEqual([...rs.nat.keys()], ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']);
    assert.equal(rs.nat.get('KUBE-SERVICES')?.length, 1, 'only the node-ports jump');
    assert.equal(rs.filter.get('KUBE-SERVICES')?.length, 0);
  });

  buildContract(mode);
});
