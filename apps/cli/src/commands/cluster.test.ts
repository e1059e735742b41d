// SPDX-License-Identifier: Apache-2.0
// `berth cluster` runs deploy/local/cluster.sh; these cases stop before it changes anything.
// The cluster it brings up is exercised by test/e2e.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { berth } from './cli.test-helper';

describe('berth cluster', () => {
  test('an unknown or missing subcommand is a usage error', async () => {
    const none = await berth(undefined, ['cluster']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: unknown cluster command "": want one of up, down, status\nSee 'berth cluster -h' for help and examples\n$/);
    const bad = await berth(undefined, ['cluster', 'restart']);
    assert.match(bad.stderr, /unknown cluster command "restart"/);
  });

  test("the script's one-line error and exit code reach the user, with nothing added", async () => {
    const r = await berth(undefined, ['cluster', 'up', '--nodes', '0']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: --nodes: invalid value "0": want 1-50\n');
    const flag = await berth(undefined, ['cluster', 'up', '--bogus']);
    assert.equal(flag.stderr, 'error: unknown flag --bogus: usage: cluster.sh up [--nodes N]\n');
  });
});
