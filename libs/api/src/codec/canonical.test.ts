// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fromJson, toJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { messageSchema, resourceForKind } from '../scheme';
import { canonicalJson } from './canonical';
import { convertLegacy } from './conversion';
import { parseManifests } from './manifest';
import { decodeObject } from './typed';

const SPECS = join(import.meta.dirname, '../../../../../shared/k8s-specs');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

/** Every object the book applies, in its served apiVersion, with its message schema. */
function bookObjects(): { file: string; schema: DescMessage; doc: Record<string, unknown> }[] {
  return yamlFiles(SPECS).flatMap((file) => {
    let docs: Record<string, unknown>[];
    try {
      docs = parseManifests(readFileSync(file, 'utf8'));
    } catch {
      return []; // not a manifest (the book has a few other YAML files)
    }
    return docs.flatMap((raw) => {
      const info = resourceForKind(String(raw['apiVersion']), String(raw['kind']));
      if (!info) return [];
      const served = info.group ? `${info.group}/${info.version}` : info.version;
      const doc = { ...(raw['apiVersion'] === served ? raw : convertLegacy(raw, String(raw['apiVersion']))), apiVersion: served };
      return [{ file, schema: messageSchema(info), doc }];
    });
  });
}

function roundTrip(schema: DescMessage, value: unknown): unknown {
  return toJson(schema, fromJson(schema, value as JsonValue, { ignoreUnknownFields: true }));
}

/** The fast path either declines or gives exactly the round trip, key order included. */
function assertSame(schema: DescMessage, value: unknown, where: string): boolean {
  const fast = canonicalJson(schema, value);
  if (fast === undefined) return false;
  let slow: unknown;
  try {
    slow = roundTrip(schema, value);
  } catch (e) {
    assert.fail(`${where}: the fast path accepted what protobuf-es rejects (${String(e)})`);
  }
  assert.equal(JSON.stringify(fast), JSON.stringify(slow), where);
  return true;
}

const POD = messageSchema(resourceForKind('v1', 'Pod')!);

describe('canonicalJson', () => {
  test('the book objects: declined or the same as the round trip; their canonical form always taken', () => {
    const objects = bookObjects();
    assert.ok(objects.length > 50, `found ${objects.length} objects`);
    for (const { file, schema, doc } of objects) {
      assertSame(schema, doc, file);
      // What the server stores is canonical: re-typing it (a status write) never needs the round trip.
      const stored = roundTrip(schema, decodeObject(doc, 'Ignore').object);
      assert.ok(assertSame(schema, stored, `${file} (canonical)`), `${file}: its canonical form was declined`);
    }
  });

  test('decodeObject on a canonical body (the fast path) gives what the round trip gives, also with onlyFields', () => {
    for (const { file, schema, doc } of bookObjects()) {
      const stored = roundTrip(schema, decodeObject(doc, 'Ignore').object) as Record<string, unknown>;
      assert.equal(JSON.stringify(decodeObject(stored, 'Strict').object), JSON.stringify(stored), file);
      const only = ['metadata', 'status'];
      const rest = Object.fromEntries(Object.entries(stored).filter(([k]) => !only.includes(k)));
      const typed = roundTrip(schema, Object.fromEntries(Object.entries(stored).filter(([k]) => only.includes(k))));
      assert.equal(JSON.stringify(decodeObject(stored, 'Strict', { onlyFields: only }).object), JSON.stringify({ ...rest, ...(typed as object) }), `${file} (onlyFields)`);
    }
  });

  test('what the round trip only drops or reorders is dropped and reordered', () => {
    const pod = {
      spec: { restartPolicy: '', containers: [{ image: 'nginx', name: 'c', args: [], env: null }], nodeSelector: {} },
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, deletionTimestamp: null },
      kind: 'Pod',
      apiVersion: 'v1',
      status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-12-07T10:00:00Z' }], containerStatuses: [{ name: 'c', ready: false, restartCount: 0 }] },
    };
    assert.ok(assertSame(POD, pod, 'pod'));
    const out = canonicalJson(POD, pod)!;
    assert.deepEqual(Object.keys(out), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(out['spec'], { containers: [{ name: 'c', image: 'nginx' }] });
    // optional fields keep their zero values: "ready: false" and "restartCount: 0" are facts.
    assert.deepEqual((out['status'] as { containerStatuses: unknown[] }).containerStatuses, [{ name: 'c', ready: false, restartCount: 0 }]);
  });

  test('what the round trip converts or rejects is left to it', () => {
    const declined: [string, unknown][] = [
      ['a proto field name', { metadata: { resource_version: '1' } }],
      ['a number as a string', { spec: { terminationGracePeriodSeconds: '30' } }],
      ['a number out of range', { spec: { terminationGracePeriodSeconds: 2 ** 40 } }],
      ['a fraction in an int32', { spec: { terminationGracePeriodSeconds: 1.5 } }],
      ['a time with an offset', { metadata: { creationTimestamp: '2026-12-07T10:00:00+01:00' } }],
      ['a time with a zero fraction', { metadata: { creationTimestamp: '2026-12-07T10:00:00.000Z' } }],
      ['an impossible date', { metadata: { creationTimestamp: '2026-02-30T10:00:00Z' } }],
      ['a wrong type', { spec: { containers: [{ name: 5 }] } }],
      ['a null in a list', { spec: { containers: [null] } }],
      ['a lone surrogate', { metadata: { name: 'a\ud800' } }],
      ['an unknown field', { spec: { bogus: 1 } }],
      ['a null int-or-string', { spec: { containers: [{ name: 'c', livenessProbe: { httpGet: { port: null } } }] } }],
      ['an object as int-or-string', { spec: { containers: [{ name: 'c', livenessProbe: { httpGet: { port: { a: 1 } } } }] } }],
    ];
    for (const [what, value] of declined) assert.equal(canonicalJson(POD, value), undefined, what);
    // Declined ones that protobuf-es accepts come out canonical through it.
    assert.deepEqual(roundTrip(POD, declined[1]![1]), { spec: { terminationGracePeriodSeconds: 30 } });
  });

  test('changing any one value of a book object never makes the fast path disagree with the round trip', () => {
    const replacements: unknown[] = [null, '', 0, -1, 1.5, false, true, '7', [], {}, [null], 'Always', '2026-12-07T10:00:00.120Z', '2026-12-07T10:00:00.120000Z'];
    let taken = 0;
    let tried = 0;
    const mutate = (schema: DescMessage, root: unknown, node: unknown, file: string): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const key of Object.keys(node)) {
        const holder = node as Record<string, unknown>;
        const original = holder[key];
        for (const r of replacements) {
          holder[key] = r;
          tried++;
          if (assertSame(schema, root, `${file}: ${key} = ${JSON.stringify(r)}`)) taken++;
        }
        holder[key] = original;
        mutate(schema, root, original, file);
      }
    };
    for (const { file, schema, doc } of bookObjects().slice(0, 40)) {
      const stored = structuredClone(roundTrip(schema, decodeObject(doc, 'Ignore').object));
      mutate(schema, stored, stored, file);
    }
    assert.ok(taken > tried / 10, `the fast path was taken ${taken} times of ${tried}`);
  });
});
