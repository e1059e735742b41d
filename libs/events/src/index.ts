// SPDX-License-Identifier: Apache-2.0
export * from './event';
export * from './event-age';
export * from './human-duration';
export * from './sprintf';
export * from './correlator';
export * from './field-selector';
export * from './stream';
export * from './event-sink';
export * from './nats-event-sink';
export * from './recorder';
export * from './event-store';
export * from './nats-connection';
