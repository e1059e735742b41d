// SPDX-License-Identifier: Apache-2.0
// The component images of deploy/images/build-components.sh: the bundled apiserver starts in its image
// (it reaches its config parsing, so every module and unbundled package loaded), the kube-proxy image has
// working iptables (nft) and iproute2, and a second build run changes nothing.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '../../..');
const DOCKER = '/usr/bin/docker';
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const COMPONENTS = 'apiserver kube-proxy';

function buildComponents(): string {
  return execFileSync('bash', [join(REPO, 'deploy/images/build-components.sh')], {
    encoding: 'utf8',
    env: { ...process.env, BERTH_COMPONENTS: COMPONENTS },
    timeout: 300_000,
  });
}

function dockerRun(...args: string[]) {
  return spawnSync(DOCKER, ['run', '--rm', ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('component images', { timeout: 600_000 }, () => {
  before(() => {
    buildComponents();
  });

  test('the apiserver image runs its bundle: an unknown flag is a config error', () => {
    const r = dockerRun(`berth/apiserver:${VERSION}`, '--bogus');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: Unknown option '--bogus'$/m);
  });

  test('the kube-proxy image has iptables (nft backend) and iproute2', () => {
    const image = `berth/kube-proxy:${VERSION}`;
    for (const cmd of ['iptables', 'iptables-save', 'iptables-restore']) {
      const r = dockerRun('--entrypoint', cmd, image, '--version');
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^${cmd} v\\d+\\.\\d+\\.\\d+ \\(nf_tables\\)`));
    }
    const ip = dockerRun('--entrypoint', 'ip', image, '-V');
    assert.equal(ip.status, 0, ip.stderr);
    assert.match(ip.stdout, /iproute2/);
  });

  test('a second build run rebuilds nothing', () => {
    const out = buildComponents();
    for (const app of COMPONENTS.split(' ')) {
      assert.match(out, new RegExp(`^bundle up to date: ${app}$`, 'm'));
      assert.match(out, new RegExp(`^up to date: berth/${app}:${VERSION}$`, 'm'));
    }
  });
});
