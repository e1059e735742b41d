// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeIptables } from './fake-iptables';
import { splitArgs } from './iptables';

const BASE = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-A - [0:0]
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-A
-A KUBE-SVC-A -j DNAT --to-destination 10.0.0.1:6443
COMMIT
`;

describe('splitArgs', () => {
  test('groups double-quoted words and unescapes', () => {
    assert.deepEqual(splitArgs('-A X -m comment --comment "a b \\"c\\"" -j Y'), ['-A', 'X', '-m', 'comment', '--comment', 'a b "c"', '-j', 'Y']);
  });
});

describe('FakeIptables', () => {
  test('restore creates chains and rules; a re-declared chain is flushed, others stay', async () => {
    const ipt = new FakeIptables();
    await ipt.restore(BASE, { noflush: true });
    assert.equal(ipt.rules('nat', 'KUBE-SERVICES')?.[0]?.[7], 'default/kubernetes:https cluster IP');
    await ipt.restore('*nat\n:KUBE-SVC-A - [0:0]\n-A KUBE-SVC-A -j DNAT --to-destination 10.0.0.2:6443\nCOMMIT\n', { noflush: true });
    assert.deepEqual(ipt.rules('nat', 'KUBE-SVC-A'), [['-j', 'DNAT', '--to-destination', '10.0.0.2:6443']]);
    assert.equal(ipt.rules('nat', 'KUBE-SERVICES')?.length, 1, 'undeclared chain untouched');
  });

  test('a failing line leaves every table unchanged', async () => {
    const ipt = new FakeIptables();
    await ipt.restore(BASE, { noflush: true });
    const before = await ipt.save('nat');
    await assert.rejects(
      ipt.restore('*nat\n:KUBE-SVC-A - [0:0]\n-A KUBE-SVC-A -j KUBE-SEP-MISSING\nCOMMIT\n', { noflush: true }),
      /KUBE-SEP-MISSING/,
    );
    assert.equal(await ipt.save('nat'), before);
  });

  test('-X refuses a chain that is still referenced, accepts it once unreferenced', async () => {
    const ipt = new FakeIptables();
    await ipt.restore(BASE, { noflush: true });
    await assert.rejects(ipt.restore('*nat\n:KUBE-SVC-A - [0:0]\n-X KUBE-SVC-A\nCOMMIT\n', { noflush: true }), /referenced/);
    await ipt.restore('*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-A - [0:0]\n-X KUBE-SVC-A\nCOMMIT\n', { noflush: true });
    assert.equal(ipt.rules('nat', 'KUBE-SVC-A'), undefined);
  });

  test('ensureRule is idempotent and honours the position', async () => {
    const ipt = new FakeIptables();
    await ipt.ensureChain('nat', 'KUBE-SERVICES');
    await ipt.ensureRule('nat', 'OUTPUT', 'append', ['-j', 'RETURN']);
    assert.equal(await ipt.ensureRule('nat', 'OUTPUT', 'prepend', ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']), true);
    assert.equal(await ipt.ensureRule('nat', 'OUTPUT', 'prepend', ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']), false);
    assert.deepEqual(ipt.rules('nat', 'OUTPUT')?.map((r) => r.at(-1)), ['KUBE-SERVICES', 'RETURN']);
    assert.equal(await ipt.deleteRule('nat', 'OUTPUT', ['-j', 'RETURN']), true);
    assert.equal(await ipt.deleteRule('nat', 'OUTPUT', ['-j', 'RETURN']), false);
  });

  test('restore without noflush is refused', async () => {
    const ipt = new FakeIptables();
    await assert.rejects(ipt.restore(BASE, { noflush: false } as unknown as { noflush: true }));
  });
});
