// SPDX-License-Identifier: Apache-2.0
export * from './docker-runtime';
export * from './demux';
