// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StatusError } from '../errors';
import { resourceForKind } from '../scheme';
import { parseManifests } from './manifest';
import { decodeObject } from './typed';
import { packObject, unpackObject } from './wire';

const SPECS = join(import.meta.dirname, '../../../../../shared/k8s-specs');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

describe('decodeObject', () => {
  test('onlyFields: those fields are typed, the others only checked for unknown fields', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', resourceVersion: '7' },
      spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: 1 } } }] },
      status: { phase: 'Running', startTime: '2026-12-07T10:00:00.000Z', containerStatuses: [{ name: 'c', ready: true, restartCount: 0 }] },
    };
    const opts = { onlyFields: ['metadata', 'status'] };
    const { object } = decodeObject(pod, 'Strict', opts);
    const full = decodeObject(pod, 'Strict').object;
    // The typed fields come out exactly as a whole-object decode makes them...
    assert.deepEqual(object['status'], full['status']);
    assert.equal((object['status'] as { startTime: string }).startTime, '2026-12-07T10:00:00Z');
    assert.deepEqual(object.metadata, full.metadata);
    // ...the others are not typed: a wrong type there is left for the caller to discard.
    const badSpec = { ...pod, spec: { containers: [{ name: 'c', image: 5 }] } };
    assert.throws(() => decodeObject(badSpec, 'Strict'), /image/);
    assert.deepEqual(decodeObject(badSpec, 'Strict', opts).object['spec'], badSpec.spec);
    // Unknown fields anywhere are still found, and type errors in the typed fields named.
    assert.throws(() => decodeObject({ ...pod, spec: { ...pod.spec, bogus: 1 } }, 'Strict', opts), /unknown field "spec.bogus"/);
    assert.deepEqual(decodeObject({ ...pod, spec: { ...pod.spec, bogus: 1 } }, 'Warn', opts).warnings, ['unknown field "spec.bogus"']);
    assert.throws(() => decodeObject({ ...pod, status: { phase: 5 } }, 'Strict', opts), (e: unknown) => e instanceof StatusError && /phase/.test(e.message));
  });

  test('quantities may be YAML numbers; output is canonical Kubernetes JSON', () => {
    const [pod] = parseManifests(`
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {type: db}}
spec:
  containers:
  - name: db
    image: mongo:3.3
    resources: {limits: {cpu: 0.5, memory: 100Mi}, requests: {cpu: 1}}
    ports: [{containerPort: 27017}]
`);
    const { object, warnings } = decodeObject(pod, 'Strict');
    assert.deepEqual(warnings, []);
    const c = (object['spec'] as { containers: { resources: unknown; ports: unknown }[] }).containers[0];
    assert.deepEqual(c?.resources, { limits: { cpu: '0.5', memory: '100Mi' }, requests: { cpu: '1' } });
    assert.deepEqual(c?.ports, [{ containerPort: 27017 }]);
  });

  test('unknown fields: Strict rejects naming each path, Warn drops with warnings, Ignore drops silently', () => {
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', imagee: 'typo' }], bogus: 1 } };
    assert.throws(
      () => decodeObject(obj, 'Strict'),
      (e: unknown) =>
        e instanceof StatusError &&
        e.reason === 'BadRequest' &&
        e.message === 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee", unknown field "spec.bogus"',
    );
    const warned = decodeObject(obj, 'Warn');
    assert.deepEqual(warned.warnings, ['unknown field "spec.containers[0].imagee"', 'unknown field "spec.bogus"']);
    assert.equal((warned.object['spec'] as { bogus?: number }).bogus, undefined);
    assert.deepEqual(decodeObject(obj, 'Ignore').warnings, []);
  });

  test('type errors are BadRequest naming the kind', () => {
    assert.throws(
      () => decodeObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 'three' } }),
      (e: unknown) => e instanceof StatusError && /^Deployment in version "apps\/v1" cannot be handled as a Deployment: /.test(e.message),
    );
    assert.throws(() => decodeObject({ apiVersion: 'v1', metadata: {} }), /Object 'Kind' is missing/);
    assert.throws(() => decodeObject({ kind: 'Pod' }), /Object 'apiVersion' is missing/);
    assert.throws(() => decodeObject({ apiVersion: 'v1', kind: 'Nope' }), /no matches for kind "Nope" in version "v1"/);
  });

  test('legacy apiVersions convert to the served version', () => {
    const { object } = decodeObject({
      apiVersion: 'extensions/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: { backend: { serviceName: 'web', servicePort: 'http' }, rules: [{ host: 'a.b', http: { paths: [{ path: '/', backend: { serviceName: 'api', servicePort: 8080 } }] } }] },
    }, 'Strict');
    assert.equal(object.apiVersion, 'networking.k8s.io/v1');
    assert.deepEqual(object['spec'], {
      defaultBackend: { service: { name: 'web', port: { name: 'http' } } },
      rules: [{ host: 'a.b', http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: { service: { name: 'api', port: { number: 8080 } } } }] } }],
    });
    const dep = decodeObject({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: { labels: { app: 'x' } } } } }).object;
    assert.equal(dep.apiVersion, 'apps/v1');
    assert.deepEqual((dep['spec'] as { selector: unknown }).selector, { matchLabels: { app: 'x' } });
  });

  test('every manifest of the book decodes strictly and survives the protobuf wire', () => {
    let count = 0;
    for (const file of yamlFiles(SPECS)) {
      const text = readFileSync(file, 'utf8');
      if (!/^kind:/m.test(text)) continue; // data files the book mounts, not manifests
      for (const doc of parseManifests(text, file)) {
        if (!resourceForKind(String(doc.apiVersion), String(doc.kind))) continue;
        const { object } = decodeObject(doc, 'Strict');
        assert.deepEqual(unpackObject(packObject(object)), object, `${file}: ${String(doc.kind)} changed on the wire`);
        count++;
      }
    }
    assert.ok(count > 150, `only ${count} manifests decoded`);
  });
});
