// SPDX-License-Identifier: Apache-2.0
// --as / --as-group and the kubeconfig's as / as-groups, from the flags to the gRPC client's options.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeApi } from '@berth/client/testing';
import type { ConnectionInfo } from '../commands/context';
import { runCli } from '../commands/program';
import { tempHome } from '../commands/cli.test-helper';
import { parseKubeconfig, resolveContext } from './kubeconfig';
import { connectionFor, grpcClientOptions, impersonationFor } from './connection';

const config = (user: string): string => `apiVersion: v1
kind: Config
current-context: berth
clusters:
- name: berth
  cluster: {server: "http://127.0.0.1:6443"}
contexts:
- name: berth
  context: {cluster: berth, user: admin}
users:
- name: admin
  user: ${user}
`;

/** Runs berth with a kubeconfig and returns what it printed and the connections it made. */
async function run(args: string[], user = '{}'): Promise<{ code: number; stderr: string; connections: ConnectionInfo[] }> {
  const home = tempHome();
  mkdirSync(join(home, '.berth'));
  writeFileSync(join(home, '.berth', 'config'), config(user));
  const connections: ConnectionInfo[] = [];
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: () => {} },
    stderr: { write: (s) => void (stderr += s) },
    readStdin: async () => '',
    env: {},
    cwd: home,
    home,
    clientFactory: (conn) => {
      connections.push(conn);
      return new FakeApi();
    },
  });
  return { code, stderr, connections };
}

describe('impersonation', () => {
  test('the flags win over the kubeconfig user; groups without a user are an error', () => {
    const ctx = (user: string): ReturnType<typeof resolveContext> => resolveContext(parseKubeconfig(config(user), 'x'));
    assert.equal(impersonationFor(ctx('{}')), undefined);
    assert.deepEqual(impersonationFor(ctx('{}'), { as: 'jdoe' }), { user: 'jdoe' });
    assert.deepEqual(impersonationFor(ctx('{}'), { as: 'jdoe', asGroups: ['devs', 'ops'] }), { user: 'jdoe', groups: ['devs', 'ops'] });
    assert.deepEqual(impersonationFor(ctx('{as: jdoe, as-groups: [devs]}')), { user: 'jdoe', groups: ['devs'] });
    assert.deepEqual(impersonationFor(ctx('{as: jdoe, as-groups: [devs]}'), { as: 'mgandhi' }), { user: 'mgandhi', groups: ['devs'] });
    assert.deepEqual(impersonationFor(ctx('{as: jdoe, as-groups: [devs]}'), { asGroups: ['ops'] }), { user: 'jdoe', groups: ['ops'] });
    assert.throws(() => impersonationFor(ctx('{}'), { asGroups: ['devs'] }), /^Error: requesting groups or user-extra for admin without impersonating a user$/);
    assert.throws(() => impersonationFor(ctx('{as-groups: [devs]}')), /requesting groups or user-extra for admin without impersonating a user/);
    // No user in the context: client-go names none.
    assert.throws(() => impersonationFor(resolveContext(parseKubeconfig('', 'x')), { asGroups: ['devs'] }), /^Error: requesting groups or user-extra for  without impersonating a user$/);
  });

  test("the connection carries it into the gRPC client's options", () => {
    const ctx = resolveContext(parseKubeconfig(config('{token: t0k}'), 'x'));
    const conn = connectionFor(ctx, { as: 'jdoe', asGroups: ['devs'] });
    assert.deepEqual(conn.impersonate, { user: 'jdoe', groups: ['devs'] });
    assert.deepEqual(grpcClientOptions(conn), {
      addresses: ['127.0.0.1:6443'],
      token: 't0k',
      impersonate: { user: 'jdoe', groups: ['devs'] },
      connectTimeoutMs: 5000,
      maxAttempts: 1,
    });
    assert.equal('impersonate' in grpcClientOptions(connectionFor(ctx)), false);
  });

  test('--as and --as-group (repeatable, anywhere on the line) reach the client', async () => {
    let r = await run(['get', 'pods', '--as', 'jdoe', '--as-group', 'devs', '--as-group=ops']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.connections.map((c) => c.impersonate), [{ user: 'jdoe', groups: ['devs', 'ops'] }]);
    r = await run(['--as=jdoe', 'auth', 'can-i', 'get', 'pods']);
    assert.deepEqual(r.connections.map((c) => c.impersonate), [{ user: 'jdoe' }]);
    r = await run(['get', 'pods'], '{as: jdoe}');
    assert.deepEqual(r.connections.map((c) => c.impersonate), [{ user: 'jdoe' }]);
    r = await run(['get', 'pods']);
    assert.deepEqual(r.connections.map((c) => c.impersonate), [undefined]);
  });

  test('--as-group without --as: kubectl\'s error, before any request', async () => {
    const r = await run(['get', 'pods', '--as-group', 'devs'], '');
    assert.deepEqual({ code: r.code, stderr: r.stderr, connections: r.connections.length }, {
      code: 1,
      stderr: 'error: requesting groups or user-extra for admin without impersonating a user\n',
      connections: 0,
    });
    // Commands that need no server do not check it.
    assert.equal((await run(['config', 'current-context', '--as-group', 'devs'])).code, 0);
  });
});
