// SPDX-License-Identifier: Apache-2.0
// The bundled command (scripts/bundle.mjs) behaves as the sources do, and bin/berth.mjs
// uses it only while it is newer than every file it was built from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..');
const berth = (...args: string[]): string => execFileSync('node', [join(cli, 'bin/berth.mjs'), ...args], { encoding: 'utf8' });
const compiler = (): string => (JSON.parse(berth('version', '--client', '-o', 'json')) as { clientVersion: { compiler: string } }).clientVersion.compiler;

test('bin/berth.mjs runs the bundle while it is fresh, and the sources once any input is newer', () => {
  execFileSync('node', [join(cli, 'scripts/bundle.mjs')]);
  assert.equal(compiler(), 'esbuild');
  const { version } = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')) as { version: string };
  assert.match(berth('version', '--client'), new RegExp(`^Client Version: v${version.replace(/\./g, '\\.')}\n`));
  // files beside the code (the protos) are found from the bundle as from the sources
  assert.match(berth('explain', 'pods.spec.containers'), /^KIND:\s+Pod\n/);

  // an input edited after the bundle was made: the sources run
  const bundle = join(cli, 'dist/berth.mjs');
  const built = statSync(bundle).mtime;
  const past = new Date(statSync(join(cli, 'src/main.ts')).mtimeMs - 60_000);
  utimesSync(bundle, past, past);
  try {
    assert.equal(compiler(), 'tsx');
  } finally {
    utimesSync(bundle, built, built);
  }
  assert.equal(compiler(), 'esbuild');
});
