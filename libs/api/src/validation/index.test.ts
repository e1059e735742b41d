// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { convertLegacy } from '../codec/conversion';
import { applyDefaults } from '../defaults/index';
import { fieldErrorMessage } from '../errors';
import type { KubeObject } from '../object';
import { resourceForKind } from '../scheme';
import { validateObject } from './index';

// Fixtures are navigated freely in tests; the code under test reads them as unknown.
 
type Json = Record<string, any>;
const messages = (kind: string, o: KubeObject, namespaced: boolean): string[] => {
  applyDefaults(kind, o);
  return validateObject(kind, o, { namespaced }).map(fieldErrorMessage);
};

describe('metadata through validateObject', () => {
  test('namespace names are DNS labels', () =>
    assert.deepEqual(messages('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'my_ns' } }, false), [
      `metadata.name: Invalid value: "my_ns": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]));
  test('upper-case names are invalid (the book\'s "Jenkins")', () =>
    assert.deepEqual(messages('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Jenkins', namespace: 'default' } }, true), [
      `metadata.name: Invalid value: "Jenkins": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]));
  test('a namespaced kind needs a namespace', () =>
    assert.deepEqual(messages('Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }, true), ['metadata.namespace: Required value']));
  test('RBAC names are path segments', () =>
    assert.deepEqual(messages('ClusterRole', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:view' } }, false), []));
});

describe('smaller kinds', () => {
  test('Lease duration is positive', () =>
    assert.deepEqual(messages('Lease', { kind: 'Lease', metadata: { name: 'l', namespace: 'kube-system' }, spec: { leaseDurationSeconds: 0 } }, true), [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]));
  test('an Event lives in its object\'s namespace', () =>
    assert.deepEqual(
      messages('Event', { kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' }, type: 'Normal' }, true),
      ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    ));
  test('Endpoints addresses are IPs', () =>
    assert.deepEqual(
      messages('Endpoints', { kind: 'Endpoints', metadata: { name: 'e', namespace: 'default' }, subsets: [{ addresses: [{ ip: 'x' }], ports: [{ port: 80 }] }] }, true),
      ['subsets[0].addresses[0].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ));
  test('EndpointSlice address types', () =>
    assert.deepEqual(messages('EndpointSlice', { kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'default' }, addressType: 'IPv5', endpoints: [] }, true), [
      'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    ]));
  test('Node taints need a known effect', () =>
    assert.deepEqual(messages('Node', { kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'Never' }] } }, false), [
      'spec.taints[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]));
  test('ServiceAccount secrets are named', () =>
    assert.deepEqual(messages('ServiceAccount', { kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' }, secrets: [{}] }, true), ['secrets[0].name: Required value']));
  test('kinds without rules get metadata checks only', () =>
    assert.deepEqual(messages('ControllerRevision', { kind: 'ControllerRevision', metadata: { name: 'r', namespace: 'default' }, revision: 1 }, true), []));
});

const SPECS = join(import.meta.dirname, '../../../../../shared/k8s-specs');
function ymlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? ymlFiles(p) : p.endsWith('.yml') ? [p] : [];
    })
    .sort();
}

describe("the book's manifests", () => {
  let objects = 0;
  // None of the book's manifests is meant to be rejected by validation: its failures
  // (quota, LimitRange, scheduling, image pulls) all happen later, at admission or at runtime.
  for (const file of ymlFiles(SPECS)) {
    test(relative(SPECS, file), () => {
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' })) {
        const raw = doc.toJS() as unknown;
        // Prometheus configs and Swarm stacks live beside the manifests: they are not objects.
        if (typeof raw !== 'object' || raw === null || typeof (raw as Json)['kind'] !== 'string') continue;
        const manifest = raw as KubeObject;
        const apiVersion = manifest.apiVersion ?? '';
        const kind = manifest.kind ?? '';
        const info = resourceForKind(apiVersion, kind);
        assert.ok(info, `${apiVersion} ${kind} is served`);
        const o = convertLegacy(structuredClone(manifest), apiVersion);
        const namespaced = info.namespaced;
        o.metadata = { ...o.metadata, ...(namespaced && !o.metadata?.namespace ? { namespace: 'default' } : {}) };
        assert.deepEqual(messages(kind, o, namespaced), [], `${kind} ${o.metadata?.name}`);
        objects++;
      }
    });
  }
  test('every object was checked', () => assert.ok(objects >= 180, `${objects} objects`));
});
