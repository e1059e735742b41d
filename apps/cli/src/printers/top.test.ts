// SPDX-License-Identifier: Apache-2.0
// `top` tables against kubectl's own expectations (k8s.io/kubectl/pkg/metricsutil
// metrics_printer_test.go): the same metrics give the same bytes, trailing padding included.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerMetrics, NodeMetrics, PodMetrics, ResourceUsage } from '@berth/api';
import { printNodeMetrics, printPodMetrics } from './top';

const node = (name: string, usage: ResourceUsage): NodeMetrics => ({ apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name }, timestamp: '2024-01-01T12:00:00Z', window: '1m0s', usage });
const pod = (name: string, containers: ContainerMetrics[], namespace = 'default'): PodMetrics => ({
  apiVersion: 'metrics.k8s.io/v1beta1',
  kind: 'PodMetrics',
  metadata: { name, namespace },
  timestamp: '2024-01-01T12:00:00Z',
  window: '1m0s',
  containers,
});
const c = (name: string, cpu: string, memory: string): ContainerMetrics => ({ name, usage: { cpu, memory } });
const capacity = (...names: string[]): Map<string, ResourceUsage> => new Map(names.map((n) => [n, { cpu: '10', memory: '10Gi' }]));

describe('top node', () => {
  test('one node, with and without the header', () => {
    assert.equal(
      printNodeMetrics([node('node1', { cpu: '1', memory: '1Gi' })], capacity('node1')),
      'NAME    CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \nnode1   1000m        10%      1024Mi          10%         \n',
    );
    assert.equal(printNodeMetrics([node('node1', { cpu: '1', memory: '1Gi' })], capacity('node1'), { noHeaders: true }), 'node1   1000m   10%   1024Mi   10%   \n');
  });

  test('a node without metrics is <unknown>; sorted by memory, largest first', () => {
    assert.equal(
      printNodeMetrics([node('node1', { cpu: '1', memory: '1Gi' })], capacity('node1', 'node2')),
      'NAME    CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \nnode1   1000m        10%         1024Mi          10%         \nnode2   <unknown>    <unknown>   <unknown>       <unknown>   \n',
    );
    assert.equal(
      printNodeMetrics([node('node1', { cpu: '1', memory: '1Gi' }), node('node2', { cpu: '2', memory: '5Gi' })], capacity('node1', 'node2'), { sortBy: 'memory' }),
      'NAME    CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \nnode2   2000m        20%      5120Mi          50%         \nnode1   1000m        10%      1024Mi          10%         \n',
    );
  });

  test('metrics-server\'s units: nanocores round up to a millicore, Ki down to whole Mi; percentages truncate', () => {
    assert.equal(
      printNodeMetrics([node('n', { cpu: '2478395n', memory: '1049600Ki' })], new Map([['n', { cpu: '2', memory: '4032Mi' }]]), { noHeaders: true }),
      'n     3m    0%    1025Mi   25%   \n',
    );
    assert.equal(printNodeMetrics([], capacity('node1')), '', 'nothing to print without metrics');
  });
});

describe('top pod', () => {
  const test1 = pod('test', [c('container1', '0.2', '1Gi'), c('container2', '0.2', '1Gi')]);
  const test2 = pod('test-1', [c('container1', '0.2', '3Gi'), c('container2', '0.2', '2Gi')]);

  test('a pod is the sum of its containers; --containers prints each', () => {
    assert.equal(printPodMetrics([test1]), 'NAME   CPU(cores)   MEMORY(bytes)   \ntest   400m         2048Mi          \n');
    assert.equal(
      printPodMetrics([test1], { containers: true }),
      'POD    NAME         CPU(cores)   MEMORY(bytes)   \ntest   container1   200m         1024Mi          \ntest   container2   200m         1024Mi          \n',
    );
    assert.equal(printPodMetrics([test1], { noHeaders: true }), 'test   400m   2048Mi   \n');
  });

  test('sorted by memory, largest first; --sum totals under the usage columns', () => {
    assert.equal(printPodMetrics([test1, test2], { sortBy: 'memory' }), 'NAME     CPU(cores)   MEMORY(bytes)   \ntest-1   400m         5120Mi          \ntest     400m         2048Mi          \n');
    assert.equal(
      printPodMetrics([test1, test2], { sum: true }),
      'NAME     CPU(cores)   MEMORY(bytes)   \ntest     400m         2048Mi          \ntest-1   400m         5120Mi          \n         ________     ________        \n         800m         7168Mi          \n',
    );
  });

  test('-A: a NAMESPACE column, sorted by namespace then name; containers by name or usage', () => {
    const pods = [pod('web', [c('b', '5m', '10Mi'), c('a', '1m', '20Mi')], 'prod'), pod('db', [c('db', '250m', '300Mi')], 'data'), pod('api', [c('api', '10m', '1Mi')], 'prod')];
    assert.equal(
      printPodMetrics(pods, { withNamespace: true }),
      'NAMESPACE   NAME   CPU(cores)   MEMORY(bytes)   \ndata        db     250m         300Mi           \nprod        api    10m          1Mi             \nprod        web    6m           30Mi            \n',
    );
    assert.equal(
      printPodMetrics(pods, { withNamespace: true, containers: true, sortBy: 'cpu' }),
      [
        'NAMESPACE   POD   NAME   CPU(cores)   MEMORY(bytes)   ',
        'data        db    db     250m         300Mi           ',
        'prod        api   api    10m          1Mi             ',
        'prod        web   b      5m           10Mi            ',
        'prod        web   a      1m           20Mi            ',
        '',
      ].join('\n'),
    );
    assert.equal(printPodMetrics([]), '');
  });
});
