// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerConfigError, containerEnv, expandVars } from './container-env';
import { Backoff } from './backoff';
import type { ConfigMap, Pod, Secret } from './types';

const pod: Pod = {
  metadata: { name: 'api', namespace: 'dev', uid: 'u-1', labels: { app: 'go-demo-2' } },
  spec: { nodeName: 'node1', containers: [{ name: 'api', image: 'x', resources: { limits: { memory: '64Mi', cpu: '500m' } } }] },
  status: { podIP: '10.244.1.5', hostIP: '192.168.0.10' },
};
const cm: ConfigMap = { metadata: { name: 'cfg', namespace: 'dev' }, data: { LEVEL: 'debug', MODE: 'fast' } };
const secret: Secret = { metadata: { name: 'creds', namespace: 'dev' }, data: { password: Buffer.from('s3cr3t').toString('base64') } };
const objects = {
  configMap: (ns: string, n: string) => (ns === 'dev' && n === 'cfg' ? cm : undefined),
  secret: (ns: string, n: string) => (ns === 'dev' && n === 'creds' ? secret : undefined),
  services: (): coreV1.ServiceJson[] => [],
};
const withServices = {
  ...objects,
  services: (ns: string): coreV1.ServiceJson[] =>
    ns === 'dev'
      ? [{ metadata: { name: 'go-demo-2-db', namespace: 'dev' }, spec: { clusterIP: '10.99.1.2', ports: [{ port: 27017, protocol: 'TCP' }] } }]
      : [{ metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } }],
};
const node = { cpu: 2, memoryBytes: 8 * 2 ** 30 };

describe('container env', () => {
  test('values, $(VAR) expansion, fieldRef, resourceFieldRef, configMap/secret keys and envFrom', () => {
    const env = containerEnv(
      pod,
      {
        name: 'api',
        resources: { limits: { memory: '64Mi', cpu: '500m' } },
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
        env: [
          { name: 'DB', value: 'localhost' },
          { name: 'URL', value: 'mongodb://$(DB):27017 $$(DB)' },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
          { name: 'OPT', valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } } },
        ],
      },
      objects,
      node,
    );
    assert.deepEqual(Object.fromEntries(env.map((e) => [e.name, e.value])), {
      CFG_LEVEL: 'debug',
      CFG_MODE: 'fast',
      DB: 'localhost',
      URL: 'mongodb://localhost:27017 $(DB)',
      POD: 'api',
      NS: 'dev',
      IP: '10.244.1.5',
      APP: 'go-demo-2',
      MEM: '64',
      CPU: '500',
      LEVEL: 'debug',
      PASS: 's3cr3t',
    });
  });

  test('missing sources fail with Kubernetes messages', () => {
    assert.throws(() => containerEnv(pod, { name: 'a', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k' } } }] }, objects, node), (e: unknown) => e instanceof ContainerConfigError && e.message === 'configmap "missing" not found');
    assert.throws(() => containerEnv(pod, { name: 'a', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }] }, objects, node), /couldn't find key user in Secret dev\/creds/);
  });

  test('unset limits default to the node allocatable', () => {
    const env = containerEnv(pod, { name: 'b', env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] }, objects, node);
    assert.equal(env[0]?.value, '2');
    assert.equal(expandVars('$(A)-$(B)', new Map([['A', '1']])), '1-$(B)');
  });
});

describe('back-off', () => {
  test('doubles from the initial delay to the max, resets after 2×max of quiet', () => {
    const b = new Backoff(10_000, 300_000);
    assert.equal(b.remaining('k', 0, 0), 0);
    const delays = [0, 1, 2, 3, 4, 5, 6].map((i) => b.next('k', i * 1000));
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    assert.equal(b.remaining('k', 100_000, 250_000), 150_000);
    assert.equal(b.next('k', 6000 + 600_001), 10_000);
  });

  test('containers get service variables, which their own env overrides and can refer to', () => {
    const env = Object.fromEntries(
      containerEnv(pod, { name: 's', env: [{ name: 'DB', value: '$(GO_DEMO_2_DB_SERVICE_HOST):$(GO_DEMO_2_DB_SERVICE_PORT)' }, { name: 'KUBERNETES_SERVICE_PORT', value: 'mine' }] }, withServices, node).map((e) => [e.name, e.value]),
    );
    assert.equal(env['GO_DEMO_2_DB_PORT_27017_TCP_ADDR'], '10.99.1.2');
    assert.equal(env['KUBERNETES_SERVICE_HOST'], '10.96.0.1');
    assert.equal(env['DB'], '10.99.1.2:27017');
    assert.equal(env['KUBERNETES_SERVICE_PORT'], 'mine');
  });
});
