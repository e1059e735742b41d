// SPDX-License-Identifier: Apache-2.0
// kubectl formats times in the local zone; the goldens are written in UTC.
process.env.TZ = 'UTC';

import { describe as suite, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '@berth/api';
import { describe } from './describe';
import { ago, event, fakeContext } from './fixtures.test-helper';

const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '__golden__');

/** Compares with __golden__/<name>.txt; UPDATE_GOLDEN=1 rewrites the file. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, `${name}.txt`);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing golden ${file}; run with UPDATE_GOLDEN=1`);
  assert.equal(actual, readFileSync(file, 'utf8'));
}

// ---- fixtures: the book's objects as the server returns them ----

const tokenVolume = {
  name: 'kube-api-access-x27md',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};
const tokenMount = { name: 'kube-api-access-x27md', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
const defaultTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
const podConditions = (ready: boolean) => [
  { type: 'PodReadyToStartContainers', status: 'True' },
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: ready ? 'True' : 'False' },
  { type: 'ContainersReady', status: ready ? 'True' : 'False' },
  { type: 'PodScheduled', status: 'True' },
];
const probeDefaults = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

const dbPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'db',
    namespace: 'default',
    uid: 'pod-db',
    creationTimestamp: ago('2m'),
    labels: { type: 'db', vendor: 'MongoLabs' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1"}\n' },
  },
  spec: {
    containers: [
      {
        name: 'db',
        image: 'mongo:3.3',
        command: ['mongod'],
        args: ['--rest', '--httpinterface'],
        imagePullPolicy: 'IfNotPresent',
        volumeMounts: [tokenMount],
      },
    ],
    nodeName: 'minikube',
    serviceAccountName: 'default',
    priority: 0,
    volumes: [tokenVolume],
    tolerations: defaultTolerations,
  },
  status: {
    phase: 'Running',
    hostIP: '192.168.99.100',
    podIP: '172.17.0.4',
    podIPs: [{ ip: '172.17.0.4' }],
    startTime: ago('2m'),
    qosClass: 'BestEffort',
    conditions: podConditions(true),
    containerStatuses: [
      {
        name: 'db',
        ready: true,
        restartCount: 0,
        image: 'mongo:3.3',
        imageID: 'docker-pullable://mongo@sha256:08a90c3d',
        containerID: 'docker://2a5c6a3b1f',
        state: { running: { startedAt: ago('110s') } },
      },
    ],
  },
};
const dbPodEvents = [
  event(dbPod, 'Normal', 'Scheduled', 'Successfully assigned default/db to minikube', 'default-scheduler', '2m'),
  event(dbPod, 'Normal', 'Pulling', 'Pulling image "mongo:3.3"', 'kubelet', '2m', '2m', 1, 'minikube'),
  event(dbPod, 'Normal', 'Pulled', 'Successfully pulled image "mongo:3.3" in 20.1s', 'kubelet', '110s', '110s', 1, 'minikube'),
  event(dbPod, 'Normal', 'Created', 'Created container: db', 'kubelet', '110s', '110s', 1, 'minikube'),
  event(dbPod, 'Normal', 'Started', 'Started container db', 'kubelet', '110s', '110s', 1, 'minikube'),
];

const healthPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'go-demo-2', namespace: 'default', uid: 'pod-health', creationTimestamp: ago('6m'), labels: { type: 'stack' } },
  spec: {
    containers: [
      { name: 'db', image: 'mongo:3.3', volumeMounts: [tokenMount] },
      {
        name: 'api',
        image: 'vfarcic/go-demo-2',
        env: [{ name: 'DB', value: 'localhost' }],
        livenessProbe: {
          httpGet: { path: '/this/path/does/not/exist', port: 8080, scheme: 'HTTP' },
          initialDelaySeconds: 5,
          timeoutSeconds: 2,
          periodSeconds: 5,
          successThreshold: 1,
          failureThreshold: 1,
        },
        volumeMounts: [tokenMount],
      },
    ],
    nodeName: 'minikube',
    serviceAccountName: 'default',
    volumes: [tokenVolume],
    tolerations: defaultTolerations,
  },
  status: {
    phase: 'Running',
    hostIP: '192.168.99.100',
    podIP: '172.17.0.5',
    podIPs: [{ ip: '172.17.0.5' }],
    startTime: ago('6m'),
    qosClass: 'BestEffort',
    conditions: podConditions(true),
    containerStatuses: [
      { name: 'db', ready: true, restartCount: 0, imageID: 'docker-pullable://mongo@sha256:08a9', containerID: 'docker://d1', state: { running: { startedAt: ago('6m') } } },
      {
        name: 'api',
        ready: true,
        restartCount: 3,
        imageID: 'docker-pullable://vfarcic/go-demo-2@sha256:8b1f',
        containerID: 'docker://a4',
        state: { running: { startedAt: ago('5m') } },
        lastState: { terminated: { exitCode: 2, reason: 'Error', startedAt: ago('330s'), finishedAt: ago('5m') } },
      },
    ],
  },
};
const healthEvents = [
  event(healthPod, 'Normal', 'Scheduled', 'Successfully assigned default/go-demo-2 to minikube', 'default-scheduler', '6m'),
  event(healthPod, 'Normal', 'Pulling', 'Pulling image "mongo:3.3"', 'kubelet', '6m', '6m', 1, 'minikube'),
  event(healthPod, 'Normal', 'Pulled', 'Successfully pulled image "mongo:3.3"', 'kubelet', '6m', '6m', 1, 'minikube'),
  event(healthPod, 'Normal', 'Created', 'Created container: api', 'kubelet', '6m', '5m', 3, 'minikube'),
  event(healthPod, 'Normal', 'Started', 'Started container api', 'kubelet', '6m', '5m', 3, 'minikube'),
  event(healthPod, 'Warning', 'Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 404', 'kubelet', '6m', '5m', 3, 'minikube'),
  event(healthPod, 'Normal', 'Pulling', 'Pulling image "vfarcic/go-demo-2"', 'kubelet', '6m', '5m', 4, 'minikube'),
  event(healthPod, 'Normal', 'Killing', 'Container api failed liveness probe, will be restarted', 'kubelet', '6m', '5m', 3, 'minikube'),
];

const rsTemplate = {
  metadata: { labels: { type: 'backend', service: 'go-demo-2', db: 'mongo', language: 'go' } },
  spec: {
    containers: [
      { name: 'db', image: 'mongo:3.3', resources: {} },
      {
        name: 'api',
        image: 'vfarcic/go-demo-2',
        env: [{ name: 'DB', value: 'localhost' }],
        livenessProbe: { httpGet: { path: '/demo/hello', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 0, ...probeDefaults },
        resources: {},
      },
    ],
    restartPolicy: 'Always',
  },
};
const rs: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'go-demo-2', namespace: 'default', uid: 'rs-go-demo-2', creationTimestamp: ago('3m') },
  spec: { replicas: 2, selector: { matchLabels: { type: 'backend', service: 'go-demo-2' } }, template: rsTemplate },
  status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 },
};
function rsPod(name: string, phase: string, ip: string, owner = rs): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: ago('3m'),
      labels: { ...rsTemplate.metadata.labels },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.metadata?.name, uid: owner.metadata?.uid, controller: true }],
    },
    spec: { ...rsTemplate.spec, nodeName: 'minikube' },
    status: { phase, podIP: ip },
  };
}
const rsPods = [rsPod('go-demo-2-v59t5', 'Running', '172.17.0.4'), rsPod('go-demo-2-5fd54', 'Running', '172.17.0.5')];
const orphan = rsPod('go-demo-2-md5xp', 'Running', '172.17.0.6');
orphan.metadata = { ...orphan.metadata, ownerReferences: [] };
const rsEvents = [
  event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: go-demo-2-v59t5', 'replicaset-controller', '3m'),
  event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: go-demo-2-5fd54', 'replicaset-controller', '3m'),
];

const svc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'go-demo-2-svc',
    namespace: 'default',
    uid: 'svc-1',
    labels: { db: 'mongo', language: 'go', service: 'go-demo-2', type: 'backend' },
  },
  spec: {
    type: 'NodePort',
    selector: { service: 'go-demo-2', type: 'backend' },
    ports: [{ protocol: 'TCP', port: 28017, targetPort: 28017, nodePort: 31879 }],
    clusterIP: '10.0.0.194',
    clusterIPs: ['10.0.0.194'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
  },
  status: { loadBalancer: {} },
};
const svcSlice: KubeObject = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'go-demo-2-svc-7x2lq', namespace: 'default', labels: { 'kubernetes.io/service-name': 'go-demo-2-svc', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
  addressType: 'IPv4',
  ports: [{ name: '', port: 28017, protocol: 'TCP' }],
  endpoints: [
    { addresses: ['172.17.0.4'], conditions: { ready: true }, nodeName: 'minikube', targetRef: { kind: 'Pod', name: 'go-demo-2-v59t5', namespace: 'default' } },
    { addresses: ['172.17.0.5'], conditions: { ready: true }, nodeName: 'minikube', targetRef: { kind: 'Pod', name: 'go-demo-2-5fd54', namespace: 'default' } },
    { addresses: ['172.17.0.9'], conditions: { ready: false }, nodeName: 'minikube', targetRef: { kind: 'Pod', name: 'go-demo-2-zzzzz', namespace: 'default' } },
  ],
};
const dbSvc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'go-demo-2-db', namespace: 'default', uid: 'svc-2' },
  spec: { type: 'ClusterIP', selector: { service: 'go-demo-2', type: 'db' }, ports: [{ protocol: 'TCP', port: 27017, targetPort: 27017 }], clusterIP: '10.0.0.250', sessionAffinity: 'None' },
};
const dbEndpoints: KubeObject = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'go-demo-2-db', namespace: 'default', labels: { service: 'go-demo-2' } },
  subsets: [{ addresses: [{ ip: '172.17.0.4' }], ports: [{ port: 27017, protocol: 'TCP' }] }],
};

const apiTemplate = {
  metadata: { labels: { type: 'api', service: 'go-demo-2', language: 'go' } },
  spec: {
    containers: [
      {
        name: 'api',
        image: 'vfarcic/go-demo-2',
        env: [
          { name: 'DB', value: 'go-demo-2-db' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        ],
        readinessProbe: { httpGet: { path: '/demo/hello', port: 8080, scheme: 'HTTP' }, ...probeDefaults, periodSeconds: 1 },
        livenessProbe: { httpGet: { path: '/demo/hello', port: 8080, scheme: 'HTTP' }, ...probeDefaults },
        resources: { limits: { cpu: '200m', memory: '100Mi' }, requests: { cpu: '100m', memory: '50Mi' } },
      },
    ],
  },
};
const deploy: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'go-demo-2-api',
    namespace: 'default',
    uid: 'deploy-api',
    creationTimestamp: ago('2h'),
    annotations: { 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'kubectl set image api=vfarcic/go-demo-2:2.0 --filename=deploy/go-demo-2-api.yml --record=true' },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { type: 'api', service: 'go-demo-2' } },
    minReadySeconds: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    template: apiTemplate,
  },
  status: {
    replicas: 3,
    updatedReplicas: 3,
    availableReplicas: 3,
    readyReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  },
};
function deployRs(name: string, hash: string, image: string, replicas: number, created: string, revision: string): KubeObject {
  const template = JSON.parse(JSON.stringify(apiTemplate)) as typeof apiTemplate;
  (template.metadata.labels as Record<string, string>)['pod-template-hash'] = hash;
  (template.spec.containers[0] as { image: string }).image = image;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      creationTimestamp: ago(created),
      labels: { ...apiTemplate.metadata.labels, 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'go-demo-2-api', uid: 'deploy-api', controller: true }],
    },
    spec: { replicas, selector: { matchLabels: { type: 'api', service: 'go-demo-2', 'pod-template-hash': hash } }, template },
    status: { replicas },
  };
}
const deployObjects = [
  deployRs('go-demo-2-api-68df567fb5', '68df567fb5', 'vfarcic/go-demo-2', 0, '2h', '1'),
  deployRs('go-demo-2-api-68c75f4f5', '68c75f4f5', 'vfarcic/go-demo-2', 3, '6m', '2'),
];
// The current template is the second one.
(deploy.spec as { template: typeof apiTemplate }).template = JSON.parse(JSON.stringify(apiTemplate)) as typeof apiTemplate;
((deployObjects[1]?.spec as { template: typeof apiTemplate }).template.spec.containers[0] as { image: string }).image = 'vfarcic/go-demo-2';
((deployObjects[0]?.spec as { template: typeof apiTemplate }).template.spec.containers[0] as { image: string }).image = 'vfarcic/go-demo-2:2.0';
const deployEvents = [
  event(deploy, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set go-demo-2-api-68c75f4f5 from 0 to 1', 'deployment-controller', '6m'),
  event(deploy, 'Normal', 'ScalingReplicaSet', 'Scaled down replica set go-demo-2-api-68df567fb5 from 3 to 2', 'deployment-controller', '6m'),
  event(deploy, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set go-demo-2-api-68c75f4f5 from 1 to 3', 'deployment-controller', '5m'),
  event(deploy, 'Normal', 'ScalingReplicaSet', 'Scaled down replica set go-demo-2-api-68df567fb5 from 2 to 0', 'deployment-controller', '5m'),
];

const releaseManager: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: {
    name: 'release-manager',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole"}\n',
      'kubernetes.io/change-cause': 'kubectl create --filename=auth/crb-release-manager.yml --record=true --save-config=true',
    },
  },
  rules: [
    { resources: ['pods', 'pods/attach', 'pods/exec', 'pods/log', 'pods/status'], verbs: ['*'], apiGroups: [''] },
    { resources: ['deployments', 'replicasets'], verbs: ['create', 'get', 'list', 'update', 'watch'], apiGroups: ['', 'apps', 'extensions'] },
  ],
};
const clusterAdmin: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
  rules: [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
};
const jdoeBinding: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'jdoe', namespace: 'default' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jdoe' }],
};

const limitRange: KubeObject = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'limit-range', namespace: 'test' },
  spec: {
    limits: [
      {
        type: 'Container',
        default: { memory: '50Mi', cpu: '200m' },
        defaultRequest: { memory: '30Mi', cpu: '50m' },
        max: { memory: '80Mi', cpu: '500m' },
        min: { memory: '10Mi', cpu: '10m' },
      },
    ],
  },
};
const testNs: KubeObject = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'test', labels: { 'kubernetes.io/metadata.name': 'test' } },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
};
const devQuota: KubeObject = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'dev', namespace: 'dev' },
  spec: { hard: { 'requests.cpu': '800m', 'requests.memory': '500Mi', 'limits.cpu': '1', 'limits.memory': '1Gi', pods: '10', 'services.nodeports': '0' } },
  status: {
    hard: { 'requests.cpu': '800m', 'requests.memory': '500Mi', 'limits.cpu': '1', 'limits.memory': '1Gi', pods: '10', 'services.nodeports': '0' },
    used: { 'requests.cpu': '40m', 'requests.memory': '65Mi', 'limits.cpu': '400m', 'limits.memory': '130Mi', pods: '4', 'services.nodeports': '0' },
  },
};
const devNs: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { 'kubernetes.io/metadata.name': 'dev' } }, status: { phase: 'Active' } };

const jenkinsPv: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'manual-ebs-01', labels: { type: 'ebs' }, finalizers: ['kubernetes.io/pv-protection'] },
  spec: {
    storageClassName: 'manual-ebs',
    capacity: { storage: '5Gi' },
    accessModes: ['ReadWriteOnce'],
    awsElasticBlockStore: { volumeID: 'vol-0a1b2c3d', fsType: 'ext4' },
    persistentVolumeReclaimPolicy: 'Retain',
    volumeMode: 'Filesystem',
    claimRef: { kind: 'PersistentVolumeClaim', namespace: 'jenkins', name: 'jenkins', uid: 'pvc-jenkins' },
  },
  status: { phase: 'Bound' },
};
const jenkinsPvc: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: {
    name: 'jenkins',
    namespace: 'jenkins',
    uid: 'pvc-jenkins',
    finalizers: ['kubernetes.io/pvc-protection'],
    annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' },
  },
  spec: { storageClassName: 'manual-ebs', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'manual-ebs-01', volumeMode: 'Filesystem' },
  status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } },
};
const jenkinsPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'jenkins-76d9c5b4c5-8rmrw', namespace: 'jenkins' },
  spec: { volumes: [{ name: 'jenkins-home', persistentVolumeClaim: { claimName: 'jenkins' } }], containers: [{ name: 'jenkins', image: 'vfarcic/jenkins' }] },
  status: { phase: 'Running' },
};

const node: KubeObject = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'minikube',
    uid: 'node-minikube',
    creationTimestamp: ago('2h'),
    labels: { 'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'minikube', 'node-role.kubernetes.io/control-plane': '' },
    annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
  },
  spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
  status: {
    capacity: { cpu: '2', memory: '2048052Ki', pods: '110', 'ephemeral-storage': '17784752Ki', 'hugepages-2Mi': '0' },
    allocatable: { cpu: '2', memory: '1945652Ki', pods: '110', 'ephemeral-storage': '17784752Ki', 'hugepages-2Mi': '0' },
    conditions: [
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: ago('1m'), lastTransitionTime: ago('2h'), reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
      { type: 'Ready', status: 'True', lastHeartbeatTime: ago('1m'), lastTransitionTime: ago('2h'), reason: 'KubeletReady', message: 'kubelet is posting ready status' },
    ],
    addresses: [
      { type: 'InternalIP', address: '192.168.99.100' },
      { type: 'Hostname', address: 'minikube' },
    ],
    nodeInfo: {
      machineID: '5c1d6a3e', systemUUID: 'F3F8C0E4', bootID: '0b3f7a2e', kernelVersion: '4.9.13', osImage: 'Buildroot 2017.02',
      operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'docker://17.9.0', kubeletVersion: 'v1.9.0', kubeProxyVersion: 'v1.9.0',
    },
  },
};
function nodePod(namespace: string, name: string, resources: Record<string, Record<string, string>>, phase = 'Running'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, creationTimestamp: ago('59m') },
    spec: { nodeName: 'minikube', containers: [{ name: 'c', image: 'x', resources }] },
    status: { phase },
  };
}
const nodePods = [
  nodePod('default', 'go-demo-2-api-796db5987d-dm69g', { limits: { cpu: '200m', memory: '100Mi' }, requests: { cpu: '100m', memory: '50Mi' } }),
  nodePod('default', 'go-demo-2-db-bf6f5b486-p9vhj', { limits: { cpu: '500m', memory: '200Mi' }, requests: { cpu: '300m', memory: '100Mi' } }),
  nodePod('kube-system', 'kube-dns-54cccfbdf8-xq2lv', { limits: { memory: '170Mi' }, requests: { cpu: '260m', memory: '110Mi' } }),
  nodePod('kube-system', 'storage-provisioner', {}),
  nodePod('default', 'finished-job-x7', {}, 'Succeeded'),
];
const nodeLease: KubeObject = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'minikube', namespace: 'kube-node-lease', uid: 'lease-1', resourceVersion: '5321', creationTimestamp: ago('2h') },
  spec: { holderIdentity: 'minikube', leaseDurationSeconds: 40, renewTime: '2018-03-04T11:59:50.123456Z' },
};

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'my-config', namespace: 'default' },
  data: {
    'prometheus-conf.yml':
      'global:\n  scrape_interval:     15s\n\nscrape_configs:\n  - job_name: Prometheus\n    metrics_path: /prometheus/metrics\n    static_configs:\n      - targets:\n        - localhost:9090\n',
  },
};
const secret: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'my-creds', namespace: 'default' },
  type: 'Opaque',
  data: { username: Buffer.from('jdoe').toString('base64'), password: Buffer.from('incognito').toString('base64') },
};
const serviceAccount: KubeObject = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'jenkins', namespace: 'jenkins', uid: 'sa-jenkins' },
  secrets: [{ name: 'jenkins-token-x9z7p' }, { name: 'gone-secret' }],
};
const saToken: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'jenkins-token-x9z7p',
    namespace: 'jenkins',
    annotations: { 'kubernetes.io/service-account.name': 'jenkins', 'kubernetes.io/service-account.uid': 'sa-jenkins' },
  },
  type: 'kubernetes.io/service-account-token',
};

const ingress: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'go-demo-2',
    namespace: 'default',
    annotations: { 'ingress.kubernetes.io/ssl-redirect': 'false', 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' },
  },
  spec: {
    rules: [
      {
        http: {
          paths: [
            { path: '/demo', pathType: 'ImplementationSpecific', backend: { service: { name: 'go-demo-2-api', port: { number: 8080 } } } },
            { path: '/missing', pathType: 'Prefix', backend: { service: { name: 'nowhere', port: { name: 'http' } } } },
          ],
        },
      },
    ],
  },
  status: { loadBalancer: { ingress: [{ ip: '192.168.99.100' }] } },
};
const apiSvc: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'go-demo-2-api', namespace: 'default' },
  spec: { ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] },
};
const apiSlice: KubeObject = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'go-demo-2-api-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'go-demo-2-api' } },
  addressType: 'IPv4',
  ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  endpoints: ['172.17.0.7', '172.17.0.8', '172.17.0.9', '172.17.0.10'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
};

const storageClass: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'fast', labels: { type: 'ebs' } },
  provisioner: 'kubernetes.io/aws-ebs',
  parameters: { type: 'io1' },
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
};

const statefulSet: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default', uid: 'sts-db', creationTimestamp: ago('1h') },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'db' } },
    serviceName: 'db',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    template: {
      metadata: { labels: { app: 'db' } },
      spec: { containers: [{ name: 'db', image: 'mongo:3.3', ports: [{ containerPort: 27017, protocol: 'TCP' }], volumeMounts: [{ name: 'mongo-data', mountPath: '/data/db' }] }] },
    },
    volumeClaimTemplates: [
      { metadata: { name: 'mongo-data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } },
    ],
  },
  status: { replicas: 3, readyReplicas: 3 },
};
const daemonSet: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'fluentd', namespace: 'kube-system', uid: 'ds-fluentd' },
  spec: {
    selector: { matchLabels: { name: 'fluentd' } },
    template: {
      metadata: { labels: { name: 'fluentd' } },
      spec: {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [{ name: 'fluentd', image: 'fluent/fluentd:v1.16', volumeMounts: [{ name: 'varlog', mountPath: '/var/log' }] }],
        volumes: [{ name: 'varlog', hostPath: { path: '/var/log', type: '' } }],
      },
    },
  },
  status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1, numberMisscheduled: 0, numberReady: 1 },
};
const job: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'default', uid: 'job-pi', labels: { 'batch.kubernetes.io/job-name': 'pi' } },
  spec: {
    parallelism: 1,
    completions: 1,
    completionMode: 'NonIndexed',
    suspend: false,
    backoffLimit: 6,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-pi' } },
    template: {
      metadata: { labels: { 'batch.kubernetes.io/job-name': 'pi' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }] },
    },
  },
  status: { startTime: ago('10m'), completionTime: ago('9m'), succeeded: 1, ready: 0, active: 0 },
};
const cronJob: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'hello', namespace: 'default' },
  spec: {
    schedule: '*/1 * * * *',
    concurrencyPolicy: 'Allow',
    suspend: false,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
    jobTemplate: {
      spec: {
        template: {
          spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox', args: ['/bin/sh', '-c', 'date; echo Hello'] }] },
        },
      },
    },
  },
  status: { lastScheduleTime: ago('30s'), active: [{ kind: 'Job', name: 'hello-27935041', namespace: 'default' }] },
};
const rc: KubeObject = {
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'nginx', namespace: 'default', uid: 'rc-nginx' },
  spec: {
    replicas: 1,
    selector: { app: 'nginx' },
    template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }] }] } },
  },
  status: { replicas: 1 },
};
const rcPod = rsPod('nginx-abcde', 'Pending', '', rc);
rcPod.metadata = { ...rcPod.metadata, labels: { app: 'nginx' } };

// ---- the goldens ----

suite('describe golden output', () => {
  const cases: [string, KubeObject, KubeObject[], KubeObject[]][] = [
    ['pod-db', dbPod, [], dbPodEvents],
    ['pod-go-demo-2-health', healthPod, [], healthEvents],
    ['replicaset-go-demo-2', rs, [...rsPods, orphan], rsEvents],
    ['service-go-demo-2-svc', svc, [svcSlice], []],
    ['service-go-demo-2-db', dbSvc, [dbEndpoints], []],
    ['deployment-go-demo-2-api', deploy, deployObjects, deployEvents],
    ['clusterrole-release-manager', releaseManager, [], []],
    ['clusterrole-cluster-admin', clusterAdmin, [], []],
    ['rolebinding-jdoe', jdoeBinding, [], []],
    ['limitrange-limit-range', limitRange, [], []],
    ['namespace-test', testNs, [limitRange], []],
    ['resourcequota-dev', devQuota, [], []],
    ['namespace-dev', devNs, [devQuota], []],
    ['persistentvolume-manual-ebs-01', jenkinsPv, [], []],
    ['persistentvolumeclaim-jenkins', jenkinsPvc, [jenkinsPod], []],
    ['node-minikube', node, [...nodePods, nodeLease], []],
    ['configmap-my-config', configMap, [], []],
    ['secret-my-creds', secret, [], []],
    ['serviceaccount-jenkins', serviceAccount, [saToken], []],
    ['ingress-go-demo-2', ingress, [apiSvc, apiSlice], []],
    ['storageclass-fast', storageClass, [], []],
    ['statefulset-db', statefulSet, [], []],
    ['daemonset-fluentd', daemonSet, [], []],
    ['job-pi', job, [], []],
    ['cronjob-hello', cronJob, [], []],
    ['replicationcontroller-nginx', rc, [rcPod], []],
    ['endpoints-go-demo-2-db', dbEndpoints, [], []],
    ['endpointslice-go-demo-2-svc', svcSlice, [], []],
    ['lease-minikube', nodeLease, [], []],
  ];
  for (const [name, obj, related, events] of cases) {
    test(name, async () => {
      golden(name, await describe(obj, fakeContext(related, events)));
    });
  }
});
