// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHealthServer } from './health-server';
import { Counter, createMetricsRegistry } from './metrics';

describe('health server', () => {
  test('serves /healthz, /readyz and /metrics with the component label', async () => {
    const metrics = createMetricsRegistry('test-component');
    const requests = new Counter({ name: 'berth_test_requests_total', help: 'requests', registers: [metrics] });
    requests.inc(3);
    let ready = false;
    const server = await startHealthServer({ port: 0, metrics, ready: () => ready });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /berth_test_requests_total\{component="test-component"\} 3/);
      assert.match(text, /process_resident_memory_bytes/);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });

  test('a readiness check that throws reports not ready instead of crashing', async () => {
    const server = await startHealthServer({
      port: 0,
      metrics: createMetricsRegistry('x'),
      ready: () => {
        throw new Error('boom');
      },
    });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status, 503);
    } finally {
      await server.close();
    }
  });
});
