// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { create, equals, fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { apiV1, coreV1, etcdserverpbRpcPb as etcd, metaV1 } from './index';
import { usePooledBinaryWriter } from './pooled-binary-writer';

/** Bytes of the library's own writer, for comparison. */
function libraryBytes<D extends DescMessage>(schema: D, msg: MessageShape<D>): Uint8Array {
  usePooledBinaryWriter(false);
  try {
    return toBinary(schema, msg);
  } finally {
    usePooledBinaryWriter(true);
  }
}

/** Fills Node's pool with garbage, so a byte the writer forgot to write would show. */
function dirtyThePool(): void {
  for (let i = 0; i < 64; i++) Buffer.allocUnsafe(256 + i).fill(0xa5);
}

const json = (size: number): Uint8Array => Buffer.from(JSON.stringify({ kind: 'Pod', pad: 'p'.repeat(size) }));

const cases: Array<[string, DescMessage, unknown]> = [
  ['an empty message', apiV1.CallRequestSchema, create(apiV1.CallRequestSchema)],
  ['a watch event of 1.5 KB', apiV1.WatchEventSchema, create(apiV1.WatchEventSchema, { type: 'MODIFIED', objectJson: json(1500) })],
  // Past Node's pooled size (4 KB): the writer falls back to a buffer of its own.
  ['a call answer of 100 KB', apiV1.CallResponseSchema, create(apiV1.CallResponseSchema, { id: 2n ** 63n - 1n, result: { case: 'object', value: { objectJson: json(100_000) } } })],
  [
    'a call with nested messages and non-ASCII strings',
    apiV1.CallRequestSchema,
    create(apiV1.CallRequestSchema, {
      id: 7n,
      call: { case: 'patch', value: { ref: { group: '', version: 'v1', resource: 'pods', namespace: 'défaut', name: 'ü'.repeat(300), subresource: 'status' }, patchType: 'application/merge-patch+json', patch: json(40) } },
    }),
  ],
  [
    'a pod with labels, times and ports',
    coreV1.PodSchema,
    create(coreV1.PodSchema, {
      metadata: { name: 'web-0', labels: { app: 'web', tier: 'fe' }, creationTimestamp: { seconds: 1_700_000_000n, nanos: 5 } },
      spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }] }], terminationGracePeriodSeconds: 30 },
    }),
  ],
  [
    // Doubles are written through the writer's DataView, which must start where its buffer does.
    'a node with image sizes and swap',
    coreV1.NodeSchema,
    create(coreV1.NodeSchema, {
      metadata: { name: 'node-1' },
      status: { images: [{ names: ['nginx:1.27'], sizeBytes: 187_654_321.5 }, { names: ['busybox'], sizeBytes: 4_261_550 }], nodeInfo: { swap: { capacity: 2 ** 40 } } },
    }),
  ],
  [
    'an etcd transaction',
    etcd.TxnRequestSchema,
    create(etcd.TxnRequestSchema, {
      compare: [{ key: Buffer.from('/registry/pods/default/web-0'), target: etcd.Compare_CompareTarget.Mod, targetUnion: { case: 'modRevision', value: 123_456n } }],
      success: [{ request: { case: 'requestPut', value: { key: Buffer.from('/registry/pods/default/web-0'), value: json(3000) } } }],
      failure: [{ request: { case: 'requestRange', value: { key: Buffer.from('/registry/pods/default/web-0') } } }],
    }),
  ],
  ['a status with details', metaV1.StatusSchema, create(metaV1.StatusSchema, { status: 'Failure', message: 'x'.repeat(200), reason: 'Invalid', code: 422, details: { name: 'web', causes: [{ field: 'spec.containers[0].image', message: 'Required value' }] } })],
];

describe('pooled BinaryWriter', () => {
  after(() => usePooledBinaryWriter(true));

  it('is in effect: toBinary returns a view into a pooled ArrayBuffer', () => {
    const bytes = toBinary(apiV1.WatchEventSchema, create(apiV1.WatchEventSchema, { type: 'ADDED', objectJson: json(100) }));
    assert.ok(bytes.buffer.byteLength > bytes.byteLength, `a ${bytes.byteLength}-byte message in its own ${bytes.buffer.byteLength}-byte ArrayBuffer`);
  });

  for (const [name, schema, msg] of cases) {
    it(`writes ${name} byte for byte as the library's writer does`, () => {
      dirtyThePool();
      const pooled = toBinary(schema, msg as MessageShape<typeof schema>);
      dirtyThePool();
      assert.deepEqual(Buffer.from(pooled), Buffer.from(libraryBytes(schema, msg as MessageShape<typeof schema>)));
      assert.ok(equals(schema, fromBinary(schema, pooled), msg as MessageShape<typeof schema>));
    });
  }

  it('gives each message its own bytes: a later write does not change an earlier result', () => {
    const first = toBinary(apiV1.WatchEventSchema, create(apiV1.WatchEventSchema, { type: 'ADDED', objectJson: json(10) }));
    const copy = Buffer.from(first);
    for (let i = 0; i < 100; i++) toBinary(apiV1.WatchEventSchema, create(apiV1.WatchEventSchema, { type: 'DELETED', objectJson: json(i * 10) }));
    assert.deepEqual(Buffer.from(first), copy);
  });
});
