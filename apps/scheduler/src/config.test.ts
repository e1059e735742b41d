// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchedulerAppConfig } from './config';

describe('compileSchedulerAppConfig', () => {
  test('defaults', () => {
    const c = compileSchedulerAppConfig(['--insecure'], {});
    assert.deepEqual(c.apiservers, ['127.0.0.1:6443']);
    assert.equal(c.tls, undefined);
    assert.equal(c.leaderElect, true);
    assert.equal(c.leaseNamespace, 'kube-system');
    assert.equal(c.leaseName, 'berth-scheduler');
    assert.equal(c.leaseDurationMs, 15_000);
    assert.equal(c.parallelism, 16);
    assert.equal(c.natsUrl, '');
  });
  test('flags', () => {
    const c = compileSchedulerAppConfig(
      ['--apiserver', '10.0.0.1:6443,10.0.0.2:6443', '--ca-file', 'ca.pem', '--cert-file', 'c.pem', '--key-file', 'k.pem', '--leader-elect=false', '--identity', 'me', '--health-port', '0', '--parallelism', '4', '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms'],
      {},
    );
    assert.deepEqual(c.apiservers, ['10.0.0.1:6443', '10.0.0.2:6443']);
    assert.deepEqual(c.tls, { caFile: 'ca.pem', certFile: 'c.pem', keyFile: 'k.pem' });
    assert.equal(c.leaderElect, false);
    assert.equal(c.identity, 'me');
    assert.equal(c.healthPort, 0);
    assert.equal(c.parallelism, 4);
    assert.deepEqual([c.leaseDurationMs, c.renewDeadlineMs, c.retryPeriodMs], [3000, 2000, 500]);
  });
  test('bare --leader-elect means true', () => {
    assert.equal(compileSchedulerAppConfig(['--insecure', '--leader-elect'], {}).leaderElect, true);
  });
  test('errors', () => {
    assert.throws(() => compileSchedulerAppConfig([], {}), /--ca-file is required/);
    assert.throws(() => compileSchedulerAppConfig(['--insecure', '--apiserver', '10.1.1.1:6443'], {}), /loopback/);
    assert.throws(() => compileSchedulerAppConfig(['--insecure', '--leader-elect=maybe'], {}), /--leader-elect: invalid value "maybe"/);
    assert.throws(() => compileSchedulerAppConfig(['--insecure', '--parallelism', '0'], {}), /--parallelism/);
    assert.throws(() => compileSchedulerAppConfig(['--insecure', '--leader-elect-lease-duration', '5s'], {}), /lease-duration must be greater/);
    assert.throws(() => compileSchedulerAppConfig(['--ca-file', 'x', '--cert-file', 'c'], {}), /go together/);
  });
});
