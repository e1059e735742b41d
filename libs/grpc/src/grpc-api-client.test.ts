// SPDX-License-Identifier: Apache-2.0
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { create, toBinary } from '@bufbuild/protobuf';
import { apiV1 } from '@berth/api-types';
import { StatusError, badRequest, notFound, serviceUnavailable, unpackObject, type ExecInput, type ExecOutput, type KubeObject, type NodeStats, type PodExecOptions, type RequestContext, type WatchEvent } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { GrpcApiClient } from './grpc-api-client';
import { createApiServer, type CallObservation, type RunningApiServer } from './resources-server';
import { grpcClientConstructor } from './service-definition';
import { statusFromMetadata } from './status-mapping';
import { MapBackend } from './map-backend.fixture';
import { bytesMethod } from './raw-client.fixture';

const configmaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };

function cm(name: string, data: Record<string, string> = {}, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data, ...extra };
}

async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

/** A loopback port nothing listens on: bound, then released. */
async function deadAddress(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const RawResources = grpcClientConstructor(apiV1.Resources);

function rawCall(address: string, method: string, req: unknown): Promise<{ err: grpc.ServiceError | null; res: unknown }> {
  const client = new RawResources(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    (client[method] as (req: unknown, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void)(req, (err, res) => {
      client.close();
      resolve({ err, res });
    });
  });
}

describe('GrpcApiClient against the API server over loopback', () => {
  const backend = new MapBackend();
  const logged: unknown[] = [];
  const observed: CallObservation[] = [];
  let server: RunningApiServer;
  let client: GrpcApiClient;

  before(async () => {
    server = await createApiServer({
      backend,
      address: '127.0.0.1:0',
      logger: { error: (obj) => logged.push(obj) },
      observe: (o) => observed.push(o),
    });
    client = new GrpcApiClient({ addresses: [server.address], timeoutMs: 5000 });
  });

  after(async () => {
    client.close();
    await server.stop(200);
  });

  test('create, get, list, update, patch and delete round-trip objects', async () => {
    const created = await client.create(configmaps, 'default', cm('web', { a: '1' }));
    assert.equal(created.metadata?.name, 'web');
    assert.equal(created.metadata?.uid, 'uid-web');
    assert.deepEqual(created.data, { a: '1' });
    assert.equal(created.kind, 'ConfigMap');

    const got = await client.get(configmaps, 'default', 'web');
    assert.deepEqual(got, created);

    await client.create(configmaps, 'default', cm('api', { b: '2' }));
    const list = await client.list(configmaps, { namespace: 'default', labelSelector: 'app=x', limit: 10 });
    assert.equal(list.kind, 'ConfigMapList');
    assert.equal(list.apiVersion, 'v1');
    assert.ok(list.metadata.resourceVersion);
    assert.deepEqual(list.items.map((o) => o.metadata?.name).sort(), ['api', 'web']);
    const listCall = backend.calls.filter((c) => c.verb === 'list').at(-1);
    assert.deepEqual(listCall?.opts, { labelSelector: 'app=x', limit: 10 });

    const updated = await client.update(configmaps, 'default', { ...got, data: { a: '3' } }, { fieldManager: 'me', dryRun: true });
    assert.deepEqual(updated.data, { a: '3' });
    assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);
    const updateCall = backend.calls.filter((c) => c.verb === 'update').at(-1);
    assert.deepEqual(updateCall?.opts, { dryRun: true, fieldManager: 'me', fieldValidation: 'Ignore' });
    assert.equal(updateCall?.ref.name, 'web');

    const patched = await client.patch(configmaps, 'default', 'web', 'application/merge-patch+json', { data: { b: '4' } });
    assert.deepEqual(patched.data, { a: '3', b: '4' });
    const patchCall = backend.calls.filter((c) => c.verb === 'patch').at(-1);
    assert.deepEqual(patchCall?.body, { patchType: 'application/merge-patch+json', patch: { data: { b: '4' } } });

    const deleted = await client.delete(configmaps, 'default', 'web', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0 });
    assert.equal(deleted.metadata?.name, 'web');
    assert.deepEqual(backend.calls.filter((c) => c.verb === 'delete').at(-1)?.opts, {
      propagationPolicy: 'Foreground',
      gracePeriodSeconds: 0,
    });
    await rejection(client.get(configmaps, 'default', 'web'));

    const gone = await client.deleteCollection(configmaps, { namespace: 'default' });
    assert.deepEqual(gone.items.map((o) => o.metadata?.name), ['api']);
    assert.equal((await client.list(configmaps, { namespace: 'default' })).items.length, 0);
  });

  test('NotFound keeps its reason, code, message and details', async () => {
    const err = await rejection(client.get(configmaps, 'default', 'nope'));
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.code, 404);
    assert.equal(err.message, 'configmaps "nope" not found');
    assert.equal(err.status.details?.name, 'nope');
    assert.equal(err.status.kind, 'Status');
    const o = observed.at(-1);
    assert.deepEqual([o?.service, o?.method, o?.resource, o?.code], ['Resources', 'Get', 'configmaps', grpc.status.NOT_FOUND]);
  });

  test('Conflict on a stale resourceVersion survives the wire', async () => {
    const obj = await client.create(configmaps, 'default', cm('stale'));
    await client.update(configmaps, 'default', { ...obj, data: { x: '1' } });
    const err = await rejection(client.update(configmaps, 'default', { ...obj, data: { x: '2' } }));
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.code, 409);
    assert.equal(
      err.message,
      'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
    );
    const dup = await rejection(client.create(configmaps, 'default', cm('stale')));
    assert.equal(dup.reason, 'AlreadyExists');
  });

  test('Invalid keeps its field causes', async () => {
    const err = await rejection(client.create(configmaps, 'default', cm('')));
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.code, 422);
    assert.equal(err.message, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
    assert.deepEqual(err.status.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
    ]);
  });

  test('a manifest reaches the backend with its unknown fields, and warnings come back', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'from-file', labels: { app: 'x' }, bogus: true },
      data: { k: 'v' },
      spec: { replicas: 3 },
    };
    const res = await client.createFromManifest(configmaps, 'default', manifest, { fieldValidation: 'Warn' });
    const call = backend.calls.filter((c) => c.verb === 'create').at(-1);
    assert.deepEqual(call?.body, manifest);
    assert.deepEqual(call?.opts, { fieldValidation: 'Warn' });
    assert.equal(call?.ref.namespace, 'default');
    assert.deepEqual(res.warnings, ['unknown field "spec"']);
    assert.deepEqual(res.object.data, { k: 'v' });

    const replaced = await client.updateFromManifest(configmaps, 'default', { ...manifest, data: { k: 'w' }, extra: 1 });
    assert.deepEqual(backend.calls.filter((c) => c.verb === 'update').at(-1)?.body, { ...manifest, data: { k: 'w' }, extra: 1 });
    assert.deepEqual(replaced.object.data, { k: 'w' });
  });

  test('a manifest that is not JSON is a BadRequest naming the problem', async () => {
    const { err } = await rawCall(server.address, 'create', {
      ...create(apiV1.CreateRequestSchema, {
        ref: { version: 'v1', resource: 'configmaps', namespace: 'default' },
        manifest: Buffer.from('{"kind": '),
      }),
    });
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err?.details ?? '', /manifest is not valid JSON/);
    assert.equal(statusFromMetadata(err?.metadata)?.reason, 'BadRequest');
  });

  test('garbage bytes get INVALID_ARGUMENT and the server keeps serving', async () => {
    const Generic = grpc.makeGenericClientConstructor(
      { create: bytesMethod('/berth.api.v1.Resources/Create'), watch: bytesMethod('/berth.api.v1.Resources/Watch', false, true) },
      'Resources',
    );
    const raw = new Generic(server.address, grpc.credentials.createInsecure());
    // Field 1 (ref), length-delimited, claiming 100 bytes that never come.
    const garbage = Buffer.from([0x0a, 0x64, 0x01, 0x02, 0xff]);
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      (raw['create'] as (b: Buffer, cb: (e: grpc.ServiceError | null) => void) => void)(garbage, (e) => resolve(e));
    });
    const watchErr = await new Promise<grpc.ServiceError>((resolve) => {
      const call = (raw['watch'] as (b: Buffer) => grpc.ClientReadableStream<Buffer>)(garbage);
      call.on('data', () => undefined);
      call.on('error', resolve);
    });
    raw.close();
    assert.equal(watchErr.code, grpc.status.INVALID_ARGUMENT);
    assert.match(watchErr.details, /not a valid berth\.api\.v1\.WatchRequest/);
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err?.details ?? '', /not a valid berth\.api\.v1\.CreateRequest/);
    assert.equal(statusFromMetadata(err?.metadata)?.reason, 'BadRequest');

    const obj = await client.create(configmaps, 'default', cm('after-garbage'));
    assert.equal(obj.metadata?.name, 'after-garbage');
  });

  test('an object that does not decode as its type is a BadRequest', async () => {
    const { err } = await rawCall(server.address, 'create', {
      ...create(apiV1.CreateRequestSchema, {
        ref: { version: 'v1', resource: 'configmaps', namespace: 'default' },
        object: { typeUrl: 'type.googleapis.com/berth.core.v1.ConfigMap', value: new Uint8Array([0x0a, 0x64, 0x01]) },
      }),
    });
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(statusFromMetadata(err?.metadata)?.reason, 'BadRequest');
  });

  test('an unexpected backend failure is an InternalError, logged, and not fatal', async () => {
    backend.failNext.set('get', [new TypeError('boom')]);
    const err = await rejection(client.get(configmaps, 'default', 'x'));
    assert.equal(err.reason, 'InternalError');
    assert.equal(err.message, 'Internal error occurred: boom');
    assert.equal(logged.length, 1);
    assert.ok(await client.list(configmaps));
  });

  test('reads are retried on ServiceUnavailable; creates are not', async () => {
    await client.create(configmaps, 'default', cm('retry'));
    backend.failNext.set('get', [serviceUnavailable('etcd is down')]);
    const got = await client.get(configmaps, 'default', 'retry');
    assert.equal(got.metadata?.name, 'retry');

    const before = backend.calls.filter((c) => c.verb === 'create').length;
    backend.failNext.set('create', [serviceUnavailable('etcd is down')]);
    const err = await rejection(client.create(configmaps, 'default', cm('once')));
    assert.equal(err.reason, 'ServiceUnavailable');
    assert.equal(err.message, 'etcd is down');
    assert.equal(backend.calls.filter((c) => c.verb === 'create').length, before + 1);
  });

  test('watch streams changes and ends cleanly on both sides when aborted', async () => {
    const ac = new AbortController();
    const seen: WatchEvent[] = [];
    const done = (async () => {
      for await (const ev of client.watch(configmaps, { namespace: 'watched', signal: ac.signal, resourceVersion: '5' })) {
        seen.push(ev);
        if (seen.length === 3) ac.abort();
      }
    })();
    await until(() => backend.activeWatches === 1);
    await client.create(configmaps, 'watched', { ...cm('w'), metadata: { name: 'w', namespace: 'watched' } });
    const w = await client.get(configmaps, 'watched', 'w');
    await client.update(configmaps, 'watched', { ...w, data: { n: '1' } });
    await client.delete(configmaps, 'watched', 'w');
    await done; // ends without throwing
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'w'],
        ['MODIFIED', 'w'],
        ['DELETED', 'w'],
      ],
    );
    assert.deepEqual(seen[1]?.object.data, { n: '1' });
    await until(() => backend.activeWatches === 0);
    await until(() => observed.some((o) => o.method === 'Watch' && o.code === grpc.status.CANCELLED));
    const call = backend.calls.filter((c) => c.verb === 'watch').at(-1);
    assert.deepEqual(call?.opts, { resourceVersion: '5' });
  });

  test('every watcher of a change gets it, in its own encoding (the bytes are made once per encoding)', async () => {
    const ac = new AbortController();
    const watchJson = async (): Promise<string[]> => {
      const seen: string[] = [];
      for await (const ev of client.watch(configmaps, { namespace: 'shared', signal: ac.signal, resourceVersion: '5' })) {
        seen.push(`${ev.type} ${JSON.stringify(ev.object.data)}`);
        if (seen.length === 2) break;
      }
      return seen;
    };
    const raw = new RawResources(server.address, grpc.credentials.createInsecure());
    const typed = new Promise<string[]>((resolve, reject) => {
      const seen: string[] = [];
      const req = create(apiV1.WatchRequestSchema, { ref: { version: 'v1', resource: 'configmaps', namespace: 'shared' }, resourceVersion: '5' });
      const call = (raw['watch'] as (r: unknown) => grpc.ClientReadableStream<apiV1.WatchEvent>)(req);
      call.on('data', (ev: apiV1.WatchEvent) => {
        seen.push(`${ev.type} ${JSON.stringify(unpackObject(ev.object!).data)}`);
        if (seen.length === 2) {
          call.cancel();
          resolve(seen);
        }
      });
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : reject(e)));
    });
    const watchers = [watchJson(), watchJson(), typed];
    await until(() => backend.activeWatches === 3);
    const made = await client.create(configmaps, 'shared', { ...cm('s', { v: '1' }), metadata: { name: 's', namespace: 'shared' } });
    await client.update(configmaps, 'shared', { ...made, data: { v: '2' } });
    const want = ['ADDED {"v":"1"}', 'MODIFIED {"v":"2"}'];
    assert.deepEqual(await Promise.all(watchers), [want, want, want]);
    raw.close();
    ac.abort();
  });

  test('a watch blocked waiting for events is cancelled by its signal', async () => {
    const ac = new AbortController();
    const done = (async () => {
      const events = [];
      for await (const ev of client.watch(configmaps, { namespace: 'quiet', resourceVersion: '7', signal: ac.signal })) events.push(ev);
      return events;
    })();
    await until(() => backend.activeWatches === 1);
    ac.abort();
    assert.deepEqual(await done, []);
    await until(() => backend.activeWatches === 0);
  });

  test('breaking out of a watch loop cancels the server side', async () => {
    await client.create(configmaps, 'brk', { ...cm('b1'), metadata: { name: 'b1', namespace: 'brk' } });
    for await (const ev of client.watch(configmaps, { namespace: 'brk' })) {
      assert.equal(ev.type, 'ADDED');
      break;
    }
    await until(() => backend.activeWatches === 0);
  });

  test('lists come as typed Any items by default and as one JSON array when asked', async () => {
    await client.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'enc', namespace: 'default' }, data: { k: 'v' } });
    const ref = { version: 'v1', resource: 'configmaps', namespace: 'default' };
    const proto = await rawCall(server.address, 'list', create(apiV1.ListRequestSchema, { ref }));
    const protoRes = proto.res as apiV1.ListResponse;
    assert.equal(protoRes.itemsJson.length, 0);
    const typed = protoRes.items.map((a) => unpackObject(a)).find((o) => o.metadata?.name === 'enc');
    assert.deepEqual(typed?.['data'], { k: 'v' });
    assert.equal(protoRes.items.find((a) => unpackObject(a).metadata?.name === 'enc')?.typeUrl, 'type.googleapis.com/berth.core.v1.ConfigMap');
    const json = await rawCall(server.address, 'list', create(apiV1.ListRequestSchema, { ref, encoding: 'json' }));
    const jsonRes = json.res as apiV1.ListResponse;
    assert.equal(jsonRes.items.length, 0);
    const items = JSON.parse(Buffer.from(jsonRes.itemsJson).toString('utf8')) as KubeObject[];
    assert.deepEqual(items.find((o) => o.metadata?.name === 'enc')?.['data'], { k: 'v' });
  });

  test('a watch from an expired version fails with OUT_OF_RANGE, reason Expired', async () => {
    const err = await rejection(
      (async () => {
        for await (const _ of client.watch(configmaps, { resourceVersion: '1' })) assert.fail('no events expected');
      })(),
    );
    assert.equal(err.reason, 'Expired');
    assert.equal(err.code, 410);
    assert.match(err.message, /too old resource version: 1/);

    const stream = new RawResources(server.address, grpc.credentials.createInsecure());
    const rawErr = await new Promise<grpc.ServiceError>((resolve) => {
      const call = (stream['watch'] as (req: unknown) => grpc.ClientReadableStream<unknown>)(
        create(apiV1.WatchRequestSchema, { ref: { version: 'v1', resource: 'configmaps' }, resourceVersion: '1' }),
      );
      call.on('data', () => undefined);
      call.on('error', resolve);
    });
    stream.close();
    assert.equal(rawErr.code, grpc.status.OUT_OF_RANGE);
    assert.equal(statusFromMetadata(rawErr.metadata)?.reason, 'Expired');
  });

  test('an ERROR event arrives as an event carrying its Status', async () => {
    const ac = new AbortController();
    let first: WatchEvent | undefined;
    for await (const ev of client.watch(configmaps, { namespace: 'e', labelSelector: 'error=1', signal: ac.signal })) {
      first = ev;
      ac.abort();
    }
    assert.equal(first?.type, 'ERROR');
    assert.equal(first?.status?.reason, 'Expired');
    assert.equal(first?.object.kind, 'Status');
  });

  test('version and api-resources come from Discovery', async () => {
    const v = await client.version();
    assert.equal(v.gitVersion, 'v1.30.0-berth');
    assert.equal(v.platform, 'linux/amd64');
    const resources = await client.apiResources();
    assert.deepEqual(resources, backend.resources());
  });
});

describe('GrpcApiClient failover', () => {
  test('calls succeed when the first address is dead and the second alive', async () => {
    const backend = new MapBackend();
    const server = await createApiServer({ backend, address: '127.0.0.1:0' });
    const client = new GrpcApiClient({ addresses: [await deadAddress(), server.address] });
    try {
      // Round-robin starts some calls on the dead address: each must fail over.
      for (let i = 0; i < 4; i++) await client.create(configmaps, 'default', cm(`f${i}`));
      for (let i = 0; i < 4; i++) assert.equal((await client.get(configmaps, 'default', `f${i}`)).metadata?.name, `f${i}`);
      assert.equal(backend.calls.filter((c) => c.verb === 'create').length, 4);
      const ac = new AbortController();
      for await (const ev of client.watch(configmaps, { namespace: 'default', signal: ac.signal })) {
        assert.equal(ev.type, 'ADDED');
        ac.abort();
      }
    } finally {
      client.close();
      await server.stop(200);
    }
  });

  test('with no server reachable the error says the connection was refused', async () => {
    const address = await deadAddress();
    const client = new GrpcApiClient({ addresses: [address] });
    try {
      const err = await rejection(client.get(configmaps, 'default', 'x'));
      assert.equal(err.reason, 'ServiceUnavailable');
      assert.equal(err.code, 503);
      assert.match(err.message, new RegExp(`connection to the server ${address} was refused`));
      const createErr = await rejection(client.create(configmaps, 'default', cm('x')));
      assert.equal(createErr.reason, 'ServiceUnavailable');
      const watchErr = await rejection(
        (async () => {
          for await (const _ of client.watch(configmaps)) assert.fail('no events expected');
        })(),
      );
      assert.equal(watchErr.reason, 'ServiceUnavailable');
    } finally {
      client.close();
    }
  });
});

describe('protocol details', () => {
  test('the request bytes a foreign client sends decode as the generated messages', async () => {
    // A client in another language sends plain protobuf: build one by hand.
    const backend = new MapBackend();
    const server = await createApiServer({ backend, address: '127.0.0.1:0' });
    try {
      const Generic = grpc.makeGenericClientConstructor({ getVersion: bytesMethod('/berth.api.v1.Discovery/GetVersion') }, 'Discovery');
      const raw = new Generic(server.address, grpc.credentials.createInsecure());
      const res = await new Promise<Buffer>((resolve, reject) => {
        const req = Buffer.from(toBinary(apiV1.GetVersionRequestSchema, create(apiV1.GetVersionRequestSchema)));
        (raw['getVersion'] as (b: Buffer, cb: (e: Error | null, r: Buffer) => void) => void)(req, (e, r) => (e ? reject(e) : resolve(r)));
      });
      raw.close();
      assert.match(res.toString('latin1'), /v1\.30\.0-berth/);
    } finally {
      await server.stop(200);
    }
  });
});

/** A queue of exec input the test feeds while the session runs. */
function inputQueue(): { input: AsyncIterable<ExecInput>; push(m: ExecInput): void; end(): void } {
  const items: ExecInput[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  return {
    push: (m) => void (items.push(m), notify()),
    end: () => void ((ended = true), notify()),
    input: (async function* () {
      for (;;) {
        if (items.length) yield items.shift() as ExecInput;
        else if (ended) return;
        else await new Promise<void>((r) => (wake = r));
      }
    })(),
  };
}

/** What an exec yields, with bytes as text. */
async function collect(out: AsyncIterable<ExecOutput>): Promise<string[]> {
  const seen: string[] = [];
  for await (const ev of out) seen.push(ev.type === 'exit' ? `exit ${ev.exitCode}` : `${ev.type} ${Buffer.from(ev.data).toString()}`);
  return seen;
}

describe('NodeProxy.Exec over loopback', () => {
  // The backend's exec, stood in for: `cat` echoes stdin and reports resizes, `fail` writes
  // to stderr and exits 3, `sleep` runs until its request is cancelled.
  const sessions: Array<{ opts: PodExecOptions; aborted: boolean }> = [];
  const backend = Object.assign(new MapBackend(), {
    async *exec(ctx: RequestContext, opts: PodExecOptions, input: AsyncIterable<ExecInput>): AsyncIterable<ExecOutput> {
      if (opts.name === 'nope') throw notFound({ resource: 'pods', name: 'nope' });
      if (opts.name === 'pending') throw badRequest('pod pending does not have a host assigned');
      const session = { opts, aborted: false };
      sessions.push(session);
      ctx.signal?.addEventListener('abort', () => (session.aborted = true));
      const cmd = opts.command[0];
      if (cmd === 'fail') {
        yield { type: 'stdout', data: Buffer.from('partial\n') };
        yield { type: 'stderr', data: Buffer.from('boom\n') };
        yield { type: 'exit', exitCode: 3 };
        return;
      }
      if (cmd === 'sleep') {
        await new Promise((r) => ctx.signal?.addEventListener('abort', r));
        return;
      }
      for await (const m of input) {
        if (m.type === 'stdin') yield { type: 'stdout', data: m.data };
        else if (m.type === 'resize') yield { type: 'stderr', data: Buffer.from(`size ${m.cols}x${m.rows}`) };
        else break;
      }
      yield { type: 'exit', exitCode: 0 };
    },
  });
  const observed: CallObservation[] = [];
  let server: RunningApiServer;
  let client: GrpcApiClient;

  before(async () => {
    server = await createApiServer({ backend, address: '127.0.0.1:0', observe: (o) => observed.push(o) });
    client = new GrpcApiClient({ addresses: [server.address], timeoutMs: 5000 });
  });
  after(async () => {
    client.close();
    await server.stop(200);
  });

  test('stdin and resizes reach the command while its output streams back; the exit code ends it', async () => {
    const q = inputQueue();
    const out = client.exec({ namespace: 'default', name: 'db', container: 'db', command: ['cat', '-'], stdin: true, tty: true }, q.input)[Symbol.asyncIterator]();
    q.push({ type: 'stdin', data: Buffer.from('hello\n') });
    const first = (await out.next()).value as ExecOutput;
    assert.equal(first.type === 'stdout' && Buffer.from(first.data).toString(), 'hello\n');
    q.push({ type: 'resize', cols: 120, rows: 40 });
    q.push({ type: 'stdin', data: Buffer.from([0, 255, 10]) });
    q.push({ type: 'closeStdin' });
    const rest = await collect({ [Symbol.asyncIterator]: () => out });
    assert.deepEqual(rest, ['stderr size 120x40', `stdout ${Buffer.from([0, 255, 10]).toString()}`, 'exit 0']);
    assert.deepEqual(sessions.at(-1)?.opts, { namespace: 'default', name: 'db', container: 'db', command: ['cat', '-'], stdin: true, tty: true });
    await until(() => observed.some((o) => o.service === 'NodeProxy' && o.method === 'Exec' && o.code === grpc.status.OK));
  });

  test('a non-zero exit code is a result, after stdout and stderr', async () => {
    assert.deepEqual(await collect(client.exec({ namespace: 'default', name: 'db', command: ['fail'] }, inputQueue().input)), ['stdout partial\n', 'stderr boom\n', 'exit 3']);
    assert.deepEqual(sessions.at(-1)?.opts, { namespace: 'default', name: 'db', command: ['fail'] });
  });

  test('the end of the input half-closes the call; the session goes on to its exit code', async () => {
    const q = inputQueue();
    q.push({ type: 'stdin', data: Buffer.from('x') });
    q.end();
    assert.deepEqual(await collect(client.exec({ namespace: 'default', name: 'db', command: ['cat'], stdin: true }, q.input)), ['stdout x', 'exit 0']);
    // One write larger than a gRPC message may be arrives whole, in pieces.
    const big = inputQueue();
    big.push({ type: 'stdin', data: Buffer.alloc(5 * 1024 * 1024, 'y') });
    big.end();
    let bytes = 0;
    for await (const ev of client.exec({ namespace: 'default', name: 'db', command: ['cat'], stdin: true }, big.input)) if (ev.type === 'stdout') bytes += ev.data.length;
    assert.equal(bytes, 5 * 1024 * 1024);
  });

  test('errors keep their reason and message, as for logs', async () => {
    const nope = await rejection(collect(client.exec({ namespace: 'default', name: 'nope', command: ['ls'] }, inputQueue().input)));
    assert.equal(nope.reason, 'NotFound');
    assert.equal(nope.message, 'pods "nope" not found');
    const pending = await rejection(collect(client.exec({ namespace: 'default', name: 'pending', command: ['ls'] }, inputQueue().input)));
    assert.equal(pending.reason, 'BadRequest');
    assert.equal(pending.message, 'pod pending does not have a host assigned');
  });

  test('aborting the client ends the session on the server', async () => {
    const ac = new AbortController();
    const before = sessions.length;
    const done = collect(client.exec({ namespace: 'default', name: 'db', command: ['sleep'] }, inputQueue().input, ac.signal));
    await until(() => sessions.length === before + 1);
    ac.abort();
    assert.deepEqual(await done, []);
    await until(() => sessions.at(-1)?.aborted === true);
    await until(() => observed.some((o) => o.method === 'Exec' && o.code === grpc.status.CANCELLED));
  });

  test('a stream that does not start with `start` is INVALID_ARGUMENT; without a node tunnel exec is ServiceUnavailable', async () => {
    const RawNodeProxy = grpcClientConstructor(apiV1.NodeProxy);
    const raw = new RawNodeProxy(server.address, grpc.credentials.createInsecure());
    const call = (raw['exec'] as () => grpc.ClientDuplexStream<apiV1.ExecStreamRequest, apiV1.ExecStreamResponse>)();
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => {});
    call.on('data', () => {});
    call.write(create(apiV1.ExecStreamRequestSchema, { kind: { case: 'stdin', value: Buffer.from('x') } }));
    const st = await status;
    assert.equal(st.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(statusFromMetadata(st.metadata)?.message, 'the first message of an exec stream must be start');
    // A second start in a running session ends it the same way.
    const again = (raw['exec'] as () => grpc.ClientDuplexStream<apiV1.ExecStreamRequest, apiV1.ExecStreamResponse>)();
    const againStatus = new Promise<grpc.StatusObject>((resolve) => again.on('status', resolve));
    again.on('error', () => {});
    again.on('data', () => {});
    const startMsg = create(apiV1.ExecStreamRequestSchema, { kind: { case: 'start', value: { namespace: 'default', name: 'db', command: ['cat'], stdin: true } } });
    again.write(startMsg);
    again.write(startMsg);
    const st2 = await againStatus;
    raw.close();
    assert.equal(st2.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(statusFromMetadata(st2.metadata)?.message, 'an exec stream has only one start message');

    const plain = await createApiServer({ backend: new MapBackend(), address: '127.0.0.1:0' });
    const c = new GrpcApiClient({ addresses: [plain.address] });
    try {
      const e = await rejection(collect(c.exec({ namespace: 'default', name: 'db', command: ['ls'] }, inputQueue().input)));
      assert.equal(e.reason, 'ServiceUnavailable');
      assert.match(e.message, /^exec is not available: this apiserver has no node tunnel/);
    } finally {
      c.close();
      await plain.stop(200);
    }
  });
});

describe('NodeProxy.Stats over loopback', () => {
  const metrics: NodeStats = {
    node: { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: 'node1' }, timestamp: '2024-01-01T12:00:00Z', window: '10.012s', usage: { cpu: '1250m', memory: '3Gi' } },
    pods: [
      {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'PodMetrics',
        metadata: { name: 'db', namespace: 'default' },
        timestamp: '2024-01-01T12:00:00Z',
        window: '10s',
        containers: [{ name: 'db', usage: { cpu: '2478395n', memory: '43388Ki' } }, { name: 'idle', usage: { cpu: '0', memory: '0' } }],
      },
    ],
  };
  // The backend's stats, stood in for: node1 has usage, fresh has none yet, down does not answer.
  const backend = Object.assign(new MapBackend(), {
    async stats(ctx: RequestContext, node: string): Promise<NodeStats> {
      if (node === 'slow') {
        // Answers only when the request is cancelled: its signal must reach the handler.
        const signal = ctx.signal!;
        await new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve)));
        slowAborted = true;
        throw serviceUnavailable('cancelled');
      }
      if (node === 'node1') return metrics;
      if (node === 'fresh') return { pods: [] };
      if (node === 'down') throw serviceUnavailable('node down did not answer: no kubelet of node down is connected');
      throw notFound({ resource: 'nodes', name: node });
    },
  });
  let slowAborted = false;
  const observed: CallObservation[] = [];
  let server: RunningApiServer;
  let client: GrpcApiClient;

  before(async () => {
    server = await createApiServer({ backend, address: '127.0.0.1:0', observe: (o) => observed.push(o) });
    client = new GrpcApiClient({ addresses: [server.address], timeoutMs: 5000 });
  });
  after(async () => {
    client.close();
    await server.stop(200);
  });

  test('the node\'s and its pods\' usage survive the wire as metrics.k8s.io JSON', async () => {
    assert.deepEqual(await client.stats('node1'), metrics);
    assert.deepEqual(await client.stats('fresh'), { pods: [] });
    await until(() => observed.some((o) => o.service === 'NodeProxy' && o.method === 'Stats' && o.code === grpc.status.OK));
  });

  test('a call the client gives up on is cancelled in the handler too', async () => {
    const impatient = new GrpcApiClient({ addresses: [server.address], timeoutMs: 300, maxAttempts: 1 });
    try {
      await rejection(impatient.stats('slow'));
      await until(() => slowAborted);
    } finally {
      impatient.close();
    }
  });

  test('errors keep their reason and message; a node that does not answer is asked once', async () => {
    const nope = await rejection(client.stats('nope'));
    assert.equal(nope.reason, 'NotFound');
    assert.equal(nope.message, 'nodes "nope" not found');
    const before = observed.filter((o) => o.method === 'Stats').length;
    const down = await rejection(client.stats('down'));
    assert.equal(down.reason, 'ServiceUnavailable');
    assert.equal(down.message, 'node down did not answer: no kubelet of node down is connected');
    await until(() => observed.filter((o) => o.method === 'Stats').length === before + 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(observed.filter((o) => o.method === 'Stats').length, before + 1, 'not retried');

    const plain = await createApiServer({ backend: new MapBackend(), address: '127.0.0.1:0' });
    const c = new GrpcApiClient({ addresses: [plain.address] });
    try {
      const e = await rejection(c.stats('node1'));
      assert.equal(e.reason, 'ServiceUnavailable');
      assert.match(e.message, /^metrics are not available: this apiserver has no node tunnel/);
    } finally {
      c.close();
      await plain.stop(200);
    }
  });
});
