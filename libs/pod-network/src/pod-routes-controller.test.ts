// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApi } from '@berth/client/testing';
import { FakeIptables, type Iptables } from '@berth/iptables';
import { waitFor } from '@berth/testing';
import { EGRESS_MASQUERADE_COMMENT, egressMasqueradeArgs, ensureEgressMasquerade, removeEgressMasquerade } from './egress-masquerade';
import { FakeRouteTable } from './fake-route-table';
import type { Node, Route } from './host-gw-routes';
import { cleanupPodNetwork, NODES, PodRoutesController } from './pod-routes-controller';

const CLUSTER = '10.244.0.0/16';
const MASQ = ['-s', CLUSTER, '!', '-d', CLUSTER, '-m', 'comment', '--comment', 'berth pod egress', '-j', 'MASQUERADE'];

function node(name: string, podCIDR: string | undefined, internalIP: string, finalizers?: string[]): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(finalizers ? { finalizers } : {}) },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: { addresses: [{ type: 'InternalIP', address: internalIP }, { type: 'Hostname', address: name }] },
  };
}

interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg: string;
}

function setup(nodes: Node[], opts: { routes?: Route[]; iptables?: Iptables } = {}) {
  const api = new FakeApi();
  api.seed(NODES, ...nodes);
  const routes = new FakeRouteTable(opts.routes ?? []);
  const iptables = opts.iptables ?? new FakeIptables();
  const logs: LogLine[] = [];
  const log = (level: string) => (obj: object, msg?: string) => logs.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const ctrl = new PodRoutesController({ client: api, nodeName: 'self', clusterCidr: CLUSTER, routes, iptables, logger, resyncMs: 0 });
  const ac = new AbortController();
  /** Runs only the informer (for tests that call sync() themselves). */
  const informerOnly = async (): Promise<void> => {
    void ctrl.nodes.run(ac.signal);
    await ctrl.nodes.waitForSync(ac.signal);
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  const has = (want: Route[]) => async () => (JSON.stringify(routes.routes()) === JSON.stringify(want) ? true : undefined);
  return { api, routes, iptables, logs, ctrl, ac, informerOnly, settle, has, stop: () => ac.abort() };
}

const SELF = node('self', '10.244.1.0/24', '172.31.0.11');

describe('PodRoutesController', () => {
  test('nodes added → routes appear (self skipped); node deleted → route removed', async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12')]);
    t.ctrl.start(t.ac.signal);
    try {
      await waitFor('route to b', t.has([{ dst: '10.244.2.0/24', via: '172.31.0.12' }]), 5000);
      await t.api.create(NODES, '', node('c', '10.244.3.0/24', '172.31.0.13'));
      await waitFor('route to c', t.has([{ dst: '10.244.2.0/24', via: '172.31.0.12' }, { dst: '10.244.3.0/24', via: '172.31.0.13' }]), 5000);
      assert.ok(!t.routes.calls.some((c) => c.includes('10.244.1.0/24')), 'no route to our own pod CIDR');
      await t.api.delete(NODES, '', 'b');
      await waitFor('route to b removed', t.has([{ dst: '10.244.3.0/24', via: '172.31.0.13' }]), 5000);
      assert.deepEqual(t.routes.calls, ['replace 10.244.2.0/24 via 172.31.0.12', 'replace 10.244.3.0/24 via 172.31.0.13', 'remove 10.244.2.0/24']);
      const info = t.logs.filter((l) => l.level === 'info' && /pod route$/.test(l.msg)).map((l) => `${l.msg} ${String(l.obj['dst'])}`);
      assert.deepEqual(info, ['added pod route 10.244.2.0/24', 'added pod route 10.244.3.0/24', 'removed pod route 10.244.2.0/24']);
    } finally {
      await t.ctrl.stop();
    }
    // Routes stay when the controller stops.
    assert.equal(t.routes.routes().length, 1);
  });

  test("a node's podCIDR changes → the old route goes, the new one comes; its InternalIP changes → route replaced", async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12')]);
    t.ctrl.start(t.ac.signal);
    try {
      await waitFor('route to b', t.has([{ dst: '10.244.2.0/24', via: '172.31.0.12' }]), 5000);
      await t.api.patch(NODES, '', 'b', 'application/merge-patch+json', { spec: { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'] } });
      await waitFor('new CIDR', t.has([{ dst: '10.244.7.0/24', via: '172.31.0.12' }]), 5000);
      await t.api.patch(NODES, '', 'b', 'application/merge-patch+json', { status: { addresses: [{ type: 'InternalIP', address: '172.31.0.99' }] } }, { subresource: 'status' });
      await waitFor('new gateway', t.has([{ dst: '10.244.7.0/24', via: '172.31.0.99' }]), 5000);
      assert.deepEqual(t.routes.calls, ['replace 10.244.2.0/24 via 172.31.0.12', 'remove 10.244.2.0/24', 'replace 10.244.7.0/24 via 172.31.0.12', 'replace 10.244.7.0/24 via 172.31.0.99']);
      const changed = t.logs.find((l) => l.msg === 'changed pod route');
      assert.deepEqual(changed?.obj, { dst: '10.244.7.0/24', via: '172.31.0.99', previousVia: '172.31.0.12' });
    } finally {
      await t.ctrl.stop();
    }
  });

  test('a node being deleted (finalizers hold it) loses its route before it is gone', async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12', ['example.com/hold'])]);
    t.ctrl.start(t.ac.signal);
    try {
      await waitFor('route to b', t.has([{ dst: '10.244.2.0/24', via: '172.31.0.12' }]), 5000);
      await t.api.delete(NODES, '', 'b');
      assert.ok(t.api.stored<Node>(NODES, '', 'b')?.metadata?.deletionTimestamp);
      await waitFor('route to b removed', t.has([]), 5000);
    } finally {
      await t.ctrl.stop();
    }
  });

  test('sync: stale routes we own are removed, right ones untouched, missing ones added', async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12'), node('c', '10.244.3.0/24', '172.31.0.13')], {
      routes: [
        { dst: '10.244.2.0/24', via: '172.31.0.12' },
        { dst: '10.244.9.0/24', via: '172.31.0.19' },
      ],
    });
    await t.informerOnly();
    try {
      await t.ctrl.sync();
      assert.deepEqual(t.routes.routes(), [
        { dst: '10.244.2.0/24', via: '172.31.0.12' },
        { dst: '10.244.3.0/24', via: '172.31.0.13' },
      ]);
      assert.deepEqual(t.routes.calls, ['remove 10.244.9.0/24', 'replace 10.244.3.0/24 via 172.31.0.13']);
      // Level-triggered: a second sync changes nothing.
      await t.ctrl.sync();
      assert.equal(t.routes.calls.length, 2);
    } finally {
      t.stop();
    }
  });

  test('the egress masquerade rule is ensured once, at the first sync', async () => {
    const t = setup([SELF]);
    await t.informerOnly();
    try {
      await t.ctrl.sync();
      await t.ctrl.sync();
      const ipt = t.iptables as FakeIptables;
      assert.deepEqual(ipt.rules('nat', 'POSTROUTING'), [MASQ]);
      assert.equal(ipt.commands.length, 1);
      assert.ok(t.logs.some((l) => l.msg === 'added the pod egress masquerade rule'));
    } finally {
      t.stop();
    }
  });

  test('a failing route does not block the others; the sync fails and a retry fixes it', async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12'), node('c', '10.244.3.0/24', '10.9.9.9')]);
    t.routes.failures.set('10.244.3.0/24', 'Error: Nexthop has invalid gateway.');
    await t.informerOnly();
    try {
      await assert.rejects(t.ctrl.sync(), /1 pod network change\(s\) failed: replace 10\.244\.3\.0\/24 via 10\.9\.9\.9: Error: Nexthop has invalid gateway/);
      assert.deepEqual(t.routes.routes(), [{ dst: '10.244.2.0/24', via: '172.31.0.12' }]);
      assert.ok(t.logs.some((l) => l.level === 'warn' && l.msg === 'could not replace pod route'));
      t.routes.failures.clear();
      await t.ctrl.sync();
      assert.equal(t.routes.routes().length, 2);
    } finally {
      t.stop();
    }
  });

  test('errors requeue with back-off when running', async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12')]);
    t.routes.failNextList = 'ip: cannot talk to the kernel';
    t.ctrl.start(t.ac.signal);
    try {
      await waitFor('route after a retry', t.has([{ dst: '10.244.2.0/24', via: '172.31.0.12' }]), 5000);
      assert.ok(t.logs.some((l) => l.level === 'warn' && l.msg === 'sync failed; requeuing with backoff'));
    } finally {
      await t.ctrl.stop();
    }
  });

  test('a failing masquerade rule is retried, and does not stop the routes', async () => {
    const fake = new FakeIptables();
    let failures = 1;
    const flaky: Iptables = {
      restore: (text, o) => fake.restore(text, o),
      ensureChain: (table, chain) => fake.ensureChain(table, chain),
      ensureRule: (table, chain, pos, args) => (failures-- > 0 ? Promise.reject(new Error('iptables: lock timeout')) : fake.ensureRule(table, chain, pos, args)),
      deleteRule: (table, chain, args) => fake.deleteRule(table, chain, args),
      save: (table) => fake.save(table),
    };
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12')], { iptables: flaky });
    await t.informerOnly();
    try {
      await assert.rejects(t.ctrl.sync(), /egress masquerade: iptables: lock timeout/);
      assert.equal(t.routes.routes().length, 1);
      await t.ctrl.sync();
      assert.deepEqual(fake.rules('nat', 'POSTROUTING'), [MASQ]);
    } finally {
      t.stop();
    }
  });

  test('node heartbeats (status without route changes) do not queue a sync; route inputs do', async () => {
    const t = setup([SELF, node('b', '10.244.2.0/24', '172.31.0.12')]);
    await t.informerOnly();
    try {
      const k = await t.ctrl.queue.get();
      assert.equal(k, 'routes');
      t.ctrl.queue.done(k as string);
      assert.equal(t.ctrl.queue.len(), 0);
      await t.api.patch(NODES, '', 'b', 'application/merge-patch+json', { status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '172.31.0.12' }, { type: 'Hostname', address: 'b' }] } }, { subresource: 'status' });
      await t.api.patch(NODES, '', 'b', 'application/merge-patch+json', { metadata: { labels: { x: 'y' } } });
      await t.settle();
      assert.equal(t.ctrl.queue.len(), 0);
      await t.api.patch(NODES, '', 'self', 'application/merge-patch+json', { spec: { podCIDR: '10.244.5.0/24', podCIDRs: ['10.244.5.0/24'] } });
      await t.settle();
      assert.equal(t.ctrl.queue.len(), 1);
    } finally {
      t.stop();
    }
  });

  test('why a node has no route is logged once per reason', async () => {
    const t = setup([SELF, node('b', undefined, '172.31.0.12')]);
    await t.informerOnly();
    try {
      await t.ctrl.sync();
      await t.ctrl.sync();
      const skipped = () => t.logs.filter((l) => l.msg === 'no pod route to node');
      assert.equal(skipped().length, 1);
      assert.equal(skipped()[0]?.obj['node'], 'b');
      await t.api.patch(NODES, '', 'b', 'application/merge-patch+json', { spec: { podCIDR: '192.168.0.0/24' } });
      await t.settle();
      await t.ctrl.sync();
      assert.equal(skipped().length, 2);
      assert.match(String(skipped()[1]?.obj['reason']), /outside the cluster CIDR/);
    } finally {
      t.stop();
    }
  });

  test('start is once; stop before start resolves; a bad cluster CIDR is refused', async () => {
    const t = setup([SELF]);
    await t.ctrl.stop();
    const api = new FakeApi();
    const deps = { client: api, nodeName: 'self', routes: new FakeRouteTable(), iptables: new FakeIptables() };
    assert.throws(() => new PodRoutesController({ ...deps, clusterCidr: '10.244.0.0' }), /invalid cluster CIDR/);
    const ctrl = new PodRoutesController({ ...deps, clusterCidr: CLUSTER });
    const ac = new AbortController();
    ctrl.start(ac.signal);
    assert.throws(() => ctrl.start(ac.signal), /already started/);
    ac.abort();
    await ctrl.stop();
  });
});

describe('egress masquerade', () => {
  test('ensure appends once to nat POSTROUTING; remove deletes every copy', async () => {
    const ipt = new FakeIptables();
    assert.equal(await ensureEgressMasquerade(ipt, CLUSTER), true);
    assert.equal(await ensureEgressMasquerade(ipt, CLUSTER), false);
    assert.deepEqual(ipt.rules('nat', 'POSTROUTING'), [MASQ]);
    assert.match(await ipt.save('nat'), /-A POSTROUTING -s 10\.244\.0\.0\/16 ! -d 10\.244\.0\.0\/16 -m comment --comment "berth pod egress" -j MASQUERADE/);
    await ipt.restore(`*nat\n-A POSTROUTING ${MASQ.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')}\nCOMMIT\n`, { noflush: true });
    assert.equal(ipt.rules('nat', 'POSTROUTING')?.length, 2);
    assert.equal(await removeEgressMasquerade(ipt, CLUSTER), 2);
    assert.deepEqual(ipt.rules('nat', 'POSTROUTING'), []);
    assert.equal(await removeEgressMasquerade(ipt, CLUSTER), 0);
  });

  test('the rule arguments; a bad cluster CIDR is refused', () => {
    assert.deepEqual(egressMasqueradeArgs('10.32.0.0/12'), ['-s', '10.32.0.0/12', '!', '-d', '10.32.0.0/12', '-m', 'comment', '--comment', EGRESS_MASQUERADE_COMMENT, '-j', 'MASQUERADE']);
    assert.throws(() => egressMasqueradeArgs('10.32.0.0'), /invalid cluster CIDR/);
  });

  test('cleanupPodNetwork removes our routes and the rule', async () => {
    const ipt = new FakeIptables();
    await ensureEgressMasquerade(ipt, CLUSTER);
    const routes = new FakeRouteTable([
      { dst: '10.244.2.0/24', via: '172.31.0.12' },
      { dst: '10.244.3.0/24', via: '172.31.0.13' },
    ]);
    assert.deepEqual(await cleanupPodNetwork(routes, ipt, CLUSTER), { routes: 2, masqueradeRules: 1 });
    assert.deepEqual(routes.routes(), []);
    assert.deepEqual(ipt.rules('nat', 'POSTROUTING'), []);
  });
});
