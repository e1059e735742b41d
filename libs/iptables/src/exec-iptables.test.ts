// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecIptables } from './exec-iptables';
import { createTestNetns, listNetns, type TestNetns } from './netns';

// Real iptables (nft backend), inside a network namespace this test creates and removes,
// so the host's rules are never touched. Needs root.
describe('ExecIptables in a test network namespace', () => {
  let ns: TestNetns;
  let ipt: ExecIptables;
  before(async () => {
    ns = await createTestNetns();
    ipt = new ExecIptables({ netns: ns.name });
  });
  after(async () => {
    await ns?.remove();
  });

  test('restore --noflush over stdin writes chains; a second restore replaces only declared chains', async () => {
    await ipt.restore(
      '*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-TEST - [0:0]\n' +
        '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-TEST\n' +
        '-A KUBE-SVC-TEST -p tcp -m tcp -j DNAT --to-destination 10.0.0.1:6443\nCOMMIT\n',
      { noflush: true },
    );
    await ipt.restore('*nat\n:KUBE-SVC-TEST - [0:0]\n-A KUBE-SVC-TEST -p tcp -m tcp -j DNAT --to-destination 10.0.0.2:6443\nCOMMIT\n', { noflush: true });
    const saved = await ipt.save('nat');
    assert.match(saved, /-A KUBE-SERVICES -d 10\.96\.0\.1\/32 -p tcp -m comment --comment "default\/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-TEST/);
    assert.match(saved, /--to-destination 10\.0\.0\.2:6443/);
    assert.doesNotMatch(saved, /10\.0\.0\.1:6443/);
  });

  test('a bad restore fails with iptables-restore’s message', async () => {
    await assert.rejects(ipt.restore('*nat\n-A NO-SUCH-CHAIN -j RETURN\nCOMMIT\n', { noflush: true }), /iptables-restore failed/);
  });

  test('ensureChain and ensureRule are idempotent', async () => {
    assert.equal(await ipt.ensureChain('nat', 'KUBE-POSTROUTING'), true);
    assert.equal(await ipt.ensureChain('nat', 'KUBE-POSTROUTING'), false);
    const hook = ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING'];
    assert.equal(await ipt.ensureRule('nat', 'POSTROUTING', 'prepend', hook), true);
    assert.equal(await ipt.ensureRule('nat', 'POSTROUTING', 'prepend', hook), false);
    const saved = await ipt.save('nat');
    assert.equal(saved.split('\n').filter((l) => l.startsWith('-A POSTROUTING')).length, 1);
    assert.equal(await ipt.deleteRule('nat', 'POSTROUTING', hook), true);
    assert.equal(await ipt.deleteRule('nat', 'POSTROUTING', hook), false);
  });

  test('the namespace is gone after remove', async () => {
    const other = await createTestNetns();
    assert.ok((await listNetns()).includes(other.name));
    await other.remove();
    assert.ok(!(await listNetns()).includes(other.name));
  });
});
