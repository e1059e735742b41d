// SPDX-License-Identifier: Apache-2.0
export { createLogger, silentLogger, type Logger } from './logger';
export { createMetricsRegistry, Counter, Gauge, Histogram, Registry } from './metrics';
export { startHealthServer, type HealthServer, type HealthServerOptions } from './health-server';
export { configOrExit } from './config-or-exit';
