// SPDX-License-Identifier: Apache-2.0
export * from './controller-descriptor';
export * from './controller-ref-manager';
export * from './expectations';
export * from './owner-refs';
export * from './pod-template-hash';
export * from './pod-utils';
export * from './resources';
export * from './run-controller';
export * from './slow-start-batch';
