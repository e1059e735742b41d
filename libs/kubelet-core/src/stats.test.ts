// SPDX-License-Identifier: Apache-2.0
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRuntime } from '@berth/runtime';
import { collectPodUsage } from './stats';

test('pod usage sums the running containers of each pod from two samples', async () => {
  const rt = new MemoryRuntime({ images: ['busybox:latest'] });
  const sb = await rt.runSandbox({ pod: { uid: 'u1', name: 'web', namespace: 'default' }, attempt: 0, hostname: 'web', dnsServers: [], dnsSearches: [], dnsOptions: [] });
  for (const name of ['a', 'b']) await rt.startContainer(await rt.createContainer(sb.id, { name, attempt: 0, image: 'busybox:latest', env: [], mounts: [] }));
  const usage = await collectPodUsage(rt, 50);
  assert.equal(usage.length, 1);
  assert.equal(usage[0]?.name, 'web');
  assert.deepEqual(usage[0]?.containers.map((c) => c.name).sort(), ['a', 'b']);
  assert.equal(usage[0]?.memoryWorkingSetBytes, 2 * (4 << 20));
  assert.ok((usage[0]?.cpuMillis ?? 0) >= 0);
});
