// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileControllerManagerConfig, ConfigError, isControllerEnabled, parseDuration, validateControllers } from './config';

describe('controller-manager config', () => {
  test('defaults', () => {
    const c = compileControllerManagerConfig(['--insecure', '--apiserver', '127.0.0.1:7000'], {});
    assert.deepEqual(c.apiservers, ['127.0.0.1:7000']);
    assert.equal(c.tls, undefined);
    assert.deepEqual(c.controllers, ['*']);
    assert.equal(c.leaderElect, true);
    assert.equal(`${c.leaseNamespace}/${c.leaseName}`, 'kube-system/berth-controller-manager');
    assert.deepEqual(c.controllerOptions, { podEvictionTimeoutSeconds: 300, clusterCidr: '10.244.0.0/16', nodeMonitorGracePeriodSeconds: 40, nodeCidrMaskSize: 24 });
  });

  test('flags', () => {
    const c = compileControllerManagerConfig(
      ['--apiserver', '10.0.0.1:6443,10.0.0.2:6443', '--certificate-authority', '/ca.pem', '--controllers', '*,-garbage-collector-controller', '--leader-elect', 'false', '--pod-eviction-timeout', '1m30s', '--cluster-cidr', '10.200.0.0/16', '--health-port', '0'],
      {},
    );
    assert.deepEqual(c.apiservers, ['10.0.0.1:6443', '10.0.0.2:6443']);
    assert.deepEqual(c.tls, { caFile: '/ca.pem' });
    assert.equal(c.leaderElect, false);
    assert.equal(c.controllerOptions.podEvictionTimeoutSeconds, 90);
    assert.equal(c.controllerOptions.clusterCidr, '10.200.0.0/16');
    assert.equal(c.healthPort, 0);
  });

  test('bad input is rejected naming the flag', () => {
    assert.throws(() => compileControllerManagerConfig([], {}), /--certificate-authority is required/);
    assert.throws(() => compileControllerManagerConfig(['--insecure', '--apiserver', '10.0.0.1:6443'], {}), /loopback/);
    assert.throws(() => compileControllerManagerConfig(['--insecure', '--apiserver', 'nope'], {}), /--apiserver: invalid address "nope"/);
    assert.throws(() => compileControllerManagerConfig(['--insecure', '--pod-eviction-timeout', '5 minutes'], {}), /--pod-eviction-timeout: invalid duration/);
    assert.throws(() => compileControllerManagerConfig(['--insecure', '--leader-elect', 'yes'], {}), ConfigError);
    assert.throws(() => compileControllerManagerConfig(['--insecure', '--cluster-cidr', '10.244.0.0'], {}), /--cluster-cidr/);
  });

  test('service-account token files: flags, BERTH_* environment, flags first', () => {
    const none = compileControllerManagerConfig(['--insecure'], {});
    assert.equal(none.serviceAccountPrivateKeyFile, undefined);
    assert.equal(none.rootCaFile, undefined);
    const flags = compileControllerManagerConfig(['--insecure', '--service-account-private-key-file', '/pki/sa.key', '--root-ca-file', '/pki/ca.crt'], {});
    assert.equal(flags.serviceAccountPrivateKeyFile, '/pki/sa.key');
    assert.equal(flags.rootCaFile, '/pki/ca.crt');
    assert.equal('serviceAccountPrivateKey' in flags.controllerOptions, false, 'paths, not contents: the manager reads the files');
    const env = { BERTH_SERVICE_ACCOUNT_PRIVATE_KEY_FILE: '/env/sa.key', BERTH_ROOT_CA_FILE: '/env/ca.crt' };
    const fromEnv = compileControllerManagerConfig(['--insecure'], env);
    assert.equal(fromEnv.serviceAccountPrivateKeyFile, '/env/sa.key');
    assert.equal(fromEnv.rootCaFile, '/env/ca.crt');
    const both = compileControllerManagerConfig(['--insecure', '--service-account-private-key-file', '/flag/sa.key'], env);
    assert.equal(both.serviceAccountPrivateKeyFile, '/flag/sa.key');
    assert.equal(both.rootCaFile, '/env/ca.crt');
  });

  test('--controllers: *, name and -name, as kube-controller-manager', () => {
    assert.equal(isControllerEnabled('replicaset-controller', ['*']), true);
    assert.equal(isControllerEnabled('replicaset-controller', ['*', '-replicaset-controller']), false);
    assert.equal(isControllerEnabled('replicaset-controller', ['deployment-controller']), false);
    assert.equal(isControllerEnabled('deployment-controller', ['deployment-controller']), true);
    assert.throws(() => validateControllers(['*', '-replicaset'], ['replicaset-controller']), /unknown controller "replicaset"/);
  });

  test('durations', () => {
    assert.equal(parseDuration('x', '300s'), 300_000);
    assert.equal(parseDuration('x', '1m30s'), 90_000);
    assert.equal(parseDuration('x', '500ms'), 500);
  });
});
