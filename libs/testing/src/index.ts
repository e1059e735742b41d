// SPDX-License-Identifier: Apache-2.0
export * from './free-port';
export * from './etcd-server';
export * from './nats-server';
export * from './control-plane';
export * from './wait-for';
