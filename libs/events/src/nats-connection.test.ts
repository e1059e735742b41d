// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { natsConnectOptions } from './nats-connection';

describe('natsConnectOptions', () => {
  test('credentials in the URL become user and pass, and leave the server address', () => {
    const o = natsConnectOptions('nats://node-a:p%40ss-1_x@172.31.0.1:4222', 'kubelet-a');
    assert.equal(o.servers, 'nats://172.31.0.1:4222');
    assert.equal(o.user, 'node-a');
    assert.equal(o.pass, 'p@ss-1_x');
  });
  test('a URL without credentials is passed as it is', () => {
    const o = natsConnectOptions('nats://127.0.0.1:4222', 'x');
    assert.equal(o.servers, 'nats://127.0.0.1:4222');
    assert.equal(o.user, undefined);
  });
});
