// SPDX-License-Identifier: Apache-2.0
import type { CallObservation } from '@berth/grpc';
import { Counter, Histogram, type Registry } from '@berth/observability';

/** apiserver_request_total and apiserver_request_duration_seconds, as kube-apiserver names them. */
export function requestMetrics(registry: Registry): (call: CallObservation) => void {
  const total = new Counter({
    name: 'apiserver_request_total',
    help: 'Requests by verb, resource and gRPC code.',
    labelNames: ['verb', 'resource', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Request latency by verb and resource (watches: how long they stayed open).',
    labelNames: ['verb', 'resource'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [registry],
  });
  return (call) => {
    const labels = { verb: call.method.toLowerCase(), resource: call.resource ?? '' };
    total.inc({ ...labels, code: String(call.code) });
    duration.observe(labels, call.durationMs / 1000);
  };
}
