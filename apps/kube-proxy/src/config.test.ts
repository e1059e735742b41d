// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileProxyConfig, ConfigError, parseDuration } from './config';

describe('compileProxyConfig', () => {
  test('defaults', () => {
    const c = compileProxyConfig(['--insecure', '--node-name', 'n1'], {});
    assert.deepEqual(
      { a: c.apiservers, cc: c.clusterCidr, sc: c.serviceCidr, min: c.minSyncPeriodMs, max: c.syncPeriodMs, lh: c.localhostNodePorts, dry: c.dryRun, hp: c.healthPort },
      { a: ['127.0.0.1:6443'], cc: '10.244.0.0/16', sc: '10.96.0.0/12', min: 1000, max: 3_600_000, lh: false, dry: false, hp: 10256 },
    );
    assert.equal(c.tls, undefined);
  });

  test('TLS is required unless --insecure', () => {
    assert.throws(() => compileProxyConfig(['--node-name', 'n1'], {}), ConfigError);
    const c = compileProxyConfig(['--node-name', 'n1', '--certificate-authority', '/ca.pem'], {});
    assert.deepEqual(c.tls, { caFile: '/ca.pem' });
  });

  test('flags are checked', () => {
    assert.throws(() => compileProxyConfig(['--insecure'], {}), /--node-name/);
    assert.throws(() => compileProxyConfig(['--insecure', '--node-name', 'n', '--cluster-cidr', '10.244.0.0'], {}), /--cluster-cidr/);
    assert.throws(() => compileProxyConfig(['--insecure', '--node-name', 'n', '--sync-period', '100ms'], {}), /--sync-period/);
    const c = compileProxyConfig(['--insecure', '--node-name', 'n', '--sync-period', '30s', '--iptables-dry-run', '--localhost-nodeports'], {});
    assert.equal(c.syncPeriodMs, 30_000);
    assert.equal(c.dryRun, true);
    assert.equal(c.localhostNodePorts, true);
  });

  test('--proxy-mode: iptables, nftables, or (not given / empty) auto', () => {
    const mode = (argv: string[], env: Record<string, string> = {}) => compileProxyConfig(['--insecure', '--node-name', 'n', ...argv], env).proxyMode;
    assert.equal(mode([]), 'auto');
    assert.equal(mode(['--proxy-mode', '']), 'auto');
    assert.equal(mode(['--proxy-mode', 'iptables']), 'iptables');
    assert.equal(mode(['--proxy-mode=nftables']), 'nftables');
    assert.equal(mode([], { BERTH_PROXY_MODE: 'iptables' }), 'iptables');
    assert.equal(mode(['--proxy-mode', 'nftables'], { BERTH_PROXY_MODE: 'iptables' }), 'nftables', 'the flag wins');
    for (const bad of ['ipvs', 'kernelspace', 'NFTABLES', 'nft']) {
      assert.throws(() => mode(['--proxy-mode', bad]), (e: Error) => e instanceof ConfigError && e.message === `--proxy-mode: invalid value "${bad}": want iptables or nftables`);
    }
  });

  test('--dry-run is --iptables-dry-run for either mode', () => {
    assert.equal(compileProxyConfig(['--insecure', '--node-name', 'n', '--dry-run'], {}).dryRun, true);
    assert.equal(compileProxyConfig(['--insecure', '--node-name', 'n', '--iptables-dry-run'], {}).dryRun, true);
  });

  test('durations', () => {
    assert.equal(parseDuration('500ms', 'x'), 500);
    assert.equal(parseDuration('1h', 'x'), 3_600_000);
    assert.equal(parseDuration('2', 'x'), 2000);
    assert.throws(() => parseDuration('soon', 'x'), ConfigError);
  });
});
