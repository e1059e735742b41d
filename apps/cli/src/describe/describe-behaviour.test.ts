// SPDX-License-Identifier: Apache-2.0
process.env.TZ = 'UTC';

import { describe as suite, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@berth/api';
import { describe } from './describe';
import { eventAge } from './events';
import { tabAlign } from './tabwriter';
import { smartLabelFor } from './generic';
import { describedRules, combineResourceGroup } from './rbac';
import { describeProbe } from './containers';
import { rfc1123z } from './format';
import { ago, event, fakeContext, NOW } from './fixtures.test-helper';

suite('tabwriter (Go text/tabwriter semantics)', () => {
  test('aligns a column over consecutive lines that have it, padding 2', () => {
    assert.equal(tabAlign('Name:\tdb\nNamespace:\tdefault\n'), 'Name:       db\nNamespace:  default\n');
  });
  test('a line without a tab ends the block: the next block is sized on its own', () => {
    assert.equal(tabAlign('A:\t1\nSection:\n  Longer key:\t2\nB:\t3\n'), 'A:  1\nSection:\n  Longer key:  2\nB:             3\n');
  });
  test('empty cells are padded, the last cell of a line never is', () => {
    assert.equal(tabAlign('x\t\ty\nlong\tz\tw\n'), 'x        y\nlong  z  w\n');
  });
  test('widths count characters, not UTF-16 units', () => {
    assert.equal(tabAlign('é\t1\nab\t2\n'), 'é   1\nab  2\n');
  });
});

suite('events', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] }, status: {} };
  test('age is the time since the first occurrence, or "last (xN over first)" when repeated', () => {
    assert.equal(eventAge(event(pod, 'Normal', 'R', 'm', 'kubelet', '2m'), NOW), '2m');
    assert.equal(eventAge(event(pod, 'Warning', 'BackOff', 'm', 'kubelet', '1m', '3s', 8), NOW), '3s (x8 over 60s)');
  });
  test('series events (events.k8s.io) use the series count and last observed time', () => {
    const e: KubeObject = { kind: 'Event', eventTime: ago('10m'), series: { count: 4, lastObservedTime: ago('1m') }, type: 'Normal', reason: 'R', note: 'n' };
    assert.equal(eventAge(e, NOW), '60s (x4 over 10m)');
  });
  test('the table is sorted oldest first, From is the component only, and messages are trimmed', async () => {
    const out = await describe(
      pod,
      fakeContext([], [
        event(pod, 'Normal', 'Started', 'Started container c  \n', 'kubelet', '1m', '1m', 1, 'node-1'),
        event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/p to node-1', 'default-scheduler', '2m'),
      ]),
    );
    const table = out.slice(out.indexOf('Events:'));
    assert.equal(
      table,
      'Events:\n' +
        '  Type    Reason     Age   From               Message\n' +
        '  ----    ------     ----  ----               -------\n' +
        '  Normal  Scheduled  2m    default-scheduler  Successfully assigned default/p to node-1\n' +
        '  Normal  Started    60s   kubelet            Started container c\n',
    );
  });
  test('no events prints "Events: <none>"; --show-events=false prints no Events section at all', async () => {
    assert.match(await describe(pod, fakeContext([])), /\nEvents:\s+<none>\n$/);
    assert.doesNotMatch(await describe(pod, fakeContext([], [], false)), /Events:/);
  });
});

suite('describers', () => {
  test('a ReplicaSet counts only the pods it controls, listed with its selector', async () => {
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'ns', uid: 'rs-uid' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } },
      status: { replicas: 3 },
    };
    const pod = (name: string, phase: string, owner: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'ns', labels: { app: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'x', uid: owner, controller: true }] },
      status: { phase },
    });
    const ctx = fakeContext([pod('a', 'Running', 'rs-uid'), pod('b', 'Pending', 'rs-uid'), pod('c', 'Failed', 'rs-uid'), pod('d', 'Running', 'other')]);
    const out = await describe(rs, ctx);
    assert.match(out, /Pods Status:\s+1 Running \/ 1 Waiting \/ 0 Succeeded \/ 1 Failed\n/);
    assert.deepEqual(ctx.calls, ['pods./ns?app=web&']);
  });

  test('a Secret shows sizes, never values', async () => {
    const out = await describe(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' }, type: 'Opaque', data: { password: Buffer.from('abcdef').toString('base64') } },
      fakeContext([]),
    );
    assert.match(out, /\npassword:\s+6 bytes\n/);
    assert.doesNotMatch(out, /abcdef/);
  });

  test('kinds without a describer get the generic one with smart labels', async () => {
    const out = await describe(
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'd' }, spec: { sizeInGB: 3, apiURL: 'x', enabled: true, tags: ['a', 'b'], 'x509-cert': 'c' } },
      fakeContext([]),
    );
    assert.match(out, /\nSpec:\n  API URL:\s+x\n  Enabled:\s+true\n  Size In GB:\s+3\n  Tags:\n    a\n    b\n  x509-cert:\s+c\n/);
    assert.equal(smartLabelFor('apiVersion'), 'API Version');
    assert.equal(smartLabelFor('holderIdentity'), 'Holder Identity');
    assert.equal(smartLabelFor('PDFLoader'), 'PDF Loader');
  });

  test('RBAC rules are broken down per resource, verbs merged, sorted as kubectl sorts them', () => {
    const rules = describedRules({ kind: 'Role', rules: [{ apiGroups: ['', 'apps'], resources: ['deployments'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }] });
    assert.deepEqual(
      rules.map((r) => `${combineResourceGroup(r.resources, r.apiGroups)} ${r.verbs.join(',')}`),
      // `[get list]` sorts before `[get]` in PolicyRule.String().
      ['deployments get,list', 'deployments.apps get,list', 'pods/log get'],
    );
    assert.equal(combineResourceGroup(['deployments/scale'], ['apps']), 'deployments.apps/scale');
  });

  test('probes print like kubectl', () => {
    assert.equal(
      describeProbe({ exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 }),
      'exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3',
    );
    assert.equal(describeProbe({ tcpSocket: { port: 'http' } }), 'tcp-socket :http delay=0s timeout=1s period=10s #success=1 #failure=3');
  });

  test('times are RFC 1123 with a numeric zone, as Go formats them', () => {
    assert.equal(rfc1123z('2018-03-04T09:05:07Z'), 'Sun, 04 Mar 2018 09:05:07 +0000');
  });

  test('a node lists only the non-terminated pods scheduled on it', async () => {
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { allocatable: { cpu: '1', memory: '1Gi' } } };
    const pod = (name: string, nodeName: string, phase: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', creationTimestamp: ago('5m') },
      spec: { nodeName, containers: [{ name: 'c', resources: { requests: { cpu: '250m' } } }] },
      status: { phase },
    });
    const ctx = fakeContext([pod('here', 'n1', 'Running'), pod('done', 'n1', 'Succeeded'), pod('elsewhere', 'n2', 'Running')]);
    const out = await describe(node, ctx);
    assert.match(out, /Non-terminated Pods:\s+\(1 in total\)/);
    assert.match(out, /default\s+here\s+250m \(25%\)\s+0 \(0%\)/);
    assert.match(out, /\n  cpu\s+250m \(25%\)\s+0 \(0%\)\n/);
    assert.match(out, /Lease:\s+Failed to get lease: leases.coordination.k8s.io "n1" not found/);
    assert.ok(ctx.calls.includes('pods./?&spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed'));
  });
});
