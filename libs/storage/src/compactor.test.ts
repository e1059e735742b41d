// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startCompactor, type Compactable } from './compactor';

describe('startCompactor', () => {
  test('each round offers the revision the previous round saw, with the version it agreed', async () => {
    const offers: Array<[number, string]> = [];
    let storeRevision = 100;
    const store: Compactable = {
      async compactRound(expectVersion, revision) {
        offers.push([expectVersion, revision]);
        storeRevision += 10;
        // Round 2 is won by another apiserver, which took the count to 5.
        return offers.length === 2 ? { version: 5, revision: String(storeRevision) } : { version: expectVersion + 1, revision: String(storeRevision) };
      },
    };
    const stop = startCompactor(store, { intervalMs: 5 });
    while (offers.length < 4) await new Promise((r) => setTimeout(r, 5));
    stop();
    assert.deepEqual(offers.slice(0, 4), [
      [0, '0'],
      [1, '110'],
      [5, '120'],
      [6, '130'],
    ]);
  });

  test('a failed round is reported and the next one goes on; stop ends the rounds', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const store: Compactable = {
      async compactRound(expectVersion, revision) {
        rounds++;
        if (rounds === 1) throw new Error('etcd is down');
        return { version: expectVersion + 1, revision };
      },
    };
    const stop = startCompactor(store, { intervalMs: 5, onError: (e) => errors.push(e) });
    while (rounds < 3) await new Promise((r) => setTimeout(r, 5));
    stop();
    const after = rounds;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(rounds, after);
    assert.equal(errors.length, 1);
  });
});
