#!/usr/bin/env node
// The berth command: the bundle (apps/cli/dist, from scripts/bundle.mjs) when it is newer
// than every file it was built from, else the TypeScript sources through tsx.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(import.meta.dirname, '../dist');
const root = join(import.meta.dirname, '../../..');

function bundleIsFresh() {
  try {
    const built = statSync(join(dist, 'berth.mjs')).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(join(dist, 'meta.json'), 'utf8'));
    return inputs.every((f) => statSync(join(root, f)).mtimeMs <= built);
  } catch {
    return false; // no bundle, or an input gone
  }
}

if (bundleIsFresh()) {
  await import('../dist/berth.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
