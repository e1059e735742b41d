// SPDX-License-Identifier: Apache-2.0
export { Registry, SYSTEM_NAMESPACES, type RegistryOptions } from './registry';
export { ResourceStore, MAX_OBJECT_BYTES, type AdmitFn, type AdmissionAttributes } from './resource-store';
export type { EventSource, NodeExecSource, NodeLogSource, NodeStatsSource } from './event-source';
export { strategyFor, qosClass } from './kind-strategies';
export type { Strategy } from './strategy';
export { serviceAccountAdmission, SERVICE_ACCOUNT_MOUNT_PATH } from './service-account-admission';
export type { TokenIssuer } from './token-request';
