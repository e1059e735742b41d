// SPDX-License-Identifier: Apache-2.0
// Bundles the berth command into apps/cli/dist/berth.mjs (esbuild), with the list of its
// inputs (dist/meta.json) that bin/berth.mjs checks before using it. A bundle starts in a
// third of the time tsx takes to load the TypeScript sources (~0.5 s against ~1.7 s here).
// Run: node apps/cli/scripts/bundle.mjs (cluster.sh up runs it with the images).
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..');
const dist = join(cli, 'dist');
const result = await build({
  absWorkingDir: join(cli, '../..'),
  entryPoints: ['apps/cli/src/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // ESM output, but bundled CommonJS packages still call require() (node builtins, their own files).
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  outfile: join(dist, 'berth.mjs'),
  metafile: true,
  write: false,
  logLevel: 'warning',
});
// Renamed into place, so a berth command starting meanwhile reads the old files or the new.
const put = (name, data) => {
  writeFileSync(join(dist, `${name}.tmp`), data);
  renameSync(join(dist, `${name}.tmp`), join(dist, name));
};
mkdirSync(dist, { recursive: true });
// Files only: esbuild also lists pseudo-inputs such as <define:…>.
put('meta.json', JSON.stringify({ inputs: Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('<')) }));
put('berth.mjs', result.outputFiles[0].contents);
