// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestNetns, type TestNetns } from './netns';
import { ExecNft, nftAvailable } from './nft';

// Real nft, inside a network namespace this test creates and removes, so the host's
// ruleset is never touched. Needs root and the nftables package.
describe('ExecNft in a test network namespace', () => {
  let ns: TestNetns;
  let nft: ExecNft;
  before(async () => {
    ns = await createTestNetns();
    nft = new ExecNft({ netns: ns.name });
  });
  after(async () => {
    await ns?.remove();
  });

  test('nft is installed', async () => {
    assert.equal(await nftAvailable(), true);
    assert.equal(await nftAvailable({ binary: 'no-such-nft-binary' }), false);
  });

  test('a script over stdin is applied; listTable shows it; a missing table is undefined', async () => {
    assert.equal(await nft.listTable('ip', 'kube-proxy'), undefined);
    await nft.apply('add table ip kube-proxy\nadd chain ip kube-proxy services\nadd rule ip kube-proxy services ip daddr 10.96.0.1 tcp dport 443 accept\n');
    assert.match((await nft.listTable('ip', 'kube-proxy')) ?? '', /chain services \{\n\s+ip daddr 10\.96\.0\.1 tcp dport 443 accept/);
  });

  test('a failing script changes nothing and reports nft’s message', async () => {
    const before = await nft.listTable('ip', 'kube-proxy');
    await assert.rejects(
      nft.apply('add chain ip kube-proxy other\nadd rule ip kube-proxy no-such-chain accept\n'),
      (e: Error) => /nft -f failed/.test(e.message) && /No such file or directory/.test(e.message),
    );
    assert.equal(await nft.listTable('ip', 'kube-proxy'), before);
  });

  test('deleteTable removes the table and is idempotent', async () => {
    await nft.deleteTable('ip', 'kube-proxy');
    await nft.deleteTable('ip', 'kube-proxy');
    assert.equal(await nft.listTable('ip', 'kube-proxy'), undefined);
  });
});
