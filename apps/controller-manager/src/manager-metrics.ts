// SPDX-License-Identifier: Apache-2.0
import type { ControllerMetrics } from '@berth/controllers';
import { Counter, Gauge, Histogram, type Registry } from '@berth/observability';

/** Prometheus metrics of the controllers: workqueue depth, sync durations and failures. */
export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const depths = new Map<string, () => number>();
  new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of the workqueue.',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      for (const [name, depth] of depths) this.set({ name }, depth());
    },
  });
  const duration = new Histogram({
    name: 'controller_sync_duration_seconds',
    help: 'How long one sync of one key took.',
    labelNames: ['controller'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
    registers: [registry],
  });
  const syncs = new Counter({
    name: 'controller_syncs_total',
    help: 'Syncs by controller and result.',
    labelNames: ['controller', 'result'],
    registers: [registry],
  });
  return {
    registerQueue(controller, depth) {
      depths.set(controller, depth);
    },
    observeSync(controller, seconds, ok) {
      duration.observe({ controller }, seconds);
      syncs.inc({ controller, result: ok ? 'success' : 'error' });
    },
  };
}
