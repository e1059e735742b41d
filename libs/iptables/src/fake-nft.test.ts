// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNft } from './fake-nft';

const BLOCK = `add table ip t
delete table ip t
table ip t {
\tcomment "rules"
\tmap m {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\telements = { 10.96.0.10 . tcp . 80 : goto svc-a,
\t\t\t     10.96.0.11 . tcp . 80 comment "ns/b" : goto svc-b }
\t}
\tset aff {
\t\ttype ipv4_addr
\t\tflags dynamic,timeout
\t\ttimeout 60s
\t}
\tchain nat-prerouting {
\t\ttype nat hook prerouting priority -100; policy accept;
\t\tip daddr . meta l4proto . th dport vmap @m
\t}
\tchain svc-a {
\t\tip saddr @aff meta l4proto tcp dnat to 10.244.1.1:80
\t\tgoto svc-b
\t}
\tchain svc-b {
\t\tmeta l4proto tcp dnat to 10.244.1.2:80
\t}
}
`;

describe('FakeNft', () => {
  test('applies a table block: sets, maps with elements, base and regular chains (forward references too)', async () => {
    const nft = new FakeNft();
    await nft.apply(BLOCK);
    const t = nft.table('ip', 't');
    assert.ok(t);
    assert.equal(t.comment, 'rules');
    assert.deepEqual([...(t.sets.get('m')?.elements ?? [])], [
      ['10.96.0.10 . tcp . 80', { value: 'goto svc-a' }],
      ['10.96.0.11 . tcp . 80', { value: 'goto svc-b', comment: 'ns/b' }],
    ]);
    assert.deepEqual(t.sets.get('aff')?.props, ['type ipv4_addr', 'flags dynamic,timeout', 'timeout 60s']);
    assert.equal(t.chains.get('nat-prerouting')?.base, 'type nat hook prerouting priority -100; policy accept;');
    assert.deepEqual(t.chains.get('svc-a')?.rules, ['ip saddr @aff meta l4proto tcp dnat to 10.244.1.1:80', 'goto svc-b']);
    // Applying it again replaces the table (add + delete + block).
    await nft.apply(BLOCK);
    assert.equal(nft.table('ip', 't')?.chains.get('svc-a')?.rules.length, 2);
  });

  test('incremental commands in the order the kernel accepts', async () => {
    const nft = new FakeNft();
    await nft.apply(BLOCK);
    await nft.apply(
      [
        'delete element ip t m { 10.96.0.11 . tcp . 80 }',
        'flush chain ip t svc-a',
        'delete chain ip t svc-b',
        'add chain ip t svc-c',
        'add rule ip t svc-a meta l4proto tcp dnat to 10.244.1.3:80',
        'add rule ip t svc-c goto svc-a',
        'add element ip t m { 10.96.0.12 . tcp . 80 : goto svc-c }',
        'add set ip t aff2 { type ipv4_addr; flags dynamic,timeout; timeout 60s; }',
        'add chain ip t out { type nat hook output priority -100; policy accept; }',
        '',
      ].join('\n'),
    );
    const t = nft.table('ip', 't');
    assert.deepEqual([...(t?.sets.get('m')?.elements.keys() ?? [])], ['10.96.0.10 . tcp . 80', '10.96.0.12 . tcp . 80']);
    assert.deepEqual([...(t?.chains.keys() ?? [])], ['nat-prerouting', 'svc-a', 'svc-c', 'out']);
    assert.equal(t?.chains.get('out')?.base, 'type nat hook output priority -100; policy accept;');
    assert.deepEqual(t?.sets.get('aff2')?.props, ['type ipv4_addr', 'flags dynamic,timeout', 'timeout 60s']);
  });

  test('refuses what the kernel refuses, and a failed script changes nothing', async () => {
    const nft = new FakeNft();
    await nft.apply(BLOCK);
    const before = await nft.listTable('ip', 't');
    const bad: Array<[string, RegExp]> = [
      ['delete chain ip t svc-b', /busy.*svc-a|busy/],
      ['delete chain ip t svc-a', /busy/],
      ['delete set ip t aff', /busy/],
      ['add rule ip t nope accept', /No such file/],
      ['add rule ip t svc-b jump nope', /No such file/],
      ['add element ip t m { 10.96.0.10 . tcp . 80 : goto svc-b }', /File exists/],
      ['delete element ip t m { 10.9.9.9 . tcp . 80 }', /No such file/],
      ['add chain ip t nat-prerouting { type nat hook output priority -100; policy accept; }', /File exists/],
      ['add set ip t aff { type ipv4_addr; flags dynamic,timeout; timeout 120s; }', /declared differently/],
      ['flush chain ip t nope', /No such file/],
      ['delete table ip nope', /No such file/],
    ];
    for (const [cmd, err] of bad) {
      await assert.rejects(nft.apply(`flush chain ip t svc-b\n${cmd}\n`), err, cmd);
      assert.equal(await nft.listTable('ip', 't'), before, `unchanged after: ${cmd}`);
    }
    nft.failNextApply = 'boom';
    await assert.rejects(nft.apply('add table ip x\n'), /boom/);
    assert.deepEqual(nft.tableNames(), ['ip t']);
  });

  test('flush table empties the chains and keeps sets and their elements; deleteTable is idempotent', async () => {
    const nft = new FakeNft();
    await nft.apply(BLOCK);
    await nft.apply('add table ip t\nflush table ip t\n');
    const t = nft.table('ip', 't');
    assert.deepEqual([...(t?.chains.values() ?? [])].map((c) => c.rules.length), [0, 0, 0]);
    assert.equal(t?.sets.get('m')?.elements.size, 2);
    await nft.deleteTable('ip', 't');
    await nft.deleteTable('ip', 't');
    assert.equal(await nft.listTable('ip', 't'), undefined);
  });
});
