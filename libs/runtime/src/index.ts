// SPDX-License-Identifier: Apache-2.0
export * from './runtime';
export * from './labels';
export * from './ip-pool';
export * from './memory-runtime';
export * from './toy-exec';
