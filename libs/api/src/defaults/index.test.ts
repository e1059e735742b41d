// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object';
import { applyDefaults, imageTag } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;
const defaulted = (kind: string, o: Json): Json => {
  const copy = structuredClone(o) as KubeObject;
  applyDefaults(kind, copy);
  return copy as Json;
};

describe('Pod defaults', () => {
  const pod = defaulted('Pod', {
    spec: {
      containers: [
        {
          name: 'api',
          image: 'vfarcic/go-demo-2',
          ports: [{ containerPort: 8080 }],
          livenessProbe: { httpGet: { port: 8080 }, initialDelaySeconds: 5 },
          resources: { limits: { memory: '10Mi', cpu: 0.1 } },
        },
        { name: 'db', image: 'mongo:3.3' },
      ],
      volumes: [{ name: 'creds', secret: { secretName: 'my-creds' } }, { name: 'home' }],
    },
  });
  const spec = pod['spec'];
  test('pod-level fields', () => {
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
  });
  test('containers', () => {
    const [api, db] = spec.containers;
    assert.equal(api.imagePullPolicy, 'Always');
    assert.equal(db.imagePullPolicy, 'IfNotPresent');
    assert.equal(api.terminationMessagePath, '/dev/termination-log');
    assert.equal(api.terminationMessagePolicy, 'File');
    assert.equal(api.ports[0].protocol, 'TCP');
  });
  test('probes', () =>
    assert.deepEqual(spec.containers[0].livenessProbe, {
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      initialDelaySeconds: 5,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    }));
  test('requests default to limits on pods', () => assert.deepEqual(spec.containers[0].resources.requests, { memory: '10Mi', cpu: 0.1 }));
  test('volumes', () => {
    assert.equal(spec.volumes[0].secret.defaultMode, 420);
    assert.deepEqual(spec.volumes[1].emptyDir, {});
  });
  test('explicit values are kept', () => {
    const p = defaulted('Pod', { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'a', imagePullPolicy: 'Never' }] } });
    assert.equal(p['spec'].restartPolicy, 'Never');
    assert.equal(p['spec'].terminationGracePeriodSeconds, 0);
    assert.equal(p['spec'].containers[0].imagePullPolicy, 'Never');
  });
  test('defaulting twice changes nothing', () => assert.deepEqual(defaulted('Pod', pod), pod));
});

describe('image tags', () => {
  for (const [image, tag] of [
    ['mongo', 'latest'],
    ['mongo:3.3', '3.3'],
    ['localhost:5000/mongo', 'latest'],
    ['localhost:5000/mongo:1', '1'],
    ['mongo@sha256:abc', ''],
  ] as const) {
    test(image, () => assert.equal(imageTag(image), tag));
  }
});

describe('workload defaults', () => {
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'a:1', resources: { limits: { cpu: '1' } } }] } };
  test('Deployment', () => {
    const d = defaulted('Deployment', { spec: { template } })['spec'];
    assert.equal(d.replicas, 1);
    assert.deepEqual(d.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.revisionHistoryLimit, 10);
    assert.equal(d.progressDeadlineSeconds, 600);
    assert.equal(d.template.spec.restartPolicy, 'Always');
    // requests are only defaulted from limits on Pods, not on templates
    assert.equal(d.template.spec.containers[0].resources.requests, undefined);
  });
  test('Recreate gets no rollingUpdate', () => assert.deepEqual(defaulted('Deployment', { spec: { strategy: { type: 'Recreate' }, template } })['spec'].strategy, { type: 'Recreate' }));
  test('ReplicaSet', () => assert.equal(defaulted('ReplicaSet', { spec: { template } })['spec'].replicas, 1));
  test('StatefulSet', () => {
    const s = defaulted('StatefulSet', { spec: { serviceName: 'db', template } })['spec'];
    assert.equal(s.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(s.revisionHistoryLimit, 10);
    assert.equal(s.replicas, 1);
  });
  test('DaemonSet', () =>
    assert.deepEqual(defaulted('DaemonSet', { spec: { template } })['spec'].updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }));
  test('Job', () => {
    const j = defaulted('Job', { metadata: { name: 'pi' }, spec: { template } });
    assert.equal(j['spec'].completions, 1);
    assert.equal(j['spec'].parallelism, 1);
    assert.equal(j['spec'].backoffLimit, 6);
    assert.equal(j['spec'].completionMode, 'NonIndexed');
    assert.deepEqual(j['metadata'].labels, { app: 'x' });
  });
  test('a parallel Job keeps completions unset', () => {
    const j = defaulted('Job', { spec: { parallelism: 3, template } });
    assert.equal(j['spec'].completions, undefined);
  });
  test('CronJob', () => {
    const c = defaulted('CronJob', { spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } } })['spec'];
    assert.equal(c.concurrencyPolicy, 'Allow');
    assert.equal(c.suspend, false);
    assert.equal(c.successfulJobsHistoryLimit, 3);
    assert.equal(c.failedJobsHistoryLimit, 1);
  });
});

describe('Service defaults', () => {
  test('ClusterIP', () => {
    const s = defaulted('Service', { spec: { ports: [{ port: 80 }, { port: 81, targetPort: 'http' }] } })['spec'];
    assert.equal(s.type, 'ClusterIP');
    assert.equal(s.sessionAffinity, 'None');
    assert.deepEqual(s.ports, [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 81, targetPort: 'http', protocol: 'TCP' },
    ]);
    assert.equal(s.internalTrafficPolicy, 'Cluster');
    assert.equal(s.externalTrafficPolicy, undefined);
    assert.deepEqual(s.ipFamilies, ['IPv4']);
  });
  test('NodePort', () => assert.equal(defaulted('Service', { spec: { type: 'NodePort', ports: [{ port: 80 }] } })['spec'].externalTrafficPolicy, 'Cluster'));
  test('ClientIP affinity gets its timeout', () =>
    assert.deepEqual(defaulted('Service', { spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } })['spec'].sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } }));
});

describe('other kinds', () => {
  test('Secret type', () => assert.equal(defaulted('Secret', { data: {} })['type'], 'Opaque'));
  test('Namespace phase and name label', () => {
    const ns = defaulted('Namespace', { metadata: { name: 'dev' } });
    assert.equal(ns['status'].phase, 'Active');
    assert.deepEqual(ns['metadata'].labels, { 'kubernetes.io/metadata.name': 'dev' });
  });
  test('PersistentVolume', () => {
    const pv = defaulted('PersistentVolume', { spec: {} });
    assert.equal(pv['spec'].persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(pv['spec'].volumeMode, 'Filesystem');
    assert.equal(pv['status'].phase, 'Pending');
    const dynamic = defaulted('PersistentVolume', { metadata: { annotations: { 'pv.kubernetes.io/provisioned-by': 'x' } }, spec: {} });
    assert.equal(dynamic['spec'].persistentVolumeReclaimPolicy, 'Delete');
  });
  test('PersistentVolumeClaim', () => assert.equal(defaulted('PersistentVolumeClaim', { spec: {} })['spec'].volumeMode, 'Filesystem'));
  test('Node allocatable', () => assert.deepEqual(defaulted('Node', { status: { capacity: { cpu: '2' } } })['status'].allocatable, { cpu: '2' }));
  test('RoleBinding apiGroups', () => {
    const rb = defaulted('RoleBinding', { roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jdoe' }, { kind: 'ServiceAccount', name: 'sa' }] });
    assert.equal(rb['roleRef'].apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(rb['subjects'][0].apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(rb['subjects'][1].apiGroup, '');
  });
  test('unknown kinds are left alone', () => assert.deepEqual(defaulted('Widget', { spec: {} }), { spec: {} }));
});
