// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { apiV1 } from '@berth/api-types';
import { StatusError, type KubeObject, type RequestContext, type ResourceRef } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { CALL_STREAM_IDLE_MS } from './call-stream';
import { GrpcApiClient } from './grpc-api-client';
import { createApiServer, type CallObservation, type RunningApiServer } from './resources-server';
import { grpcServiceDefinition } from './service-definition';
import { fromRpcStatus } from './status-mapping';
import { MAX_CALLS_IN_FLIGHT } from './serve-calls';
import { MapBackend } from './map-backend.fixture';
import { bytesMethod } from './raw-client.fixture';

const configmaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

/** What a call ended with: its object, or its error's reason, code, message and details. */
async function outcome(p: Promise<KubeObject>): Promise<unknown> {
  try {
    return { object: await p };
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return { error: e.status };
  }
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The Calls stream spoken by hand, bytes in and out, as a client in another language would. */
function rawCalls(address: string): {
  send(bytes: Buffer): void;
  answers: apiV1.CallResponse[];
  ended: Promise<grpc.ServiceError | undefined>;
  close(): void;
} {
  const Raw = grpc.makeGenericClientConstructor({ calls: bytesMethod('/berth.api.v1.Resources/Calls', true, true) }, 'Resources');
  const client = new Raw(address, grpc.credentials.createInsecure());
  const stream = (client['calls'] as () => grpc.ClientDuplexStream<Buffer, Buffer>)();
  const answers: apiV1.CallResponse[] = [];
  stream.on('data', (b: Buffer) => answers.push(fromBinary(apiV1.CallResponseSchema, b)));
  const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
    stream.on('error', resolve);
    stream.on('end', () => resolve(undefined));
  });
  return {
    send: (bytes) => stream.write(bytes),
    answers,
    ended,
    close() {
      stream.end();
      client.close();
    },
  };
}

const callBytes = (init: Parameters<typeof create<typeof apiV1.CallRequestSchema>>[1]): Buffer =>
  Buffer.from(toBinary(apiV1.CallRequestSchema, create(apiV1.CallRequestSchema, init)));

describe('Resources.Calls: single-object calls on one stream', () => {
  // A get of "slow" waits until its call is cancelled: the cancellation must reach the handler.
  let slowAborted = false;
  const backend = Object.assign(new MapBackend(), {
    async get(ctx: RequestContext, ref: ResourceRef, opts: { resourceVersion?: string }): Promise<KubeObject> {
      if (ref.name === 'slow') {
        const signal = ctx.signal!;
        await new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve)));
        slowAborted = true;
        return cm('slow');
      }
      return MapBackend.prototype.get.call(backend, ctx, ref, opts);
    },
  });
  const observed: CallObservation[] = [];
  let server: RunningApiServer;

  before(async () => {
    server = await createApiServer({ backend, address: '127.0.0.1:0', observe: (o) => observed.push(o) });
  });
  after(() => server.stop(200));

  test('every call and every error is the same on the stream as unary', async () => {
    const run = async (c: GrpcApiClient, name: string): Promise<unknown[]> => [
      await outcome(c.create(configmaps, 'default', cm(name, { a: '1' }))),
      await outcome(c.create(configmaps, 'default', cm(name))),
      await outcome(c.get(configmaps, 'default', name)),
      await outcome(c.get(configmaps, 'default', `${name}-missing`)),
      await outcome(c.update(configmaps, 'default', { ...cm(name, { a: '2' }), metadata: { name, namespace: 'default', resourceVersion: '1' } })),
      await outcome(c.patch(configmaps, 'default', name, 'application/merge-patch+json', { data: { b: '3' } })),
      await outcome(c.patch(configmaps, 'default', name, 'application/merge-patch+json', '{not json')),
      await outcome(c.delete(configmaps, 'default', name)),
      await outcome(c.delete(configmaps, 'default', name)),
    ];
    const streamed = new GrpcApiClient({ addresses: [server.address] });
    const unary = new GrpcApiClient({ addresses: [server.address], callStream: false });
    try {
      const viaStream = await run(streamed, 'same');
      const viaUnary = await run(unary, 'same');
      // The stores' versions differ between the two runs; everything else is the same.
      const strip = (r: unknown[]): string => JSON.stringify(r).replace(/"resourceVersion":"\d+"/g, '"resourceVersion":"N"');
      assert.equal(strip(viaStream), strip(viaUnary));
      assert.deepEqual((viaStream[1] as { error: { reason: string } }).error.reason, 'AlreadyExists');
      assert.deepEqual((viaStream[6] as { error: { message: string } }).error.message.startsWith('the patch is not valid JSON'), true);
    } finally {
      streamed.close();
      unary.close();
    }
    // Only the streaming client opened a Calls stream; its calls count as their own methods.
    await until(() => observed.filter((o) => o.method === 'Calls').length === 1);
    assert.equal(observed.filter((o) => o.method === 'Create').length, 4);
    assert.equal(observed.filter((o) => o.method === 'Get' && o.code === grpc.status.NOT_FOUND).length, 2);
  });

  test('many calls in flight, past what the server runs at once, are all answered', async () => {
    const client = new GrpcApiClient({ addresses: [server.address] });
    try {
      const n = MAX_CALLS_IN_FLIGHT * 3;
      const made = await Promise.all(Array.from({ length: n }, (_, i) => client.create(configmaps, 'default', cm(`many-${i}`, { i: String(i) }))));
      assert.deepEqual(
        made.map((o) => (o as { data?: { i?: string } }).data?.i),
        Array.from({ length: n }, (_, i) => String(i)),
      );
    } finally {
      client.close();
    }
  });

  test('a call past its deadline fails with Timeout and is cancelled in the handler', async () => {
    const impatient = new GrpcApiClient({ addresses: [server.address], timeoutMs: 300, maxAttempts: 1 });
    try {
      const r = (await outcome(impatient.get(configmaps, 'default', 'slow'))) as { error?: { reason?: string } };
      assert.equal(r.error?.reason, 'Timeout');
      await until(() => slowAborted);
      // The stream is still good for the next call.
      await impatient.create(configmaps, 'default', cm('after-timeout'));
    } finally {
      impatient.close();
    }
  });

  test('a client speaking the stream by hand: bad calls are answered by id, a malformed message ends the stream', async () => {
    const raw = rawCalls(server.address);
    const get = create(apiV1.GetRequestSchema, { ref: { version: 'v1', resource: 'configmaps', namespace: 'default', name: 'nope' }, encoding: 'json' });
    raw.send(callBytes({ id: 7n, call: { case: 'get', value: get } }));
    raw.send(callBytes({ id: 8n }));
    await until(() => raw.answers.length === 2);
    const byId = new Map(raw.answers.map((a) => [a.id, a]));
    const notFound = byId.get(7n)?.result;
    assert.equal(notFound?.case, 'error');
    assert.equal(notFound.value.code, grpc.status.NOT_FOUND);
    assert.equal(fromRpcStatus(notFound.value).message, 'configmaps "nope" not found');
    const empty = byId.get(8n)?.result;
    assert.equal(empty?.case, 'error');
    assert.equal(fromRpcStatus(empty.value).reason, 'BadRequest');
    assert.match(empty.value.message, /names no method/);

    // Field 2 (create), length-delimited, claiming 100 bytes that never come.
    raw.send(Buffer.from([0x12, 0x64, 0x01]));
    const err = await raw.ended;
    raw.close();
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err?.details ?? '', /not a valid berth\.api\.v1\.CallRequest/);
  });

  test('an idle stream closes by itself, and the next call opens another', async () => {
    const client = new GrpcApiClient({ addresses: [server.address] });
    try {
      const streams = (): number => observed.filter((o) => o.method === 'Calls').length;
      const before = streams();
      await client.create(configmaps, 'default', cm('idle-1'));
      await client.get(configmaps, 'default', 'idle-1');
      // Closed without client.close(): an open call would keep the process alive.
      await until(() => streams() === before + 1, CALL_STREAM_IDLE_MS + 2000);
      assert.equal(observed.filter((o) => o.method === 'Calls').at(-1)?.code, grpc.status.OK);
      assert.equal((await client.get(configmaps, 'default', 'idle-1')).metadata?.name, 'idle-1');
      await until(() => streams() === before + 2, CALL_STREAM_IDLE_MS + 2000);
    } finally {
      client.close();
    }
  });

  test('stopping the server does not wait for an idle stream', async () => {
    const own = await createApiServer({ backend: new MapBackend(), address: '127.0.0.1:0' });
    const client = new GrpcApiClient({ addresses: [own.address], maxAttempts: 1 });
    try {
      await client.create(configmaps, 'default', cm('idle'));
      const t0 = performance.now();
      await own.stop(10_000);
      // Sooner than the client would have closed it for being idle.
      assert.ok(performance.now() - t0 < CALL_STREAM_IDLE_MS, `stop took ${Math.round(performance.now() - t0)} ms`);
    } finally {
      client.close();
    }
  });
});

describe('Resources.Calls against a server without it', () => {
  let server: grpc.Server;
  let address: string;
  let started: RunningApiServer;
  let full: GrpcApiClient;
  const backend = new MapBackend();

  before(async () => {
    // An older apiserver: the unary methods only (grpc-js answers Calls with UNIMPLEMENTED).
    server = new grpc.Server();
    const { calls: _calls, ...unaryOnly } = grpcServiceDefinition(apiV1.Resources);
    started = await createApiServer({ backend, address: '127.0.0.1:0' });
    // Borrow the real handlers by forwarding each unary method to a full server.
    full = new GrpcApiClient({ addresses: [started.address], callStream: false });
    server.addService(unaryOnly, {
      create: (call: grpc.ServerUnaryCall<apiV1.CreateRequest, apiV1.ObjectResponse>, cb: grpc.sendUnaryData<apiV1.ObjectResponse>) => {
        const obj = JSON.parse(Buffer.from(call.request.manifest).toString()) as KubeObject;
        full.create(configmaps, 'default', obj).then(
          (o) => cb(null, create(apiV1.ObjectResponseSchema, { objectJson: Buffer.from(JSON.stringify(o)) })),
          (e: unknown) => cb(e as grpc.ServiceError),
        );
      },
    });
    address = `127.0.0.1:${await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))))}`;
  });
  after(async () => {
    server.forceShutdown();
    full.close();
    await started.stop(200);
  });

  test('the client falls back to unary calls, and nothing is sent twice', async () => {
    const client = new GrpcApiClient({ addresses: [address] });
    try {
      const made = await Promise.all([client.create(configmaps, 'default', cm('old-1')), client.create(configmaps, 'default', cm('old-2'))]);
      assert.deepEqual(made.map((o) => o.metadata?.name), ['old-1', 'old-2']);
      assert.equal((await client.create(configmaps, 'default', cm('old-3'))).metadata?.name, 'old-3');
      assert.deepEqual(backend.calls.filter((c) => c.verb === 'create').map((c) => (c.body as KubeObject).metadata?.name), ['old-1', 'old-2', 'old-3']);
    } finally {
      client.close();
    }
  });
});
