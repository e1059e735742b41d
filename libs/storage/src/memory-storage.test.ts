// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStorage } from './memory-storage';
import { isStorageError } from './storage';
import { storageContract } from './storage.contract';

storageContract('MemoryStorage', async () => {
  const storage = new MemoryStorage();
  return { storage, cleanup: () => storage.close(), compact: (rev) => storage.compact(rev) };
});

describe('MemoryStorage', () => {
  test('keeps a bounded history: watching before it fails with Expired', async () => {
    const storage = new MemoryStorage({ historySize: 5 });
    const start = await storage.currentRevision();
    for (let i = 0; i < 10; i++) await storage.create(`/registry/pods/default/p${i}`, { metadata: { name: `p${i}` } });
    const ac = new AbortController();
    await assert.rejects(storage.watch('/registry/pods/', start, ac.signal)[Symbol.asyncIterator]().next(), (e) =>
      isStorageError(e, 'Expired'),
    );
    const recent = String(Number(await storage.currentRevision()) - 3);
    const it = storage.watch('/registry/pods/', recent, ac.signal)[Symbol.asyncIterator]();
    const names = [];
    for (let i = 0; i < 3; i++) names.push((await it.next()).value?.object.metadata?.name);
    assert.deepEqual(names, ['p7', 'p8', 'p9']);
    ac.abort();
  });
});
