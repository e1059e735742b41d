// SPDX-License-Identifier: Apache-2.0
export * from './api-client';
export * from './store';
export * from './informer';
export * from './rate-limiter';
export * from './work-queue';
export * from './leader-election';
export * from './controller-runner';
