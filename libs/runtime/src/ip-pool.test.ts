// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IpPool } from './ip-pool';
import { MemoryRuntime } from './memory-runtime';
import { containerRuntimeName } from './labels';

describe('IpPool', () => {
  test('skips network, gateway and broadcast; reserved and used addresses are not handed out twice', () => {
    const p = new IpPool('10.244.1.0/29');
    assert.equal(p.gateway(), '10.244.1.1');
    p.reserve('10.244.1.3');
    const got = [p.allocate(), p.allocate(), p.allocate(), p.allocate()];
    assert.deepEqual(got, ['10.244.1.2', '10.244.1.4', '10.244.1.5', '10.244.1.6']);
    assert.throws(() => p.allocate(), /no free pod IP/);
    p.release('10.244.1.5');
    assert.equal(p.allocate(), '10.244.1.5');
    assert.throws(() => new IpPool('nonsense'), /invalid IPv4 CIDR/);
  });
});

describe('MemoryRuntime', () => {
  test('runs sandboxes and containers, scripted exits, missing images fail the pull', async () => {
    const rt = new MemoryRuntime({ images: ['busybox:latest'], behavior: (c) => (c.name === 'job' ? { exitAfterMs: 5, exitCode: 0, output: ['done'] } : undefined) });
    const pod = { uid: 'u', name: 'p', namespace: 'default' };
    const sb = await rt.runSandbox({ pod, attempt: 0, hostname: 'p', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    assert.equal(sb.ip, '10.244.0.2');
    const id = await rt.createContainer(sb.id, { name: 'job', attempt: 0, image: 'busybox:latest', env: [], mounts: [] });
    await rt.startContainer(id);
    await new Promise((r) => setTimeout(r, 20));
    const info = await rt.inspectContainer(id);
    assert.equal(info.state, 'exited');
    let out = '';
    for await (const c of rt.logs(id, {})) out += Buffer.from(c.data).toString();
    assert.equal(out, 'done\n');
    await assert.rejects(rt.pullImage('x:does-not-exist'), /pull access denied/);
    assert.equal(containerRuntimeName(pod, 'db', 2), 'k8s_db_p_default_u_2');
  });
});
