// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { validateObject } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;
const ingress = (spec: Json): KubeObject => {
  const o: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'go-demo-2', namespace: 'default' }, spec };
  applyDefaults('Ingress', o);
  return o;
};
const messages = (o: KubeObject, namespaced = true): string[] => validateObject(o.kind ?? '', o, { namespaced }).map(fieldErrorMessage);
const path = (extra: Json = {}): Json => ({ path: '/demo', pathType: 'Prefix', backend: { service: { name: 'go-demo-2-api', port: { number: 8080 } } }, ...extra });

describe('Ingress validation', () => {
  test('a valid ingress', () => assert.deepEqual(messages(ingress({ rules: [{ http: { paths: [path()] } }] })), []));
  test('a default backend alone is valid', () => assert.deepEqual(messages(ingress({ defaultBackend: { service: { name: 'devops-toolkit', port: { number: 80 } } } })), []));
  test('rules or a default backend', () => assert.deepEqual(messages(ingress({})), ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']));
  test('pathType is required', () =>
    assert.deepEqual(messages(ingress({ rules: [{ http: { paths: [path({ pathType: undefined })] } }] })), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']));
  test('Prefix paths are absolute', () =>
    assert.deepEqual(messages(ingress({ rules: [{ http: { paths: [path({ path: 'demo' })] } }] })), ['spec.rules[0].http.paths[0].path: Invalid value: "demo": must be an absolute path']));
  test('a backend names a port', () =>
    assert.deepEqual(messages(ingress({ rules: [{ http: { paths: [path({ backend: { service: { name: 'a' } } })] } }] })), [
      'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    ]));
  test('hosts are DNS names, not IPs', () =>
    assert.deepEqual(messages(ingress({ rules: [{ host: '10.0.0.1', http: { paths: [path()] } }] })), ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']));
  test('an IngressClass needs a domain-prefixed controller', () => {
    const ic: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'berth' }, spec: { controller: 'nginx' } };
    assert.deepEqual(messages(ic, false), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
  });
});
