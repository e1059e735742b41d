// SPDX-License-Identifier: Apache-2.0
export * from './object';
export * from './errors';
export * from './api-backend';
export * from './codec';
export * from './scheme';
