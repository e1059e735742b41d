// SPDX-License-Identifier: Apache-2.0
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { fromBinary } from '@bufbuild/protobuf';
import { rpcStatusPb } from '@berth/api-types';
import { StatusError, invalid, newStatusError, notFound, type StatusReason } from '@berth/api';
import {
  STATUS_DETAILS_KEY,
  asStatusError,
  fromGrpcError,
  grpcCodeForReason,
  isConnectFailure,
  statusFromMetadata,
  toGrpcStatus,
} from './status-mapping';

describe('status mapping', () => {
  test('reasons map to the gRPC codes clients of other languages expect', () => {
    const table: Array<[StatusReason, grpc.status]> = [
      ['NotFound', grpc.status.NOT_FOUND],
      ['AlreadyExists', grpc.status.ALREADY_EXISTS],
      ['Conflict', grpc.status.ABORTED],
      ['Invalid', grpc.status.INVALID_ARGUMENT],
      ['BadRequest', grpc.status.INVALID_ARGUMENT],
      ['Expired', grpc.status.OUT_OF_RANGE],
      ['Gone', grpc.status.OUT_OF_RANGE],
      ['Forbidden', grpc.status.PERMISSION_DENIED],
      ['Unauthorized', grpc.status.UNAUTHENTICATED],
      ['MethodNotAllowed', grpc.status.UNIMPLEMENTED],
      ['RequestEntityTooLarge', grpc.status.RESOURCE_EXHAUSTED],
      ['TooManyRequests', grpc.status.RESOURCE_EXHAUSTED],
      ['Timeout', grpc.status.DEADLINE_EXCEEDED],
      ['ServiceUnavailable', grpc.status.UNAVAILABLE],
      ['InternalError', grpc.status.INTERNAL],
      ['NotAcceptable', grpc.status.INTERNAL],
    ];
    for (const [reason, code] of table) {
      assert.equal(grpcCodeForReason(reason), code, reason);
      assert.equal(toGrpcStatus(newStatusError(reason, 'x')).code, code, reason);
    }
  });

  test('the whole Status travels in grpc-status-details-bin as a google.rpc.Status', () => {
    const err = invalid({ resource: 'deployments.apps', kind: 'Deployment.apps', name: 'web', group: 'apps' }, [
      { type: 'Invalid', field: 'spec.replicas', value: -1, detail: 'must be greater than or equal to 0' },
      { type: 'Required', field: 'spec.selector' },
    ]);
    const st = toGrpcStatus(err);
    assert.equal(st.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(st.details, err.message);

    const raw = st.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
    const rpc = fromBinary(rpcStatusPb.StatusSchema, raw);
    assert.equal(rpc.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(rpc.message, err.message);
    assert.equal(rpc.details[0]?.typeUrl, 'type.googleapis.com/berth.meta.v1.Status');

    const back = fromGrpcError({ code: st.code, details: st.details, metadata: st.metadata });
    assert.equal(back.reason, 'Invalid');
    assert.equal(back.code, 422);
    assert.equal(back.message, err.message);
    assert.deepEqual(back.status.details, err.status.details);
  });

  test('anything that is not a StatusError is sent as an InternalError', () => {
    const se = asStatusError(new RangeError('index out of range'));
    assert.equal(se.reason, 'InternalError');
    assert.equal(se.message, 'Internal error occurred: index out of range');
    assert.equal(toGrpcStatus('weird').code, grpc.status.INTERNAL);
  });

  test('bare gRPC codes become the closest Kubernetes reason', () => {
    const nf = fromGrpcError({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: new grpc.Metadata() });
    assert.equal(nf.reason, 'NotFound');
    assert.equal(nf.message, 'no such thing');
    assert.equal(fromGrpcError({ code: grpc.status.ABORTED, details: 'x' }).reason, 'Conflict');
    assert.equal(fromGrpcError({ code: grpc.status.OUT_OF_RANGE, details: 'x' }).reason, 'Expired');
    assert.equal(fromGrpcError({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }).reason, 'Timeout');
    const internal = fromGrpcError({ code: grpc.status.DATA_LOSS, details: 'lost' });
    assert.equal(internal.reason, 'InternalError');
    assert.equal(internal.message, 'Internal error occurred: lost');
    const same = notFound({ resource: 'pods', name: 'a' });
    assert.equal(fromGrpcError(same), same);
  });

  test('a refused connection is worded as kubectl words it', () => {
    const err = fromGrpcError(
      {
        code: grpc.status.UNAVAILABLE,
        details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:6443. Resolution note: ',
      },
      '127.0.0.1:6443',
    );
    assert.equal(err.reason, 'ServiceUnavailable');
    assert.equal(err.code, 503);
    assert.equal(err.message, 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?');

    const unreachable = fromGrpcError(
      { code: grpc.status.UNAVAILABLE, details: 'No connection established. Last error: Error: connect EHOSTUNREACH 10.0.0.9:6443. Resolution note: ' },
      '10.0.0.9:6443',
    );
    assert.equal(unreachable.message, 'Unable to connect to the server 10.0.0.9:6443: connect EHOSTUNREACH 10.0.0.9:6443');
  });

  test('only failures before the request left count as connect failures', () => {
    assert.ok(isConnectFailure({ code: grpc.status.UNAVAILABLE, details: 'No connection established. Last error: x' }));
    assert.ok(isConnectFailure({ code: grpc.status.UNAVAILABLE, details: 'Name resolution failed for target dns:nowhere:1' }));
    assert.ok(!isConnectFailure({ code: grpc.status.UNAVAILABLE, details: 'Connection dropped' }));
    assert.ok(!isConnectFailure({ code: grpc.status.INTERNAL, details: 'No connection established' }));
    // The server answered (its Status is in the trailers): the request was received.
    const answered = toGrpcStatus(newStatusError('ServiceUnavailable', 'No connection established to etcd'));
    assert.ok(!isConnectFailure(answered));
  });

  test('an unreadable details trailer falls back to the code', () => {
    const md = new grpc.Metadata();
    md.set(STATUS_DETAILS_KEY, Buffer.from([0x0a, 0xff, 0xff]));
    assert.equal(statusFromMetadata(md), undefined);
    const err = fromGrpcError({ code: grpc.status.PERMISSION_DENIED, details: 'nope', metadata: md });
    assert.ok(err instanceof StatusError);
    assert.equal(err.reason, 'Forbidden');
  });
});
