// SPDX-License-Identifier: Apache-2.0
// `cluster up` where a port is taken: one clear line, exit 1, and nothing made.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '@berth/testing';

const ROOT = join(import.meta.dirname, '../../..');

describe('cluster up refuses a machine it cannot use', () => {
  test('a port already in use: one line naming it and how to fix it, and no namespace, bridge or container left', async () => {
    const etcdPort = await freePort();
    const blocker = createServer().listen(etcdPort, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const home = mkdtempSync('/tmp/berth-preflight-');
    try {
      const r = spawnSync('bash', [join(ROOT, 'deploy/local/cluster.sh'), 'up', '--nodes', '1'], {
        env: { ...process.env, BERTH_HOME: home, BERTH_CLUSTER: 'bpre', BERTH_NODE_SUBNET: '172.31.78', BERTH_ETCD_PORT: String(etcdPort), BERTH_API_PORT: String(await freePort()), BERTH_NATS_PORT: String(await freePort()) },
        encoding: 'utf8',
        timeout: 5 * 60_000,
      });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.deepEqual(errors, [`error: port ${etcdPort} (for etcd) is already in use: stop what holds it (ss -ltnp 'sport = :${etcdPort}'), or set BERTH_ETCD_PORT`]);
      assert.doesNotMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, /bpre-/);
      assert.notEqual(spawnSync('ip', ['link', 'show', 'bpre-br']).status, 0, 'no bridge');
      assert.doesNotMatch(spawnSync('ip', ['route', 'show'], { encoding: 'utf8' }).stdout, /metric 4078/, 'no guard route');
      assert.equal(spawnSync('docker', ['ps', '-aq', '--filter', 'label=berth.cluster=bpre'], { encoding: 'utf8' }).stdout.trim(), '');
    } finally {
      blocker.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('a bad --nodes value or cluster name is refused before anything starts', () => {
    const run = (args: string[], env: Record<string, string> = {}): string =>
      spawnSync('bash', [join(ROOT, 'deploy/local/cluster.sh'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }).stderr;
    assert.equal(run(['up', '--nodes', 'many']), 'error: --nodes: invalid value "many": want 1-50\n');
    assert.match(run(['up'], { BERTH_CLUSTER: 'Bad_Name' }), /^error: BERTH_CLUSTER=Bad_Name: want 1-8 lowercase letters or digits, starting with a letter\n$/);
  });
});
