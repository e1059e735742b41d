// SPDX-License-Identifier: Apache-2.0
export * from './service-definition';
export * from './status-mapping';
export * from './resources-server';
export * from './grpc-api-client';
export * from './client-from-files';
