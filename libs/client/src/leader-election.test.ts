// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LEASES, LeaderElector, microTime, type Lease, type LeaderElectorOptions } from './leader-election';
import { FakeApi } from './testing';

const FAST = { leaseDurationMs: 300, renewDeadlineMs: 200, retryPeriodMs: 50 };

interface Candidate {
  elector: LeaderElector;
  ac: AbortController;
  done: Promise<void>;
  started: number;
  stopped: number;
  leadSignal?: AbortSignal;
}

function candidate(api: FakeApi, identity: string, extra: Partial<LeaderElectorOptions> = {}): Candidate {
  const c = { ac: new AbortController(), started: 0, stopped: 0 } as Candidate;
  c.elector = new LeaderElector({
    client: api,
    namespace: 'kube-system',
    name: 'scheduler',
    identity,
    ...FAST,
    onStartedLeading: (signal) => {
      c.started++;
      c.leadSignal = signal;
    },
    onStoppedLeading: () => c.stopped++,
    ...extra,
  });
  c.done = c.elector.run(c.ac.signal);
  return c;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - t0;
}

describe('LeaderElector', () => {
  test('of two candidates exactly one leads, and the lease records it', async (t) => {
    const api = new FakeApi();
    const a = candidate(api, 'a');
    const b = candidate(api, 'b');
    t.after(() => {
      a.ac.abort();
      b.ac.abort();
    });
    await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), 'a leader');
    // Watch for a while: never both, and the leader keeps leading while it renews.
    const leader = a.elector.isLeader() ? a : b;
    const standby = leader === a ? b : a;
    for (let i = 0; i < 40; i++) {
      assert.ok(!(a.elector.isLeader() && b.elector.isLeader()), 'two leaders');
      await new Promise((r) => setTimeout(r, 15));
    }
    assert.equal(leader.elector.isLeader(), true);
    assert.equal(leader.started, 1);
    assert.equal(standby.started, 0);
    const lease = api.stored<Lease>(LEASES, 'kube-system', 'scheduler');
    const id = leader === a ? 'a' : 'b';
    assert.equal(lease?.spec?.holderIdentity, id);
    assert.equal(standby.elector.getLeader(), id);
    assert.equal(lease?.spec?.leaseDurationSeconds, 1);
    assert.match(lease?.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(Date.parse(lease?.spec?.renewTime ?? '') > Date.now() - 1000, 'renewed recently');
  });

  test('when the leader stops without releasing, the standby takes over once the lease expires', async (t) => {
    const api = new FakeApi();
    const a = candidate(api, 'a', { releaseOnCancel: false });
    t.after(() => a.ac.abort());
    await waitFor(() => a.elector.isLeader(), 'a leads');
    const b = candidate(api, 'b');
    t.after(() => b.ac.abort());
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(b.elector.isLeader(), false);

    a.ac.abort();
    await a.done;
    assert.equal(a.stopped, 1);
    assert.equal(a.leadSignal?.aborted, true, 'the old leader was told to stop its work');
    const took = await waitFor(() => b.elector.isLeader(), 'b takes over');
    // Not before the lease could have expired, and within lease duration plus a retry or two.
    assert.ok(took >= 150, `took over after ${took} ms, before the lease expired`);
    assert.ok(took <= FAST.leaseDurationMs + 3 * FAST.retryPeriodMs, `took ${took} ms`);
    const lease = api.stored<Lease>(LEASES, 'kube-system', 'scheduler');
    assert.equal(lease?.spec?.holderIdentity, 'b');
    assert.equal(lease?.spec?.leaseTransitions, 1);
  });

  test('on cancel the leader releases the lease, so the standby takes over at once', async (t) => {
    const api = new FakeApi();
    const a = candidate(api, 'a');
    t.after(() => a.ac.abort());
    await waitFor(() => a.elector.isLeader(), 'a leads');
    const newLeaders: string[] = [];
    const b = candidate(api, 'b', { onNewLeader: (id) => newLeaders.push(id) });
    t.after(() => b.ac.abort());
    await waitFor(() => newLeaders.length === 1, 'b sees a');
    a.ac.abort();
    await a.done;
    const took = await waitFor(() => b.elector.isLeader(), 'b takes over');
    assert.ok(took < FAST.leaseDurationMs, `took ${took} ms`);
    assert.deepEqual(newLeaders, ['a', 'b']);
  });

  test('a leader that finds someone else holding the lease stops leading', async (t) => {
    const api = new FakeApi();
    const a = candidate(api, 'a');
    t.after(() => a.ac.abort());
    await waitFor(() => a.elector.isLeader(), 'a leads');
    // Someone else writes the lease (e.g. after a partition from the leader).
    const lease = api.stored<Lease>(LEASES, 'kube-system', 'scheduler') as Lease;
    await api.update(LEASES, 'kube-system', {
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: microTime(new Date()) },
    });
    await a.done;
    assert.equal(a.elector.isLeader(), false);
    assert.equal(a.stopped, 1);
    assert.equal(a.leadSignal?.aborted, true);
  });

  test('a leader that cannot renew within the renew deadline stops leading', async (t) => {
    const api = new FakeApi();
    const a = candidate(api, 'a');
    t.after(() => a.ac.abort());
    await waitFor(() => a.elector.isLeader(), 'a leads');
    const lostAt = Date.now();
    api.prependReactor('get', 'leases', () => {
      throw new Error('apiserver unreachable');
    });
    await a.done;
    // The deadline runs from the last renewal that succeeded (up to a retry period before
    // lostAt), which the stored lease still records.
    const lease = api.stored<Lease>(LEASES, 'kube-system', 'scheduler') as Lease;
    const sinceRenew = Date.now() - Date.parse(lease.spec?.renewTime ?? '');
    const after = Date.now() - lostAt;
    assert.ok(sinceRenew >= FAST.renewDeadlineMs - 10, `stopped ${sinceRenew} ms after the last renewal`);
    assert.ok(after < FAST.leaseDurationMs + 100, `stopped after ${after} ms`);
    assert.equal(a.stopped, 1);
  });

  test('rejects timings that cannot work', () => {
    const api = new FakeApi();
    const base = { client: api, namespace: 'ns', name: 'l', identity: 'x', onStartedLeading: () => {}, onStoppedLeading: () => {} };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 100, renewDeadlineMs: 100 }), /leaseDuration/);
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 300, renewDeadlineMs: 100, retryPeriodMs: 90 }), /retryPeriod/);
  });
});
