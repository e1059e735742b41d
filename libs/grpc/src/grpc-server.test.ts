// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { frameMessage } from '@berth/api';
import { GrpcServer, type ServerCall } from './grpc-server';

// A test service of raw bytes: what the server does with framing, status and metadata,
// seen by grpc-js's client (the one our components use) and by a bare HTTP/2 client.
const id = (b: Buffer): Buffer => b;
const method = (name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> => ({
  path: `/test.T/${name}`,
  originalName: name,
  requestStream,
  responseStream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});
const SERVICE = {
  echo: method('Echo', false, false),
  fail: method('Fail', false, false),
  hang: method('Hang', false, false),
  count: method('Count', false, true),
  chat: method('Chat', true, true),
  meta: method('Meta', false, false),
};
const MAX = 1024;

describe('GrpcServer', () => {
  const server = new GrpcServer({ maxReceiveMessageBytes: MAX });
  const hung: ServerCall[] = [];
  const paused: { call?: ServerCall; seen: string[]; ended: boolean } = { seen: [], ended: false };
  let address = '';
  let client: grpc.Client;

  before(async () => {
    server.addService(SERVICE as unknown as grpc.ServiceDefinition, {
      echo: (call: ServerCall, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from('echo:'), call.request as Buffer])),
      fail: (_call: ServerCall, cb: grpc.sendUnaryData<Buffer>) => {
        const metadata = new grpc.Metadata();
        metadata.set('detail-bin', Buffer.from([0, 1, 2, 255]));
        cb({ code: grpc.status.NOT_FOUND, details: 'pod "ü 100%" not found', metadata } as grpc.ServiceError);
      },
      hang: (call: ServerCall) => void hung.push(call),
      count: (call: ServerCall) => {
        const n = Number((call.request as Buffer).toString());
        for (let i = 0; i < n; i++) call.write(Buffer.from(String(i)));
        call.end();
      },
      chat: (call: ServerCall) => {
        // Paused after the first message: the rest waits, in order, for resume.
        paused.call = call;
        call.on('data', (m: Buffer) => {
          paused.seen.push(m.toString());
          if (paused.seen.length === 1) call.pause();
        });
        call.on('end', () => {
          paused.ended = true;
          call.write(Buffer.from(paused.seen.join(',')));
          call.end();
        });
      },
      meta: (call: ServerCall, cb: grpc.sendUnaryData<Buffer>) => {
        const md = call.metadata.getMap();
        cb(null, Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(md).map(([k, v]) => [k, Buffer.isBuffer(v) ? [...v] : v])))));
      },
    });
    address = `127.0.0.1:${await server.listen('127.0.0.1:0')}`;
    client = new grpc.Client(address, grpc.credentials.createInsecure());
  });
  after(() => {
    client?.close();
    server.forceShutdown();
  });

  const unary = (name: keyof typeof SERVICE, body: Buffer, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}) =>
    new Promise<{ value?: Buffer; error?: grpc.ServiceError }>((resolve) =>
      client.makeUnaryRequest(SERVICE[name].path, id, id, body, metadata, options, (error, value) => resolve({ ...(value ? { value } : {}), ...(error ? { error } : {}) })),
    );

  /** A bare HTTP/2 request: the status headers and trailers exactly as sent. */
  const raw = async (path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}) => {
    const session = http2.connect(`http://${address}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
      let head: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => (head = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', () => {});
      stream.end(body);
      await once(stream, 'close');
      return { head, trailers };
    } finally {
      session.close();
    }
  };

  test('a unary call is answered, to grpc-js as to any client', async () => {
    const res = await unary('echo', Buffer.from('hi'));
    assert.equal(res.value?.toString(), 'echo:hi');
  });

  test('an error keeps its code, its message (percent-encoded on the wire) and its binary metadata', async () => {
    const res = await unary('fail', Buffer.from(''));
    assert.equal(res.error?.code, grpc.status.NOT_FOUND);
    assert.equal(res.error?.details, 'pod "ü 100%" not found');
    assert.deepEqual([...(res.error?.metadata.get('detail-bin')[0] as Buffer)], [0, 1, 2, 255]);
    // Nothing was sent before it: a trailers-only response.
    const { head } = await raw(SERVICE.fail.path, frameMessage(Buffer.alloc(0)));
    assert.equal(head['grpc-status'], String(grpc.status.NOT_FOUND));
    assert.equal(head[':status'], 200);
  });

  test('an unknown method is UNIMPLEMENTED, and a request that is not gRPC gets HTTP 415', async () => {
    const res = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/test.T/Nope', id, id, Buffer.from('x'), (err) => resolve(err)),
    );
    assert.equal(res?.code, grpc.status.UNIMPLEMENTED);
    assert.match(res?.details ?? '', /does not implement the method \/test\.T\/Nope/);
    const { head } = await raw(SERVICE.echo.path, Buffer.from('{}'), { 'content-type': 'application/json' });
    assert.equal(head[':status'], 415);
  });

  test('a message over the limit is RESOURCE_EXHAUSTED; a compressed one, or two for a unary call, UNIMPLEMENTED', async () => {
    const big = await unary('echo', Buffer.alloc(MAX + 1));
    assert.equal(big.error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(big.error?.details ?? '', new RegExp(`larger than max \\(${MAX + 1} vs\\. ${MAX}\\)`));
    const compressed = frameMessage(Buffer.from('x'));
    compressed[0] = 1;
    const { head: c } = await raw(SERVICE.echo.path, compressed);
    assert.equal(c['grpc-status'], String(grpc.status.UNIMPLEMENTED));
    assert.match(decodeURI(String(c['grpc-message'])), /compressed/);
    const { head: two } = await raw(SERVICE.echo.path, Buffer.concat([frameMessage(Buffer.from('a')), frameMessage(Buffer.from('b'))]));
    assert.equal(two['grpc-status'], String(grpc.status.UNIMPLEMENTED));
  });

  test('metadata reaches the handler, text and binary, without the transport’s headers', async () => {
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer abc');
    md.set('blob-bin', Buffer.from([9, 8]));
    const res = await unary('meta', Buffer.from(''), md, { deadline: Date.now() + 10_000 });
    const got = JSON.parse(res.value?.toString() ?? '{}') as Record<string, unknown>;
    assert.equal(got['authorization'], 'Bearer abc');
    assert.deepEqual(got['blob-bin'], [9, 8]);
    for (const h of ['grpc-timeout', 'te', 'content-type', 'grpc-accept-encoding']) assert.ok(!(h in got), `${h} is the transport's`);
  });

  test('the deadline ends a call with DEADLINE_EXCEEDED, and the handler sees it cancelled', async () => {
    hung.length = 0;
    const res = await unary('hang', Buffer.from(''), new grpc.Metadata(), { deadline: Date.now() + 200 });
    assert.equal(res.error?.code, grpc.status.DEADLINE_EXCEEDED);
    const call = hung[0]!;
    if (!call.cancelled) await once(call, 'cancelled');
    assert.equal(call.cancelled, true);
    const { head } = await raw(SERVICE.hang.path, frameMessage(Buffer.alloc(0)), { 'grpc-timeout': 'soon' });
    assert.equal(head['grpc-status'], String(grpc.status.INTERNAL));
  });

  test('a client that goes away cancels the call', async () => {
    hung.length = 0;
    const call = client.makeUnaryRequest(SERVICE.hang.path, id, id, Buffer.from(''), () => {});
    while (hung.length === 0) await new Promise((r) => setTimeout(r, 5));
    const cancelled = once(hung[0]!, 'cancelled');
    call.cancel();
    await cancelled;
    assert.equal(hung[0]!.cancelled, true);
    assert.equal(hung[0]!.write(Buffer.from('late')), true, 'writing to a cancelled call is a no-op that does not ask to wait');
  });

  test('a server stream sends every message in order, then OK', async () => {
    const got: string[] = [];
    const stream = client.makeServerStreamRequest(SERVICE.count.path, id, id, Buffer.from('500'));
    stream.on('data', (m: Buffer) => got.push(m.toString()));
    const [status] = (await once(stream, 'status')) as [grpc.StatusObject];
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => String(i)));
  });

  test('a paused bidi call keeps what arrives, in order, and gives it and then the end on resume', async () => {
    // Three messages in one DATA frame: the pause comes in the middle of a chunk.
    const session = http2.connect(`http://${address}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': SERVICE.chat.path, 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('trailers', (t) => (trailers = t));
      stream.end(Buffer.concat(['a', 'b', 'c'].map((m) => frameMessage(Buffer.from(m)))));
      while (paused.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(paused.seen, ['a'], 'nothing more is delivered while paused');
      assert.equal(paused.ended, false);
      paused.call!.resume();
      await once(stream, 'close');
      assert.equal(trailers['grpc-status'], '0');
      assert.deepEqual(Buffer.concat(chunks).subarray(5).toString(), 'a,b,c');
    } finally {
      session.close();
    }
  });
});
