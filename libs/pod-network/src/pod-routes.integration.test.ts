// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApi } from '@berth/client/testing';
import { createTestNetns, ExecIptables, listNetns, runChecked, type TestNetns } from '@berth/iptables';
import { waitFor } from '@berth/testing';
import type { Node } from './host-gw-routes';
import { ExecRouteTable } from './ip-routes';
import { NODES, PodRoutesController } from './pod-routes-controller';

// The real `ip` and iptables, inside a network namespace this test creates and removes, so
// the host's routes and rules are never touched. The "node network" is a bridge holding
// 172.31.250.1/24 (this kernel has no dummy link type); gateways on it need no live
// neighbour for the kernel to accept a route. Needs root.

const CLUSTER = '10.244.0.0/16';

function node(name: string, podCIDR: string, internalIP: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: internalIP }] },
  };
}

describe('pod routes on the real routing table of a test network namespace', () => {
  let ns: TestNetns;
  let api: FakeApi;
  let ctrl: PodRoutesController | undefined;
  const routes = async (): Promise<string> => runChecked('ip', ['-n', ns.name, '-4', 'route', 'show']);
  const until = (what: string, ok: (table: string) => boolean) =>
    waitFor(what, async () => {
      const table = await routes();
      return ok(table) ? table : undefined;
    }, 10_000);

  before(async () => {
    ns = await createTestNetns();
    await ns.exec('ip', ['link', 'add', 'nodes0', 'type', 'bridge']);
    await ns.exec('ip', ['addr', 'add', '172.31.250.1/24', 'dev', 'nodes0']);
    await ns.exec('ip', ['link', 'set', 'nodes0', 'up']);
    // Someone else's route into the cluster range (no proto 199): never ours to touch.
    await ns.exec('ip', ['route', 'add', '10.244.8.0/24', 'via', '172.31.250.8', 'proto', 'static']);
    // A route of ours left from an earlier run for a node that no longer exists.
    await ns.exec('ip', ['route', 'add', '10.244.9.0/24', 'via', '172.31.250.9', 'proto', '199']);
    api = new FakeApi();
    api.seed(NODES, node('node1', '10.244.1.0/24', '172.31.250.1'), node('node2', '10.244.2.0/24', '172.31.250.2'), node('node3', '10.244.3.0/24', '172.31.250.3'));
  });
  after(async () => {
    await ctrl?.stop();
    await ns?.remove();
  });

  test('routes to the other nodes appear, a stale one goes, a deleted node’s route goes', async () => {
    ctrl = new PodRoutesController({
      client: api,
      nodeName: 'node1',
      clusterCidr: CLUSTER,
      routes: new ExecRouteTable({ netns: ns.name }),
      iptables: new ExecIptables({ netns: ns.name }),
      resyncMs: 0,
    });
    ctrl.start();
    const table = await until('routes to node2 and node3', (t) => /10\.244\.3\.0\/24 via/.test(t) && !/10\.244\.9\.0\/24/.test(t));
    assert.match(table, /^10\.244\.2\.0\/24 via 172\.31\.250\.2 dev nodes0 proto 199 $/m);
    assert.match(table, /^10\.244\.3\.0\/24 via 172\.31\.250\.3 dev nodes0 proto 199 $/m);
    assert.doesNotMatch(table, /10\.244\.1\.0\/24/, 'no route to our own pod CIDR');
    assert.match(table, /^10\.244\.8\.0\/24 via 172\.31\.250\.8 dev nodes0 proto static $/m, 'a foreign route stays');
    assert.match(table, /^172\.31\.250\.0\/24 dev nodes0 proto kernel scope link src 172\.31\.250\.1 $/m);

    const nat = await waitFor('masquerade rule', async () => {
      const saved = await ns.exec('iptables-save', ['-t', 'nat']);
      return saved.includes('berth pod egress') ? saved : undefined;
    }, 10_000);
    assert.match(nat, /^-A POSTROUTING -s 10\.244\.0\.0\/16 ! -d 10\.244\.0\.0\/16 -m comment --comment "berth pod egress" -j MASQUERADE$/m);

    await api.patch(NODES, '', 'node2', 'application/merge-patch+json', { status: { addresses: [{ type: 'InternalIP', address: '172.31.250.22' }] } }, { subresource: 'status' });
    await until('node2 via its new address', (t) => /^10\.244\.2\.0\/24 via 172\.31\.250\.22 dev nodes0 proto 199 $/m.test(t));

    await api.delete(NODES, '', 'node3');
    const after3 = await until('node3 route removed', (t) => !/10\.244\.3\.0\/24/.test(t));
    assert.match(after3, /^10\.244\.2\.0\/24 via 172\.31\.250\.22 dev nodes0 proto 199 $/m);
    assert.match(after3, /^10\.244\.8\.0\/24 via 172\.31\.250\.8 dev nodes0 proto static $/m);
    await ctrl.stop();
    // The routes outlive the controller (a kubelet restart must not cut pods off), and a
    // restarted controller changes no route and adds no second NAT rule.
    assert.match(await routes(), /^10\.244\.2\.0\/24 via 172\.31\.250\.22 /m);
    const messages: string[] = [];
    const log = (_obj: object, msg?: string): void => void messages.push(msg ?? '');
    ctrl = new PodRoutesController({
      client: api,
      nodeName: 'node1',
      clusterCidr: CLUSTER,
      routes: new ExecRouteTable({ netns: ns.name }),
      iptables: new ExecIptables({ netns: ns.name }),
      logger: { debug: log, info: log, warn: log, error: log },
      resyncMs: 0,
    });
    ctrl.start();
    await waitFor('first sync after a restart', async () => (messages.includes('pod egress masquerade rule already present') ? true : undefined), 10_000);
    await ctrl.stop();
    assert.deepEqual(messages.filter((m) => /pod route$/.test(m)), []);
    const saved = await ns.exec('iptables-save', ['-t', 'nat']);
    assert.equal(saved.split('\n').filter((l) => l.includes('berth pod egress')).length, 1);
  });

  test('ExecRouteTable: remove of a missing route resolves, never touches a foreign route; a bad gateway is an error', async () => {
    const table = new ExecRouteTable({ netns: ns.name });
    await table.remove('10.244.77.0/24');
    await table.remove('10.244.8.0/24');
    assert.match(await routes(), /^10\.244\.8\.0\/24 via 172\.31\.250\.8 dev nodes0 proto static $/m);
    await assert.rejects(table.replace({ dst: '10.244.66.0/24', via: '10.9.9.9' }), /ip -4 route replace 10\.244\.66\.0\/24 via 10\.9\.9\.9 proto 199 \(in netns berth-test-\w+\) exited 2: Error: Nexthop has invalid gateway/);
    await table.replace({ dst: '10.244.66.5/32', via: '172.31.250.66' });
    assert.deepEqual((await table.list()).find((r) => r.dst === '10.244.66.5/32'), { dst: '10.244.66.5/32', via: '172.31.250.66' });
    await table.remove('10.244.66.5/32');
    assert.equal((await table.list()).find((r) => r.dst === '10.244.66.5/32'), undefined);
  });

  test('the namespace is removed afterwards', async () => {
    const name = ns.name;
    await ns.remove();
    assert.ok(!(await listNetns()).includes(name));
  });
});
