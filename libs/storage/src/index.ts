// SPDX-License-Identifier: Apache-2.0
export * from './storage';
export * from './etcd-storage';
export * from './memory-storage';
export * from './watch-cache';
export * from './compactor';
