// SPDX-License-Identifier: Apache-2.0
import type { ResourceType } from '@berth/client';

/** The resource types the controllers read and write. */
export const PODS: ResourceType = { group: '', version: 'v1', resource: 'pods' };
export const NAMESPACES: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };
export const SERVICE_ACCOUNTS: ResourceType = { group: '', version: 'v1', resource: 'serviceaccounts' };
export const SECRETS: ResourceType = { group: '', version: 'v1', resource: 'secrets' };
export const REPLICATION_CONTROLLERS: ResourceType = { group: '', version: 'v1', resource: 'replicationcontrollers' };
export const REPLICASETS: ResourceType = { group: 'apps', version: 'v1', resource: 'replicasets' };
export const DEPLOYMENTS: ResourceType = { group: 'apps', version: 'v1', resource: 'deployments' };
