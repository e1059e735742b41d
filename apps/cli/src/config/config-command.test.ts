// SPDX-License-Identifier: Apache-2.0
// `berth config ...` against kubeconfig files in temporary home directories.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { berth, tempHome } from '../commands/cli.test-helper';

const home = tempHome;

describe('berth config', () => {
  test('set-cluster, set-credentials, set-context, use-context, get-contexts, current-context', async () => {
    const h = home();
    writeFileSync(join(h, 'ca.crt'), 'CA PEM');
    const run = (args: string[]) => berth(undefined, args, { home: h, cwd: h });
    assert.equal((await run(['config', 'set-cluster', 'jdoe', '--certificate-authority', 'ca.crt', '--server', 'https://127.0.0.1:6443'])).stdout, 'Cluster "jdoe" set.\n');
    assert.equal((await run(['config', 'set-credentials', 'jdoe', '--token', 't0k'])).stdout, 'User "jdoe" set.\n');
    assert.equal((await run(['config', 'set-context', 'jdoe', '--cluster', 'jdoe', '--user', 'jdoe'])).stdout, 'Context "jdoe" created.\n');
    assert.equal((await run(['config', 'set-context', 'testing', '--namespace', 'testing', '--cluster', 'jdoe', '--user', 'jdoe'])).stdout, 'Context "testing" created.\n');
    assert.deepEqual(await run(['config', 'current-context']), { code: 1, stdout: '', stderr: 'error: current-context is not set\n' });
    assert.equal((await run(['config', 'use-context', 'testing'])).stdout, 'Switched to context "testing".\n');
    assert.equal((await run(['config', 'current-context'])).stdout, 'testing\n');
    assert.equal((await run(['config', 'use-context', 'nope'])).stderr, 'error: no context exists with the name: "nope"\n');
    assert.equal(
      (await run(['config', 'get-contexts'])).stdout,
      'CURRENT   NAME      CLUSTER   AUTHINFO   NAMESPACE\n' +
        '          jdoe      jdoe      jdoe       \n' +
        '*         testing   jdoe      jdoe       testing\n',
    );
    assert.equal((await run(['config', 'set-context', '--current', '--namespace', 'dev'])).stdout, 'Context "testing" modified.\n');
    const file = readFileSync(join(h, '.berth', 'config'), 'utf8');
    assert.match(file, /certificate-authority: .*ca\.crt/);
    assert.match(file, /namespace: dev/);
    const view = (await run(['config', 'view', '--minify'])).stdout;
    assert.match(view, /token: REDACTED/);
    assert.doesNotMatch(view, /name: jdoe\n  context/);
    assert.match((await run(['config', 'view', '--raw'])).stdout, /token: t0k/);
    assert.equal(
      (await run(['config', 'view', '-o', 'jsonpath={.clusters[?(@.name=="jdoe")].cluster.server}'])).stdout,
      'https://127.0.0.1:6443',
    );
    assert.equal((await run(['config', 'set-cluster', 'jdoe', '--certificate-authority', 'ca.crt', '--embed-certs'])).code, 0);
    assert.match((await run(['config', 'view'])).stdout, /certificate-authority-data: DATA\+OMITTED/);
    assert.match((await run(['config', 'view', '--raw'])).stdout, new RegExp(`certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}`));
    assert.match((await run(['config', 'delete-context', 'jdoe'])).stdout, /^deleted context jdoe from .*config\n$/);
    assert.match((await run(['config', 'delete-context', 'jdoe'])).stderr, /^error: cannot delete context jdoe, not in /);
  });

  test('$KUBECONFIG merges files; --kubeconfig picks one', async () => {
    const h = home();
    const a = join(h, 'a');
    const b = join(h, 'b');
    writeFileSync(a, 'contexts:\n- name: one\n  context: {cluster: c1}\n');
    writeFileSync(b, 'current-context: two\ncontexts:\n- name: two\n  context: {cluster: c2}\n');
    const merged = await berth(undefined, ['config', 'get-contexts', '-o', 'name'], { home: h, env: { KUBECONFIG: `${a}:${b}` } });
    assert.equal(merged.stdout, 'one\ntwo\n');
    const only = await berth(undefined, ['config', 'get-contexts', '-o', 'name', '--kubeconfig', a], { home: h, env: { KUBECONFIG: b } });
    assert.equal(only.stdout, 'one\n');
    const missing = await berth(undefined, ['config', 'view', '--kubeconfig', join(h, 'nope')], { home: h });
    assert.match(missing.stderr, /^error: stat .*nope: no such file or directory\n$/);
  });

  test('commands that need a server say how to configure one', async () => {
    const r = await berth(undefined, ['get', 'pods'], { home: home() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: no server configured: add a cluster with 'berth config set-cluster/);
  });
});
