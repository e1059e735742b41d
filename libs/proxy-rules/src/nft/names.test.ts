// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashAndTruncate, isNftServiceObjectName, nftAffinitySetName, nftExternalChainName, nftServiceChainName } from './names';

const sp = { namespace: 'ns1', serviceName: 'svc1', protocol: 'TCP', portName: 'p80' };

describe('nftables names', () => {
  test('match kube-proxy for the same service port and endpoint', () => {
    // Values from the comments of kube-proxy's pkg/proxy/nftables/proxier.go.
    assert.equal(nftServiceChainName(sp), 'service-ULMVA6XW-ns1/svc1/tcp/p80');
    assert.equal(nftExternalChainName(sp), 'external-ULMVA6XW-ns1/svc1/tcp/p80');
    assert.equal(nftAffinitySetName(sp, { ip: '10.180.0.1', port: 80 }), 'affinity-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
  });

  test('an unnamed port leaves the last part empty', () => {
    assert.match(nftServiceChainName({ ...sp, portName: '' }), /^service-[A-Z2-7]{8}-ns1\/svc1\/tcp\/$/);
  });

  test('long names are cut to 240 characters, still unique by their hash', () => {
    const long = 'x'.repeat(300);
    const a = hashAndTruncate(long);
    const b = hashAndTruncate(long + 'y');
    assert.equal(a.length, 240);
    assert.ok(a.endsWith('...'));
    assert.notEqual(a, b);
  });

  test('per-service objects are told apart from the fixed ones by their "/"', () => {
    assert.equal(isNftServiceObjectName(nftServiceChainName(sp)), true);
    for (const fixed of ['services', 'nat-prerouting', 'service-ips', 'reject-chain', 'hairpin-connections']) {
      assert.equal(isNftServiceObjectName(fixed), false, fixed);
    }
  });
});
