// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { allControllers } from '@berth/controllers';
import { compileControllerManagerConfig, ConfigError } from './config';
import { enabledControllers, readControllerFiles } from './manager';

describe('controller-manager wiring', () => {
  let dir = '';
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the token files are read into the controllers options as PEM strings', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-cm-'));
    await writeFile(join(dir, 'sa.key'), 'KEY PEM');
    await writeFile(join(dir, 'ca.crt'), 'CA PEM');
    const config = compileControllerManagerConfig(['--insecure', '--service-account-private-key-file', join(dir, 'sa.key'), '--root-ca-file', join(dir, 'ca.crt')], {});
    assert.deepEqual(await readControllerFiles(config), { serviceAccountPrivateKey: 'KEY PEM', rootCa: 'CA PEM' });
    assert.deepEqual(await readControllerFiles({}), {}, 'no flags, no options');
    await assert.rejects(readControllerFiles({ rootCaFile: join(dir, 'missing.crt') }), (err: unknown) => err instanceof ConfigError && /^--root-ca-file: cannot read /.test(err.message));
  });

  test('both service-account controllers run by default, after the namespace controller', () => {
    const names = enabledControllers(compileControllerManagerConfig(['--insecure'], {})).map((c) => c.name);
    assert.deepEqual(names.slice(names.indexOf('namespace-controller'), names.indexOf('namespace-controller') + 3), ['namespace-controller', 'serviceaccount-controller', 'serviceaccount-token-controller']);
    assert.equal(names.length, allControllers.length);
  });
});
