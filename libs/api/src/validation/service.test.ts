// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject, validateObjectUpdate } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;

function svc(spec: Json, name = 'go-demo-2'): KubeObject {
  const o: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
  applyDefaults('Service', o);
  return o;
}
const messages = (o: KubeObject): string[] => validateObject('Service', o, { namespaced: true }).map(fieldErrorMessage);

describe('Service validation', () => {
  const cases: [string, KubeObject, string[]][] = [
    ['a valid service', svc({ ports: [{ port: 80 }], selector: { app: 'web' } }), []],
    ['ports are required', svc({ selector: { app: 'web' } }), ['spec.ports: Required value']],
    ['a headless service needs no ports', svc({ clusterIP: 'None', selector: { app: 'web' } }), []],
    ['an ExternalName service needs no ports', svc({ type: 'ExternalName', externalName: 'example.com' }), []],
    ['an ExternalName service needs a name', svc({ type: 'ExternalName' }), ['spec.externalName: Required value']],
    [
      'port numbers are 1-65535',
      svc({ ports: [{ port: 0 }] }),
      ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ],
    ['nodePorts are port numbers', svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 70000 }] }), ['spec.ports[0].nodePort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['several ports need names', svc({ ports: [{ port: 80 }, { port: 81, name: 'b' }] }), ['spec.ports[0].name: Required value']],
    ['port names are unique', svc({ ports: [{ port: 80, name: 'a' }, { port: 81, name: 'a' }] }), ['spec.ports[1].name: Duplicate value: "a"']],
    [
      'the type is supported',
      svc({ type: 'Magic', ports: [{ port: 80 }] }),
      ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    ],
    ['None is for ClusterIP services only', svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }), ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]],
    [
      'a ClusterIP service has no nodePort',
      svc({ ports: [{ port: 80, nodePort: 30001 }] }),
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'selector labels are checked',
      svc({ ports: [{ port: 80 }], selector: { app: 'a b' } }),
      [
        `spec.selector: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    [
      'service names are DNS-1035 labels',
      svc({ ports: [{ port: 80 }] }, '1web'),
      [
        `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    [
      'sessionAffinity is supported',
      svc({ ports: [{ port: 80 }], sessionAffinity: 'Sticky' }),
      ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
    ],
  ];
  for (const [name, o, want] of cases) test(name, () => assert.deepEqual(messages(o), want));
});

describe('Service updates', () => {
  test('the cluster IP may not change once set', () => {
    const prev = svc({ ports: [{ port: 80 }], clusterIP: '10.0.0.5' });
    const next = svc({ ports: [{ port: 80 }], clusterIP: '10.0.0.6' });
    assert.deepEqual(validateObjectUpdate('Service', next, prev, { namespaced: true }).map(fieldErrorMessage), [
      'spec.clusterIPs[0]: Invalid value: []string{"10.0.0.6"}: may not change once set',
    ]);
  });
  test('an update that leaves the cluster IP out keeps it', () => {
    const prev = svc({ ports: [{ port: 80 }], clusterIP: '10.0.0.5' });
    const next = svc({ ports: [{ port: 8080 }] });
    assert.deepEqual(validateObjectUpdate('Service', next, prev, { namespaced: true }), []);
  });
});
