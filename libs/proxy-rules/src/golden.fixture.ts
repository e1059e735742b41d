// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Compares a rendering with the golden file `name`. */
export type Golden = (name: string, actual: string) => void;

const GOLDEN_DIR = join(import.meta.dirname, '__golden__');

/** Golden files <dir>/<name><ext>; UPDATE_GOLDEN=1 rewrites the file instead of comparing. */
function goldenFiles(dir: string, ext: string): Golden {
  return (name, actual) => {
    const file = join(dir, `${name}${ext}`);
    if (process.env['UPDATE_GOLDEN'] === '1') {
      writeFileSync(file, actual);
      return;
    }
    assert.ok(existsSync(file), `missing golden file ${file}: run with UPDATE_GOLDEN=1 and review it`);
    assert.equal(actual, readFileSync(file, 'utf8'), `${name}${ext} differs (UPDATE_GOLDEN=1 to accept the new output)`);
  };
}

/** iptables-restore text: __golden__/<name>.rules. */
export const rulesGolden = goldenFiles(GOLDEN_DIR, '.rules');

/** nft -f transactions: __golden__/nft/<name>.nft. */
export const nftGolden = goldenFiles(join(GOLDEN_DIR, 'nft'), '.nft');
