// SPDX-License-Identifier: Apache-2.0
export * from './types';
export * from './backoff';
export * from './container-env';
export * from './volumes';
export * from './handler-runner';
export * from './prober';
export * from './lifecycle-hooks';
export * from './probe-manager';
export * from './pod-status';
export * from './pod-worker';
export * from './node-agent';
export * from './kubelet';
export * from './stats';
