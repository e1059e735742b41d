// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '../commands/cli.test-helper';
import {
  kubeconfigPaths,
  mergeKubeconfigs,
  minifyKubeconfig,
  parseKubeconfig,
  redactKubeconfig,
  resolveConfigPaths,
  resolveContext,
  serializeKubeconfig,
} from './kubeconfig';
import { KubeconfigStore } from './store';
import { connectionFor, parseRequestTimeout, parseServerUrl } from './connection';

const MINIKUBE = `apiVersion: v1
kind: Config
current-context: minikube
clusters:
- name: minikube
  cluster:
    server: https://192.168.99.100:8443
    certificate-authority: ca.crt
contexts:
- name: minikube
  context:
    cluster: minikube
    user: minikube
- name: testing
  context:
    cluster: minikube
    user: minikube
    namespace: testing
users:
- name: minikube
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
    token: secret
`;

describe('kubeconfig files', () => {
  test('--kubeconfig wins, then $KUBECONFIG (colon list), then ~/.berth/config', () => {
    assert.deepEqual(kubeconfigPaths({ explicit: 'k.yml', envValue: '/a:/b', home: '/h', cwd: '/w' }), ['/w/k.yml']);
    assert.deepEqual(kubeconfigPaths({ envValue: '/a::/b:/a', home: '/h', cwd: '/w' }), ['/a', '/b']);
    assert.deepEqual(kubeconfigPaths({ home: '/h', cwd: '/w' }), ['/h/.berth/config']);
  });

  test('merging: the first file to set a stanza or current-context wins', () => {
    const a = parseKubeconfig('clusters:\n- name: c\n  cluster: {server: "https://a:1"}\n', 'a');
    const b = parseKubeconfig('current-context: x\nclusters:\n- name: c\n  cluster: {server: "https://b:1"}\n- name: d\n  cluster: {server: "https://d:1"}\n', 'b');
    const m = mergeKubeconfigs([a, b]);
    assert.equal(m['current-context'], 'x');
    assert.deepEqual(m.clusters.map((c) => [c.name, c.cluster.server]), [['c', 'https://a:1'], ['d', 'https://d:1']]);
  });

  test('certificate paths are relative to the file that names them', () => {
    const cfg = resolveConfigPaths(parseKubeconfig(MINIKUBE, '/home/u/.berth/config'), '/home/u/.berth/config');
    assert.equal(cfg.clusters[0]?.cluster['certificate-authority'], '/home/u/.berth/ca.crt');
  });

  test('view redacts data and tokens, and lays the file out as kubectl does', () => {
    const text = serializeKubeconfig(redactKubeconfig(parseKubeconfig(MINIKUBE, 'x')));
    assert.match(text, /^apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: ca.crt\n    server: https:\/\/192.168.99.100:8443\n  name: minikube\n/);
    assert.match(text, /client-certificate-data: DATA\+OMITTED/);
    assert.match(text, /client-key-data: DATA\+OMITTED/);
    assert.match(text, /token: REDACTED/);
    assert.match(text, /current-context: minikube\nkind: Config\npreferences: \{\}\n/);
  });

  test('an empty config prints null lists', () => {
    assert.equal(
      serializeKubeconfig(parseKubeconfig('', 'x')),
      'apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: ""\nkind: Config\npreferences: {}\nusers: null\n',
    );
  });

  test('minify keeps the current context, its cluster and user', () => {
    const m = minifyKubeconfig(parseKubeconfig(MINIKUBE, 'x'));
    assert.deepEqual(m.contexts.map((c) => c.name), ['minikube']);
    assert.throws(() => minifyKubeconfig(parseKubeconfig('', 'x')), /current-context must exist in order to minify/);
  });

  test('the context gives the namespace; --context must exist', () => {
    const cfg = parseKubeconfig(MINIKUBE, 'x');
    assert.equal(resolveContext(cfg).namespace, 'default');
    assert.equal(resolveContext(cfg, { context: 'testing' }).namespace, 'testing');
    assert.throws(() => resolveContext(cfg, { context: 'nope' }), /context was not found for specified context: nope/);
  });

  test('a malformed file is named in the error', () => {
    assert.throws(() => parseKubeconfig('clusters: 3\n', '/x/config'), /error loading config file "\/x\/config"/);
  });

  test('the store writes new stanzas to the first file and existing ones back where they are', () => {
    const dir = tempHome();
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(b, 'current-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n');
    const store = KubeconfigStore.load([a, b]);
    assert.equal(store.fileFor('contexts', 'x').path, b);
    assert.equal(store.fileFor('contexts', 'new').path, b, 'the first existing file');
    assert.equal(store.currentContextFile().path, b);
    assert.throws(() => KubeconfigStore.load([join(dir, 'nope')], { explicit: true, mustExist: true }), /stat .*nope: no such file or directory/);
  });
});

describe('connection', () => {
  test('server URLs become gRPC addresses', () => {
    assert.deepEqual(parseServerUrl('https://127.0.0.1:6443'), { address: '127.0.0.1:6443', host: '127.0.0.1', secure: true });
    assert.deepEqual(parseServerUrl('http://localhost:8080'), { address: 'localhost:8080', host: 'localhost', secure: false });
    assert.deepEqual(parseServerUrl('https://[::1]:6443'), { address: '[::1]:6443', host: '::1', secure: true });
    assert.equal(parseServerUrl('https://example.com').address, 'example.com:443');
    assert.equal(parseServerUrl('10.0.0.1:1234', false).secure, false);
    assert.throws(() => parseServerUrl('ftp://x'), /scheme must be https or http/);
  });

  test('--request-timeout takes seconds or durations', () => {
    assert.equal(parseRequestTimeout('0'), undefined);
    assert.equal(parseRequestTimeout('5'), 5000);
    assert.equal(parseRequestTimeout('1m30s'), 90_000);
    assert.equal(parseRequestTimeout('250ms'), 250);
    assert.throws(() => parseRequestTimeout('soon'), /invalid argument "soon" for "--request-timeout"/);
  });

  test('https needs the CA; its data and the client certificate are decoded', () => {
    const ctx = resolveContext(parseKubeconfig(MINIKUBE.replace('certificate-authority: ca.crt', 'certificate-authority-data: Y2E='), 'x'));
    const conn = connectionFor(ctx);
    assert.equal(conn.address, '192.168.99.100:8443');
    assert.equal(conn.tls?.ca.toString(), 'ca');
    assert.equal(conn.tls?.cert?.toString(), 'cert');
    assert.equal(conn.tls?.key?.toString(), 'key');
    const noCa = resolveContext(parseKubeconfig('clusters:\n- name: c\n  cluster: {server: "https://h:1"}\ncontexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n', 'x'));
    assert.throws(() => connectionFor(noCa), /the cluster has no certificate-authority/);
    assert.throws(() => connectionFor(resolveContext(parseKubeconfig('', 'x'))), /no server configured/);
    assert.equal(connectionFor(resolveContext(parseKubeconfig('', 'x')), { server: 'http://127.0.0.1:9' }).tls, undefined);
    assert.equal(conn.token, 'secret', "the user's token");
    assert.equal(connectionFor(ctx, { token: 'flag' }).token, 'flag');
    const withToken = (user: string): ReturnType<typeof resolveContext> =>
      resolveContext(parseKubeconfig(MINIKUBE.replace('certificate-authority: ca.crt', 'certificate-authority-data: Y2E=').replace(/users:[\s\S]*?(?=contexts:|$)/, `users:\n- name: minikube\n  user: ${user}\n`), 'x'));
    assert.equal(connectionFor(withToken('{token: abc}')).token, 'abc');
    assert.equal(connectionFor(withToken('{tokenFile: /sa/token}'), { readFile: (p) => Buffer.from(p === '/sa/token' ? 'from-file\n' : '') }).token, 'from-file');
    assert.equal(connectionFor(withToken('{token: abc}'), { token: 'flag' }).token, 'flag', '--token wins');
    assert.throws(() => connectionFor(withToken('{tokenFile: /nope/token}')), /unable to read tokenFile \/nope\/token: no such file or directory/);
    const missingFile = resolveContext(parseKubeconfig(MINIKUBE.replace('ca.crt', '/nope/ca.crt'), 'x'));
    assert.throws(() => connectionFor(missingFile), /unable to read certificate-authority \/nope\/ca.crt: no such file or directory/);
  });
});
