// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IpPool } from './ip-pool';
import { MemoryRuntime } from './memory-runtime';
import { containerRuntimeName } from './labels';
import { toyExec } from './toy-exec';

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

  test('interactive exec sessions: stdin to the end, resizes, one stream with a terminal, close kills', async () => {
    const rt = new MemoryRuntime({ images: ['busybox'], interactiveExec: toyExec });
    const sb = await rt.runSandbox({ pod: { uid: 'u', name: 'p', namespace: 'default' }, attempt: 0, hostname: 'p', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    const id = await rt.createContainer(sb.id, { name: 'sh', attempt: 0, image: 'busybox', env: [], mounts: [] });
    await rt.startContainer(id);
    const read = async (s: { output: AsyncIterable<{ stream: string; data: Uint8Array }> }): Promise<string> => {
      let out = '';
      for await (const c of s.output) out += `${c.stream}:${Buffer.from(c.data).toString()}`;
      return out;
    };
    const cat = await rt.exec(id, { command: ['sh', '-c', 'cat; echo err >&2; exit 2'], stdin: true });
    cat.write(Buffer.from('a'));
    cat.write(Buffer.from('b'));
    cat.closeStdin();
    assert.equal(await read(cat), 'stdout:astdout:bstderr:err\n');
    assert.equal(await cat.exitCode, 2);
    const tty = await rt.exec(id, { command: ['sh', '-c', 'cat; stty size; nope'], stdin: true, tty: true });
    await tty.resize(80, 24);
    tty.closeStdin();
    assert.equal(await read(tty), 'stdout:24 80\nstdout:sh: nope: not found\n');
    assert.equal(await tty.exitCode, 127);
    const noStdin = await rt.exec(id, { command: ['cat'] });
    noStdin.write(Buffer.from('dropped'));
    assert.equal(await read(noStdin), '');
    const sleep = await rt.exec(id, { command: ['sleep', '3600'] });
    sleep.close();
    assert.equal(await sleep.exitCode, 137);
    rt.exit(id, 0);
    await assert.rejects(rt.exec(id, { command: ['ls'] }), /is not running/);
  });

  test('execSync runs the toy shell to its end or its timeout; a stopped container ends its execs; calls are timed', async () => {
    const rt = new MemoryRuntime({ images: ['busybox'], interactiveExec: toyExec });
    const sb = await rt.runSandbox({ pod: { uid: 'u', name: 'p', namespace: 'default' }, attempt: 0, hostname: 'p', dnsServers: [], dnsSearches: [], dnsOptions: [] });
    const id = await rt.createContainer(sb.id, { name: 'sh', attempt: 0, image: 'busybox', env: [], mounts: [] });
    await rt.startContainer(id);
    assert.deepEqual(await rt.execSync(id, ['sh', '-c', 'echo out; echo err >&2; sleep 0.05; exit 3'], 5000), { exitCode: 3, output: 'out\nerr\n', timedOut: false });
    assert.deepEqual(await rt.execSync(id, ['sleep', '10'], 50), { exitCode: -1, output: '', timedOut: true });
    const hanging = rt.execSync(id, ['sh', '-c', 'echo bye; sleep'], 60_000);
    await new Promise((r) => setTimeout(r, 20));
    await rt.stopContainer(id, 2);
    assert.deepEqual(await hanging, { exitCode: 137, output: 'bye\n', timedOut: false });
    const calls = rt.timeline.map((e) => e.call);
    assert.deepEqual(calls.slice(-2), ['exec sh#0 sh -c echo bye; sleep', 'stopContainer sh#0 grace=2']);
    const [exec, stop] = rt.timeline.slice(-2);
    assert.ok(exec && stop && stop.at - exec.at >= 15, `stop ${stop?.at} after exec ${exec?.at}`);
    assert.deepEqual(rt.calls, calls);
  });
});
