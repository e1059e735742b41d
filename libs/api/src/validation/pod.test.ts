// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject, validateObjectUpdate } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;

function pod(spec: Json, meta: Json = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'default', ...meta }, spec };
}

/** Defaults, then validates, as the API server does: the messages a user would see. */
function messages(o: KubeObject): string[] {
  const copy = structuredClone(o);
  applyDefaults('Pod', copy);
  return validateObject('Pod', copy, { namespaced: true }).map(fieldErrorMessage);
}

const ctr = (extra: Json = {}): Json => ({ name: 'db', image: 'mongo:3.3', ...extra });

describe('Pod validation', () => {
  const cases: [string, KubeObject, string[]][] = [
    ['a minimal pod is valid', pod({ containers: [ctr()] }), []],
    ['containers are required', pod({ containers: [] }), ['spec.containers: Required value']],
    ['image is required', pod({ containers: [{ name: 'db' }] }), ['spec.containers[0].image: Required value']],
    [
      'container names are DNS labels',
      pod({ containers: [ctr({ name: 'DB' })] }),
      [
        `spec.containers[0].name: Invalid value: "DB": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    ['container names are unique', pod({ containers: [ctr(), ctr()] }), ['spec.containers[1].name: Duplicate value: "db"']],
    [
      'restartPolicy must be supported',
      pod({ containers: [ctr()], restartPolicy: 'Sometimes' }),
      ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ],
    [
      'container ports are 1-65535',
      pod({ containers: [ctr({ ports: [{ containerPort: 70000 }] })] }),
      ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
    ['containerPort is required', pod({ containers: [ctr({ ports: [{ name: 'http' }] })] }), ['spec.containers[0].ports[0].containerPort: Required value']],
    [
      'port protocols are TCP, UDP or SCTP',
      pod({ containers: [ctr({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }),
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'requests may not exceed limits',
      pod({ containers: [ctr({ resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } })] }),
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      'memory request above the limit (the LimitRange case of chapter 13)',
      pod({ containers: [ctr({ resources: { limits: { memory: '50Mi' }, requests: { memory: '100Mi' } } })] }),
      ['spec.containers[0].resources.requests: Invalid value: "100Mi": must be less than or equal to memory limit of 50Mi'],
    ],
    [
      'quantities must parse',
      pod({ containers: [ctr({ resources: { limits: { memory: 'lots' } } })] }),
      [
        `spec.containers[0].resources.limits[memory]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
        `spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      ],
    ],
    [
      'quantities may not be negative',
      pod({ containers: [ctr({ resources: { requests: { cpu: '-1' } } })] }),
      ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ],
    [
      'resources are standard names',
      pod({ containers: [ctr({ resources: { limits: { disk: '1' } } })] }),
      [
        'spec.containers[0].resources.limits[disk]: Invalid value: "disk": must be a standard resource for containers',
        'spec.containers[0].resources.requests[disk]: Invalid value: "disk": must be a standard resource for containers',
      ],
    ],
    [
      'volume mounts refer to volumes',
      pod({ containers: [ctr({ volumeMounts: [{ name: 'x', mountPath: '/data' }] })] }),
      ['spec.containers[0].volumeMounts[0].name: Not found: "x"'],
    ],
    [
      'mount paths are unique',
      pod({
        containers: [ctr({ volumeMounts: [{ name: 'v', mountPath: '/data' }, { name: 'v', mountPath: '/data' }] })],
        volumes: [{ name: 'v', emptyDir: {} }],
      }),
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique'],
    ],
    [
      'volume names are unique',
      pod({ containers: [ctr()], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }),
      ['spec.volumes[1].name: Duplicate value: "v"'],
    ],
    [
      'a volume has one source',
      pod({ containers: [ctr()], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }] }),
      ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type'],
    ],
    [
      'secret volumes name their secret',
      pod({ containers: [ctr()], volumes: [{ name: 'v', secret: {} }] }),
      ['spec.volumes[0].secret.secretName: Required value'],
    ],
    [
      'file modes are at most 0777',
      pod({ containers: [ctr()], volumes: [{ name: 'v', configMap: { name: 'c', defaultMode: 1000 } }] }),
      ['spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive'],
    ],
    [
      'hostPath types are known',
      pod({ containers: [ctr()], volumes: [{ name: 'v', hostPath: { path: '/x', type: 'Pipe' } }] }),
      [
        'spec.volumes[0].hostPath.type: Unsupported value: "Pipe": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ],
    ],
    [
      'probe values are not negative',
      pod({ containers: [ctr({ livenessProbe: { tcpSocket: { port: 27017 }, initialDelaySeconds: -5 } })] }),
      ['spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0'],
    ],
    [
      'a liveness probe succeeds once',
      pod({ containers: [ctr({ livenessProbe: { tcpSocket: { port: 27017 }, successThreshold: 2 } })] }),
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [
      'a probe needs a handler',
      pod({ containers: [ctr({ readinessProbe: { periodSeconds: 1 } })] }),
      ['spec.containers[0].readinessProbe: Required value: must specify a handler type'],
    ],
    [
      'env names are checked',
      pod({ containers: [ctr({ env: [{ name: '1DB', value: 'x' }] })] }),
      [
        `spec.containers[0].env[0].name: Invalid value: "1DB": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
      ],
    ],
    [
      'env value and valueFrom are exclusive',
      pod({ containers: [ctr({ env: [{ name: 'DB', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })] }),
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ],
    [
      'label values are checked (the book\'s "Mongo Labs")',
      pod({ containers: [ctr()] }, { labels: { vendor: 'Mongo Labs' } }),
      [
        `metadata.labels: Invalid value: "Mongo Labs": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    [
      'tolerations with an empty key need Exists',
      pod({ containers: [ctr()], tolerations: [{ operator: 'Equal', value: 'x' }] }),
      ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    ],
    [
      'lifecycle hooks with one action each are valid (exec, httpGet by port name, sleep, and the deprecated tcpSocket)',
      pod({
        containers: [
          ctr({ ports: [{ name: 'http', containerPort: 8080 }], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hi'] } }, preStop: { httpGet: { path: '/drain', port: 'http' } } } }),
          ctr({ name: 'api', lifecycle: { postStart: { tcpSocket: { port: 8080 } }, preStop: { sleep: { seconds: 30 } } } }),
        ],
      }),
      [],
    ],
    [
      'a lifecycle hook needs an action',
      pod({ containers: [ctr({ lifecycle: { preStop: {} } })] }),
      ['spec.containers[0].lifecycle.preStop: Required value: must specify a handler type'],
    ],
    [
      'a lifecycle hook has one action only (the second is the one reported)',
      pod({ containers: [ctr({ lifecycle: { postStart: { exec: { command: ['true'] }, sleep: { seconds: 1 } } } })] }),
      ['spec.containers[0].lifecycle.postStart.sleep: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'a hook action is checked like a probe action',
      pod({ containers: [ctr({ lifecycle: { postStart: { exec: { command: [] } }, preStop: { httpGet: { port: 'no_such_port', httpHeaders: [{ name: 'X Bad', value: 'v' }] } } } })] }),
      [
        'spec.containers[0].lifecycle.postStart.exec.command: Required value',
        'spec.containers[0].lifecycle.preStop.httpGet.port: Invalid value: "no_such_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        `spec.containers[0].lifecycle.preStop.httpGet.httpHeaders: Invalid value: "X Bad": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')`,
      ],
    ],
    [
      'a sleep lasts more than 0 seconds and at most the grace period',
      pod({ terminationGracePeriodSeconds: 10, containers: [ctr({ lifecycle: { postStart: { sleep: { seconds: 0 } }, preStop: { sleep: { seconds: 11 } } } })] }),
      [
        'spec.containers[0].lifecycle.postStart.sleep: Invalid value: 0: must be greater than 0 and less than terminationGracePeriodSeconds (10)',
        'spec.containers[0].lifecycle.preStop.sleep: Invalid value: 11: must be greater than 0 and less than terminationGracePeriodSeconds (10)',
      ],
    ],
    [
      'a sleep is no probe action',
      pod({ containers: [ctr({ livenessProbe: { sleep: { seconds: 1 } } })] }),
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ],
    [
      'a sidecar (restartPolicy Always init container) may have hooks, checked the same way',
      pod({ containers: [ctr()], initContainers: [ctr({ name: 'proxy', restartPolicy: 'Always', lifecycle: { preStop: {} } })] }),
      ['spec.initContainers[0].lifecycle.preStop: Required value: must specify a handler type'],
    ],
    [
      'other init containers may not have hooks',
      pod({ containers: [ctr()], initContainers: [ctr({ name: 'init', lifecycle: { postStart: { sleep: { seconds: 1 } } } })] }),
      ['spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always'],
    ],
  ];
  for (const [name, o, want] of cases) {
    test(name, () => assert.deepEqual(messages(o), want));
  }
});

describe('Pod updates', () => {
  const base = (): KubeObject => {
    const p = pod({ containers: [ctr({ ports: [{ containerPort: 27017 }] })], tolerations: [{ key: 'a', operator: 'Exists' }] });
    applyDefaults('Pod', p);
    return p;
  };
  const update = (mutate: (spec: Json) => void): string[] => {
    const prev = base();
    const next = structuredClone(prev);
    mutate(next['spec'] as Json);
    applyDefaults('Pod', next);
    return validateObjectUpdate('Pod', next, prev, { namespaced: true }).map(fieldErrorMessage);
  };

  test('the image may change', () => assert.deepEqual(update((s) => (s['containers'][0].image = 'mongo:3.4')), []));
  test('activeDeadlineSeconds may be set', () => assert.deepEqual(update((s) => (s['activeDeadlineSeconds'] = 30)), []));
  test('tolerations may be added', () => assert.deepEqual(update((s) => s['tolerations'].push({ key: 'b', operator: 'Exists' })), []));
  test('tolerations may not be removed', () =>
    assert.deepEqual(update((s) => (s['tolerations'] = [])), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']));
  test('containers may not be added', () =>
    assert.deepEqual(update((s) => s['containers'].push(ctr({ name: 'api' }))), ['spec.containers: Forbidden: pod updates may not add or remove containers']));
  test('other fields may not change', () => {
    const msgs = update((s) => (s['containers'][0].ports[0].containerPort = 28017));
    assert.equal(msgs.length, 1);
    assert.ok(
      msgs[0]?.startsWith(
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
      ),
      msgs[0],
    );
    assert.match(msgs[0] ?? '', /spec\.containers\[0\]\.ports\[0\]\.containerPort: 27017/);
  });
  test('activeDeadlineSeconds may only go down', () => {
    const prev = base();
    (prev['spec'] as Json)['activeDeadlineSeconds'] = 30;
    const next = structuredClone(prev);
    (next['spec'] as Json)['activeDeadlineSeconds'] = 60;
    assert.deepEqual(validateObjectUpdate('Pod', next, prev, { namespaced: true }).map(fieldErrorMessage), [
      'spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value',
    ]);
  });
  test('the name may not change', () => {
    const prev = base();
    const next = structuredClone(prev);
    next.metadata = { ...next.metadata, name: 'other' };
    assert.deepEqual(validateObjectUpdate('Pod', next, prev, { namespaced: true }).map(fieldErrorMessage), ['metadata.name: Invalid value: "other": field is immutable']);
  });
});
