// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileApiserverConfig, ConfigError } from './config';

describe('apiserver config', () => {
  test('flags win over environment, with defaults for the rest', () => {
    const c = compileApiserverConfig(['--etcd-servers', 'http://a:1,http://b:2', '--insecure'], { BERTH_NATS_URL: 'nats://127.0.0.1:4222' });
    assert.deepEqual(c.etcdServers, ['http://a:1', 'http://b:2']);
    assert.equal(c.bindAddress, '127.0.0.1:6443');
    assert.equal(c.natsUrl, 'nats://127.0.0.1:4222');
    assert.equal(c.tls, undefined);
  });

  test('TLS is required unless --insecure, and --insecure only on loopback', () => {
    assert.throws(() => compileApiserverConfig([], {}), /--tls-cert-file and --tls-private-key-file are required/);
    assert.throws(() => compileApiserverConfig(['--insecure', '--bind-address', '0.0.0.0:6443'], {}), /loopback only/);
    const c = compileApiserverConfig(['--tls-cert-file', 'c.pem', '--tls-private-key-file', 'k.pem', '--client-ca-file', 'ca.pem'], {});
    assert.deepEqual(c.tls, { certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: 'ca.pem' });
  });

  test('--service-account-key-file (or BERTH_SERVICE_ACCOUNT_KEY_FILE) needs TLS with a client CA', () => {
    const tls = ['--tls-cert-file', 'c.pem', '--tls-private-key-file', 'k.pem'];
    assert.equal(compileApiserverConfig([...tls, '--client-ca-file', 'ca.pem'], {}).serviceAccountKeyFile, undefined);
    const c = compileApiserverConfig([...tls, '--client-ca-file', 'ca.pem', '--service-account-key-file', 'sa.pub'], {});
    assert.equal(c.serviceAccountKeyFile, 'sa.pub');
    assert.deepEqual(c.tls, { certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: 'ca.pem' });
    const fromEnv = compileApiserverConfig(tls, { BERTH_CLIENT_CA_FILE: 'ca.pem', BERTH_SERVICE_ACCOUNT_KEY_FILE: 'sa.key' });
    assert.equal(fromEnv.serviceAccountKeyFile, 'sa.key');
    assert.equal(compileApiserverConfig([...tls, '--client-ca-file', 'ca.pem', '--service-account-key-file', 'flag.pub'], { BERTH_SERVICE_ACCOUNT_KEY_FILE: 'env.pub' }).serviceAccountKeyFile, 'flag.pub');
    assert.throws(() => compileApiserverConfig([...tls, '--service-account-key-file', 'sa.pub'], {}), (e: unknown) => e instanceof ConfigError && /--service-account-key-file needs TLS with --client-ca-file/.test(e.message));
    assert.throws(() => compileApiserverConfig(['--insecure', '--service-account-key-file', 'sa.pub'], {}), /--service-account-key-file needs TLS/);
  });

  test('bound tokens: the signing key needs the verifying keys; issuer and audiences default as kube-apiserver', () => {
    const tls = ['--tls-cert-file', 'c.pem', '--tls-private-key-file', 'k.pem', '--client-ca-file', 'ca.pem'];
    const c = compileApiserverConfig([...tls, '--service-account-key-file', 'sa.pub', '--service-account-signing-key-file', 'sa.key'], {});
    assert.equal(c.serviceAccountSigningKeyFile, 'sa.key');
    assert.equal(c.serviceAccountIssuer, 'https://kubernetes.default.svc.cluster.local');
    assert.deepEqual(c.apiAudiences, ['https://kubernetes.default.svc.cluster.local']);
    assert.deepEqual(compileApiserverConfig([...tls, '--service-account-issuer', 'https://berth', '--api-audiences', 'a, b'], {}).apiAudiences, ['a', 'b']);
    assert.throws(() => compileApiserverConfig([...tls, '--service-account-signing-key-file', 'sa.key'], {}), /--service-account-signing-key-file needs --service-account-key-file/);
  });

  test('--authorization-mode: AlwaysAllow by default, RBAC only with authenticated callers', () => {
    const tls = ['--tls-cert-file', 'c.pem', '--tls-private-key-file', 'k.pem', '--client-ca-file', 'ca.pem'];
    assert.equal(compileApiserverConfig(tls, {}).authorizationMode, 'AlwaysAllow');
    assert.equal(compileApiserverConfig([...tls, '--authorization-mode', 'RBAC'], {}).authorizationMode, 'RBAC');
    assert.equal(compileApiserverConfig(tls, { BERTH_AUTHORIZATION_MODE: 'RBAC' }).authorizationMode, 'RBAC');
    assert.throws(() => compileApiserverConfig(['--insecure', '--authorization-mode', 'RBAC'], {}), /--authorization-mode RBAC needs authenticated callers/);
    assert.throws(() => compileApiserverConfig([...tls, '--authorization-mode', 'Node,RBAC'], {}), /--authorization-mode: invalid value "Node,RBAC": want RBAC or AlwaysAllow/);
  });

  test('the advertise address defaults to a specific bind address, never a wildcard or loopback', () => {
    const tls = ['--tls-cert-file', 'c.pem', '--tls-private-key-file', 'k.pem'];
    assert.deepEqual(compileApiserverConfig([...tls, '--bind-address', '172.31.0.1:6443'], {}).advertise, { ip: '172.31.0.1', port: 6443 });
    assert.equal(compileApiserverConfig([...tls, '--bind-address', '0.0.0.0:6443'], {}).advertise, undefined);
    assert.equal(compileApiserverConfig(['--insecure'], {}).advertise, undefined);
    assert.deepEqual(compileApiserverConfig([...tls, '--bind-address', '0.0.0.0:7443', '--advertise-address', '10.0.0.5'], {}).advertise, { ip: '10.0.0.5', port: 7443 });
    assert.throws(() => compileApiserverConfig([...tls, '--advertise-address', 'host'], {}), /--advertise-address: invalid value "host"/);
  });

  test('--etcd-compaction-interval: 5 minutes by default, a Go duration, 0 to never compact', () => {
    assert.equal(compileApiserverConfig(['--insecure'], {}).etcdCompactionIntervalMs, 300_000);
    assert.equal(compileApiserverConfig(['--insecure', '--etcd-compaction-interval', '1m30s'], {}).etcdCompactionIntervalMs, 90_000);
    assert.equal(compileApiserverConfig(['--insecure'], { BERTH_ETCD_COMPACTION_INTERVAL: '0' }).etcdCompactionIntervalMs, 0);
    assert.throws(() => compileApiserverConfig(['--insecure', '--etcd-compaction-interval', '5'], {}), /--etcd-compaction-interval: invalid duration "5"/);
  });

  test('bad values name the flag', () => {
    assert.throws(() => compileApiserverConfig(['--insecure', '--bind-address', 'nope'], {}), (e: unknown) => e instanceof ConfigError && /--bind-address/.test(e.message));
    assert.throws(() => compileApiserverConfig(['--insecure', '--health-port', '70000'], {}), /--health-port/);
    assert.throws(() => compileApiserverConfig(['--bogus'], {}), /Unknown option '--bogus'/);
  });
});
