// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { conflict } from '@berth/api';
import { bootstrapClusterRoles } from '@berth/authorization';
import { ControllerFixture } from '../shared/test-fixture';
import {
  CLUSTER_ROLES,
  ClusterRoleAggregationController,
  aggregatedRules,
  type ClusterRole,
  type PolicyRule,
} from './clusterrole-aggregation-controller';

let f: ControllerFixture;
afterEach(() => f.stop());

const TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';
const TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';

const rule = (verbs: string[], apiGroups: string[], resources: string[], extra: Partial<PolicyRule> = {}): PolicyRule => ({ verbs, apiGroups, resources, ...extra });
const readPods = rule(['get', 'list', 'watch'], [''], ['pods']);
const readSecrets = rule(['get'], [''], ['secrets']);
const readWidgets = rule(['get', 'list', 'watch'], ['example.com'], ['widgets']);
const healthz = rule(['get'], [], [], { nonResourceURLs: ['/healthz'] });

function role(name: string, opts: { labels?: Record<string, string>; rules?: PolicyRule[]; aggregateFrom?: Array<Record<string, string>> } = {}): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    ...(opts.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: opts.aggregateFrom.map((matchLabels) => ({ matchLabels })) } } : {}),
    ...(opts.rules ? { rules: opts.rules } : {}),
  };
}

async function setup(...roles: ClusterRole[]): Promise<ClusterRoleAggregationController> {
  f = new ControllerFixture();
  f.api.seed(CLUSTER_ROLES, ...roles);
  const c = new ClusterRoleAggregationController({ client: f.api, clusterRoles: f.informer(CLUSTER_ROLES) });
  await f.start();
  return c;
}

const stored = (name: string): ClusterRole | undefined => f.api.stored<ClusterRole>(CLUSTER_ROLES, '', name);
const rulesOf = (name: string): PolicyRule[] | undefined => stored(name)?.rules;

/** What the workers do, one key at a time, until nothing is queued even after the caches caught up. */
async function drain(c: ClusterRoleAggregationController): Promise<string[]> {
  const synced: string[] = [];
  for (;;) {
    await f.settle();
    if (c.queue.len() === 0) return synced;
    const key = (await c.queue.get()) as string;
    try {
      await c.sync(key);
      synced.push(key);
    } finally {
      c.queue.done(key);
    }
  }
}

describe('ClusterRoleAggregationController', () => {
  test('rules are the union of the matching roles, in name order, each rule once, the role itself and other roles left out', async () => {
    const c = await setup(
      // the aggregated role carries the label itself: its own (stale) rules are not a source
      role('agg', { labels: { agg: 'true' }, aggregateFrom: [{ agg: 'true' }], rules: [readSecrets] }),
      role('b-role', { labels: { agg: 'true' }, rules: [readWidgets, readPods] }),
      // the same rule as b-role's readPods, written with an explicit empty resourceNames
      role('a-role', { labels: { agg: 'true' }, rules: [{ ...readPods, resourceNames: [] }, healthz] }),
      role('other', { labels: { agg: 'false' }, rules: [readSecrets] }),
    );
    assert.equal(c.queue.len(), 1, 'only the aggregated role is queued');
    await c.sync('agg');
    assert.deepEqual(rulesOf('agg'), [{ ...readPods, resourceNames: [] }, healthz, readWidgets]);
    const write = f.api.writeActions();
    assert.deepEqual(write.map((a) => [a.verb, a.resource, a.name]), [['update', 'clusterroles', 'agg']]);
    assert.deepEqual(stored('agg')?.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { agg: 'true' } }] }, 'the rest of the object is kept');
  });

  test('with several selectors, each selector\'s roles in name order, one selector after the other (as Kubernetes)', async () => {
    const c = await setup(
      role('agg', { aggregateFrom: [{ second: 'true' }, { first: 'true' }] }),
      role('a', { labels: { first: 'true' }, rules: [readPods] }),
      role('z', { labels: { second: 'true' }, rules: [readWidgets] }),
      role('both', { labels: { first: 'true', second: 'true' }, rules: [healthz] }),
    );
    await c.sync('agg');
    // second: both, z; then first: a, both (already taken)
    assert.deepEqual(rulesOf('agg'), [healthz, readWidgets, readPods]);
    assert.deepEqual(
      aggregatedRules(role('x', { aggregateFrom: [{ first: 'true' }] }), [role('x', { labels: { first: 'true' }, rules: [readSecrets] }), role('a', { labels: { first: 'true' }, rules: [readPods] })]),
      [readPods],
    );
  });

  test('a role whose rules are already the aggregate is not written again (resourceVersion unchanged)', async () => {
    const c = await setup(
      // stored without the empty lists a rule read back over the API may lack: the same rules
      role('agg', { aggregateFrom: [{ agg: 'true' }], rules: [readPods, readWidgets] }),
      role('a', { labels: { agg: 'true' }, rules: [{ ...readPods, resourceNames: [], nonResourceURLs: [] }] }),
      role('b', { labels: { agg: 'true' }, rules: [readWidgets] }),
    );
    const rv = stored('agg')?.metadata?.resourceVersion;
    await c.sync('agg');
    assert.deepEqual(f.api.writeActions(), []);
    assert.equal(stored('agg')?.metadata?.resourceVersion, rv);

    // written once, then left alone
    await f.api.update(CLUSTER_ROLES, '', { ...stored('agg'), rules: [readWidgets, readPods] });
    f.api.clearActions();
    assert.ok((await drain(c)).includes('agg'), 'the change queued it');
    assert.deepEqual(rulesOf('agg'), [{ ...readPods, resourceNames: [], nonResourceURLs: [] }, readWidgets], 'rule order is part of the aggregate; rules are copied as their role has them');
    const rv2 = stored('agg')?.metadata?.resourceVersion;
    await c.sync('agg');
    assert.equal(stored('agg')?.metadata?.resourceVersion, rv2);
    assert.equal(f.api.writeActions().length, 1);
  });

  test('a role without an aggregationRule is never written, whatever its labels', async () => {
    const c = await setup(role('plain', { labels: { agg: 'true' }, rules: [readSecrets] }), role('a', { labels: { agg: 'true' }, rules: [readPods] }));
    assert.equal(c.queue.len(), 0);
    await c.sync('plain');
    await c.sync('missing');
    assert.deepEqual(f.api.writeActions(), []);
    assert.deepEqual(rulesOf('plain'), [readSecrets]);
  });

  test('a user role labelled aggregate-to-view shows up in view, and through view\'s label in edit; deleting it takes it out again', async () => {
    const c = await setup(
      role('view', { labels: { [TO_EDIT]: 'true' }, aggregateFrom: [{ [TO_VIEW]: 'true' }], rules: [readPods] }),
      role('edit', { aggregateFrom: [{ [TO_EDIT]: 'true' }], rules: [readSecrets, readPods] }),
      role('system:aggregate-to-view', { labels: { [TO_VIEW]: 'true' }, rules: [readPods] }),
      role('system:aggregate-to-edit', { labels: { [TO_EDIT]: 'true' }, rules: [readSecrets] }),
    );
    assert.deepEqual((await drain(c)).sort(), ['edit', 'view']);
    assert.deepEqual(f.api.writeActions(), [], 'consistent from the start');

    await f.api.create(CLUSTER_ROLES, '', role('widgets-view', { labels: { [TO_VIEW]: 'true' }, rules: [readWidgets] }));
    f.api.clearActions();
    await drain(c);
    assert.deepEqual(rulesOf('view'), [readPods, readWidgets]);
    // edit's sources in name order: system:aggregate-to-edit, then view
    assert.deepEqual(rulesOf('edit'), [readSecrets, readPods, readWidgets]);
    assert.deepEqual(f.api.writeActions().map((a) => a.name), ['view', 'edit'], 'the chain took one write each');

    await f.api.delete(CLUSTER_ROLES, '', 'widgets-view');
    await drain(c);
    assert.deepEqual(rulesOf('view'), [readPods]);
    assert.deepEqual(rulesOf('edit'), [readSecrets, readPods]);
  });

  test('a conflict fails the sync, so the queue retries it', async () => {
    const c = await setup(role('agg', { aggregateFrom: [{ agg: 'true' }] }), role('a', { labels: { agg: 'true' }, rules: [readPods] }));
    f.api.prependReactor('update', 'clusterroles', () => {
      throw conflict({ resource: 'clusterroles.rbac.authorization.k8s.io', name: 'agg' }, 'the object has been modified; please apply your changes to the latest version and try again');
    });
    await assert.rejects(c.sync('agg'), /Operation cannot be fulfilled/);
  });

  test('an invalid selector leaves the rules as they are, without an error to retry', async () => {
    const c = await setup(
      { ...role('agg', { rules: [readSecrets] }), aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'agg', operator: 'Sometimes' }] }] } },
      role('a', { labels: { agg: 'true' }, rules: [readPods] }),
    );
    await c.sync('agg');
    assert.deepEqual(f.api.writeActions(), []);
  });

  test('over the bootstrap policy alone, admin, edit and view keep the rules they were written with', async () => {
    const bootstrap = bootstrapClusterRoles() as ClusterRole[];
    const c = await setup(...bootstrap);
    const want = new Map(bootstrap.map((r) => [r.metadata?.name ?? '', r.rules]));
    for (const name of ['admin', 'edit', 'view']) {
      await c.sync(name);
      assert.deepEqual(rulesOf(name), want.get(name), name);
    }
    // and the workers, over everything the start queued
    assert.deepEqual((await drain(c)).sort(), ['admin', 'edit', 'view']);
    assert.deepEqual(f.api.writeActions(), []);
    for (const name of ['admin', 'edit', 'view']) {
      assert.deepEqual(aggregatedRules(stored(name) as ClusterRole, bootstrap), want.get(name), name);
    }
  });
});
