// SPDX-License-Identifier: Apache-2.0
// Realistic objects, one per kind, shaped like the book's sessions (go-demo-2, jenkins, dev namespace).
import type { KubeObject } from '@berth/api';

/** The clock every golden file is rendered against. */
export const NOW = new Date('2018-03-01T12:00:00Z');
const T = (secondsAgo: number): string => new Date(NOW.getTime() - secondsAgo * 1000).toISOString().replace(/\.000Z$/, 'Z');
const meta = (name: string, ago: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1234', creationTimestamp: T(ago), ...extra,
});
const template = (labels: Record<string, string>, image: string, name = 'api') => ({
  metadata: { labels },
  spec: { containers: [{ name, image, ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: {} }] },
});

/** kind → fixture objects (the first is the one printed alone). */
export const FIXTURES: Record<string, KubeObject[]> = {
  Pod: [
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: meta('db', 185, { labels: { type: 'db', vendor: 'MongoLabs' } }),
      spec: { containers: [{ name: 'db', image: 'mongo:3.3', command: ['mongod'], args: ['--rest', '--httpinterface'] }], nodeName: 'minikube' },
      status: {
        phase: 'Running', podIP: '172.17.0.4', podIPs: [{ ip: '172.17.0.4' }], hostIP: '192.168.99.100',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'db', ready: true, restartCount: 0, image: 'mongo:3.3', state: { running: { startedAt: T(180) } } }],
      },
    },
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: meta('go-demo-2-api-5c6b9f8f4-x7k2q', 3700, { labels: { service: 'go-demo-2', type: 'api' } }),
      spec: { containers: [{ name: 'api', image: 'vfarcic/go-demo-2' }], nodeName: 'minikube' },
      status: {
        phase: 'Running', podIP: '172.17.0.6',
        containerStatuses: [{
          name: 'api', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 2, reason: 'Error', finishedAt: T(125) } },
        }],
      },
    },
  ],
  ReplicaSet: [{
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: meta('go-demo-2', 2000, { labels: { service: 'go-demo-2', type: 'backend' } }),
    spec: { replicas: 2, selector: { matchLabels: { service: 'go-demo-2', type: 'backend' } }, template: template({ service: 'go-demo-2', type: 'backend' }, 'vfarcic/go-demo-2', 'api') },
    status: { replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2 },
  }],
  Deployment: [{
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: meta('go-demo-2-api', 600, { labels: { service: 'go-demo-2', type: 'api' }, annotations: { 'deployment.kubernetes.io/revision': '1' } }),
    spec: {
      replicas: 3, selector: { matchLabels: { service: 'go-demo-2', type: 'api' } },
      template: template({ service: 'go-demo-2', type: 'api' }, 'vfarcic/go-demo-2'),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    },
    status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 },
  }],
  StatefulSet: [{
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('db', 400),
    spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }, 'mongo:3.3', 'db') },
    status: { replicas: 3, readyReplicas: 1 },
  }],
  DaemonSet: [{
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('fluentd', 90000),
    spec: { selector: { matchLabels: { app: 'fluentd' } }, template: { ...template({ app: 'fluentd' }, 'fluentd:v1', 'fluentd'), spec: { nodeSelector: { logging: 'true' }, containers: [{ name: 'fluentd', image: 'fluentd:v1' }] } } },
    status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 },
  }],
  Job: [{
    apiVersion: 'batch/v1', kind: 'Job', metadata: meta('pi', 300),
    spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, template: template({ job: 'pi' }, 'perl', 'pi') },
    status: { succeeded: 1, startTime: T(300), completionTime: T(262), conditions: [{ type: 'Complete', status: 'True' }] },
  }],
  CronJob: [{
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('hello', 7200),
    spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: template({}, 'busybox', 'hello') } } },
    status: { lastScheduleTime: T(42) },
  }],
  Service: [
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta('go-demo-2', 3600),
      spec: { type: 'NodePort', clusterIP: '10.0.0.194', clusterIPs: ['10.0.0.194'], ports: [{ port: 28017, nodePort: 30001, protocol: 'TCP', targetPort: 28017 }], selector: { type: 'backend', service: 'go-demo-2' } },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta('go-demo-2-db', 3600),
      spec: { type: 'ClusterIP', clusterIP: '10.0.0.19', ports: [{ port: 27017, protocol: 'TCP' }], selector: { type: 'db', service: 'go-demo-2' } },
    },
  ],
  Endpoints: [{
    apiVersion: 'v1', kind: 'Endpoints', metadata: meta('go-demo-2', 3600),
    subsets: [{ addresses: [{ ip: '172.17.0.4' }, { ip: '172.17.0.5' }, { ip: '172.17.0.6' }, { ip: '172.17.0.7' }], ports: [{ port: 28017, protocol: 'TCP' }] }],
  }],
  EndpointSlice: [{
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('go-demo-2-abcde', 3600),
    addressType: 'IPv4', ports: [{ name: '', port: 28017, protocol: 'TCP' }], endpoints: [{ addresses: ['172.17.0.4'] }, { addresses: ['172.17.0.5'] }],
  }],
  Node: [{
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: 'minikube', creationTimestamp: T(172800 + 3600), labels: { 'kubernetes.io/hostname': 'minikube', 'node-role.kubernetes.io/master': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.168.99.100' }, { type: 'Hostname', address: 'minikube' }],
      nodeInfo: { kubeletVersion: 'v1.9.0', osImage: 'Buildroot 2017.02', kernelVersion: '4.9.13', containerRuntimeVersion: 'docker://17.9.0' },
    },
  }],
  Namespace: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', creationTimestamp: T(45) }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }],
  ConfigMap: [{
    apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('my-config', 70),
    data: { 'prometheus-conf.yml': 'global:\n  scrape_interval: 15s\n', debug: 'true', port: '8080', mode: 'on' },
  }],
  Secret: [{ apiVersion: 'v1', kind: 'Secret', metadata: meta('my-creds', 30), type: 'Opaque', data: { username: 'amRvZQ==', password: 'aW5jb2duaXRv' } }],
  ServiceAccount: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('jenkins', 900), secrets: [{ name: 'jenkins-token-abcde' }] }],
  Event: [{
    apiVersion: 'v1', kind: 'Event', metadata: meta('db.15a3b6c2d5e8f9a1', 120),
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'db', fieldPath: 'spec.containers{db}' },
    reason: 'Pulled', message: 'Successfully pulled image "mongo:3.3"', source: { component: 'kubelet', host: 'minikube' },
    firstTimestamp: T(300), lastTimestamp: T(120), count: 2, type: 'Normal',
  }],
  Ingress: [{
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta('go-demo-2', 50),
    spec: { rules: [{ http: { paths: [{ path: '/demo', pathType: 'Prefix', backend: { service: { name: 'go-demo-2-api', port: { number: 8080 } } } }] } }] },
    status: { loadBalancer: { ingress: [{ ip: '192.168.99.100' }] } },
  }],
  IngressClass: [{ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'berth', creationTimestamp: T(86400) }, spec: { controller: 'berth.dev/ingress-gateway' } }],
  PersistentVolume: [{
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'manual-ebs-01', creationTimestamp: T(200), labels: { type: 'ebs' } },
    spec: {
      capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual-ebs',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'jenkins', name: 'jenkins' }, awsElasticBlockStore: { volumeID: 'vol-0123', fsType: 'ext4' },
    },
    status: { phase: 'Bound' },
  }],
  PersistentVolumeClaim: [
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...meta('jenkins', 150), namespace: 'jenkins' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual-ebs', volumeName: 'manual-ebs-02' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } },
    },
    {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...meta('pending', 5), namespace: 'jenkins' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast' },
      status: { phase: 'Pending' },
    },
  ],
  StorageClass: [{
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: 'gp2', creationTimestamp: T(86400 * 3), annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'kubernetes.io/aws-ebs', parameters: { type: 'gp2' }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
  }],
  Role: [{
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('pod-reader', 600),
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
  }],
  ClusterRole: [{
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'release-manager', creationTimestamp: T(600) },
    rules: [{ apiGroups: ['', 'apps'], resources: ['*'], verbs: ['*'] }],
  }],
  RoleBinding: [{
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { ...meta('dev', 600), namespace: 'dev' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jdoe' }, { kind: 'ServiceAccount', name: 'build', namespace: 'dev' }],
  }],
  ClusterRoleBinding: [{
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'view', creationTimestamp: T(600) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }],
  }],
  LimitRange: [{
    apiVersion: 'v1', kind: 'LimitRange', metadata: { ...meta('limit-range', 600), namespace: 'test' },
    spec: { limits: [{ type: 'Container', default: { memory: '50Mi', cpu: 0.2 }, defaultRequest: { memory: '30Mi', cpu: 0.05 } }] },
  }],
  ResourceQuota: [{
    apiVersion: 'v1', kind: 'ResourceQuota', metadata: { ...meta('dev', 600), namespace: 'dev' },
    spec: { hard: { pods: '10', 'requests.cpu': '800m', 'limits.cpu': '1', 'requests.memory': '500Mi', 'limits.memory': '1Gi', 'services.nodeports': '0' } },
    status: {
      hard: { pods: '10', 'requests.cpu': '800m', 'limits.cpu': '1', 'requests.memory': '500Mi', 'limits.memory': '1Gi', 'services.nodeports': '0' },
      used: { pods: '4', 'requests.cpu': '40m', 'limits.cpu': '400m', 'requests.memory': '40Mi', 'limits.memory': '200Mi', 'services.nodeports': '0' },
    },
  }],
  ReplicationController: [{
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { ...meta('heapster', 86400), namespace: 'kube-system' },
    spec: { replicas: 1, selector: { 'k8s-app': 'heapster' }, template: template({ 'k8s-app': 'heapster' }, 'k8s.gcr.io/heapster:v1.4.0', 'heapster') },
    status: { replicas: 1, readyReplicas: 1 },
  }],
  PodDisruptionBudget: [{
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('db-pdb', 600),
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
  }],
  HorizontalPodAutoscaler: [{
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta('api', 600),
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 80 },
    status: { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 12 },
  }],
  Lease: [{
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...meta('kube-scheduler', 86400), namespace: 'kube-system' },
    spec: { holderIdentity: 'minikube_0c5e1f', leaseDurationSeconds: 15 },
  }],
  NetworkPolicy: [{
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('deny-all', 600), spec: { podSelector: {}, policyTypes: ['Ingress'] },
  }],
  ControllerRevision: [{
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: meta('fluentd-7d4b9', 600, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u', controller: true }] }),
    revision: 1,
  }],
};
