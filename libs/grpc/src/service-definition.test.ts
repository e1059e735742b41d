// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { apiV1 } from '@berth/api-types';
import { MalformedRequest, SerializedMessage, grpcClientConstructor, grpcServiceDefinition, isMalformedRequest, serialized } from './service-definition';

describe('service definitions from protobuf-es descriptors', () => {
  test('every RPC has its gRPC path and streaming flags', () => {
    const def = grpcServiceDefinition(apiV1.Resources);
    assert.deepEqual(Object.keys(def).sort(), ['calls', 'create', 'delete', 'deleteCollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.equal(def['create']?.path, '/berth.api.v1.Resources/Create');
    assert.equal(def['create']?.originalName, 'Create');
    assert.equal(def['create']?.requestStream, false);
    assert.equal(def['create']?.responseStream, false);
    assert.equal(def['deleteCollection']?.path, '/berth.api.v1.Resources/DeleteCollection');
    assert.equal(def['watch']?.requestStream, false);
    assert.equal(def['watch']?.responseStream, true);
    assert.equal(def['calls']?.requestStream, true);
    assert.equal(def['calls']?.responseStream, true);
    assert.equal(grpcServiceDefinition(apiV1.Discovery)['getVersion']?.path, '/berth.api.v1.Discovery/GetVersion');
  });

  test('messages survive serialize and deserialize', () => {
    const m = grpcServiceDefinition(apiV1.Resources)['get'];
    assert.ok(m);
    const req = create(apiV1.GetRequestSchema, { ref: { version: 'v1', resource: 'pods', name: 'web' }, resourceVersion: '42' });
    const back = m.requestDeserialize(m.requestSerialize(req)) as apiV1.GetRequest;
    assert.equal(back.ref?.name, 'web');
    assert.equal(back.resourceVersion, '42');
  });

  test('a message serialized ahead of time is written as it is', () => {
    const m = grpcServiceDefinition(apiV1.Resources)['watch'];
    assert.ok(m);
    const ev = create(apiV1.WatchEventSchema, { type: 'ADDED', objectJson: Buffer.from('{"a":1}') });
    const once = serialized(apiV1.WatchEventSchema, ev);
    assert.ok(once instanceof SerializedMessage);
    assert.equal(m.responseSerialize(once), once.bytes);
    assert.deepEqual(m.responseSerialize(ev), once.bytes);
    const back = m.responseDeserialize(once.bytes) as apiV1.WatchEvent;
    assert.equal(Buffer.from(back.objectJson).toString(), '{"a":1}');
  });

  test('malformed request bytes decode to a marker instead of throwing', () => {
    const m = grpcServiceDefinition(apiV1.Resources)['get'];
    assert.ok(m);
    const bad = m.requestDeserialize(Buffer.from([0x0a, 0x64, 0x01]));
    assert.ok(isMalformedRequest(bad));
    assert.ok(bad instanceof MalformedRequest);
    assert.equal(bad.typeName, 'berth.api.v1.GetRequest');
    assert.ok(bad.reason.length > 0);
    // Responses that do not decode throw: grpc-js turns that into the call's error.
    assert.throws(() => m.responseDeserialize(Buffer.from([0x0a, 0x64, 0x01])));
  });

  test('the client constructor has a method per RPC', () => {
    const Client = grpcClientConstructor(apiV1.Resources);
    assert.equal(Client.serviceName, 'berth.api.v1.Resources');
    for (const name of ['create', 'Create', 'watch', 'Watch', 'deleteCollection']) {
      assert.equal(typeof (Client.prototype as Record<string, unknown>)[name], 'function', name);
    }
  });
});
