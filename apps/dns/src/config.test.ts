// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileDnsConfig, ConfigError } from './config';

describe('compileDnsConfig', () => {
  test('defaults: port 53 on every address, cluster.local, upstreams from resolv.conf, TTL 5', () => {
    const c = compileDnsConfig(['--insecure'], {});
    assert.deepEqual(c, {
      apiservers: ['127.0.0.1:6443'],
      listenHost: '0.0.0.0',
      listenPort: 53,
      clusterDomain: 'cluster.local',
      resolvConf: '/etc/resolv.conf',
      ttl: 5,
      healthPort: 8080,
      healthHost: '0.0.0.0',
      logLevel: 'info',
    });
  });

  test('flags', () => {
    const c = compileDnsConfig(
      ['--apiserver', '10.0.0.1:6443,10.0.0.2:6443', '--tls-ca-file', 'ca.pem', '--listen', '127.0.0.1:5353', '--cluster-domain', 'Corp.Local.', '--upstream', '1.1.1.1,[2606:4700::1111]:53,9.9.9.9:5353', '--health-port', '0'],
      {},
    );
    assert.deepEqual(c.apiservers, ['10.0.0.1:6443', '10.0.0.2:6443']);
    assert.deepEqual(c.tls, { caFile: 'ca.pem' });
    assert.equal(c.listenHost, '127.0.0.1');
    assert.equal(c.listenPort, 5353);
    assert.equal(c.clusterDomain, 'corp.local');
    assert.deepEqual(c.upstreams, ['1.1.1.1', '[2606:4700::1111]:53', '9.9.9.9:5353']);
    assert.equal(c.healthPort, 0);
    assert.deepEqual(compileDnsConfig(['--insecure', '--upstream', 'none'], {}).upstreams, []);
    assert.equal(compileDnsConfig(['--insecure'], { BERTH_APISERVER: '127.0.0.1:7000' }).apiservers[0], '127.0.0.1:7000');
  });

  test('errors', () => {
    const bad: Array<[string[], RegExp]> = [
      [[], /--tls-ca-file is required/],
      [['--insecure', '--listen', 'nope'], /--listen: invalid value "nope"/],
      [['--insecure', '--upstream', 'dns.google'], /--upstream: invalid value "dns.google"/],
      [['--insecure', '--cluster-domain', 'a_b'], /--cluster-domain/],
      [['--insecure', '--ttl=-1'], /--ttl/],
      [['--insecure', '--apiserver', 'host'], /--apiserver/],
      [['--tls-ca-file', 'ca', '--tls-cert-file', 'c'], /go together/],
    ];
    for (const [argv, msg] of bad) assert.throws(() => compileDnsConfig(argv, {}), (e: unknown) => e instanceof ConfigError && msg.test(e.message), argv.join(' '));
  });
});
