// SPDX-License-Identifier: Apache-2.0
export * from './protocol';
export * from './tunnel-server';
export * from './tunnel-client';
