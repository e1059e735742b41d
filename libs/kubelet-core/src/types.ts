// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';
import type { KubeObject } from '@berth/api';

/** The API objects the kubelet reads and writes, as Kubernetes JSON. */
export type Pod = coreV1.PodJson & KubeObject;
export type Container = coreV1.ContainerJson;
export type PodStatus = coreV1.PodStatusJson;
export type ContainerStatus = coreV1.ContainerStatusJson;
export type ConfigMap = coreV1.ConfigMapJson & KubeObject;
export type Secret = coreV1.SecretJson & KubeObject;
export type Node = coreV1.NodeJson & KubeObject;

/** Resource types of the objects the kubelet touches. */
export const PODS = { group: '', version: 'v1', resource: 'pods' };
export const NODES = { group: '', version: 'v1', resource: 'nodes' };
export const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps' };
export const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
export const SERVICES = { group: '', version: 'v1', resource: 'services' };
export type Service = coreV1.ServiceJson & KubeObject;
export const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

/** The part of an event recorder the kubelet uses (@berth/events' EventRecorder fits). */
export interface KubeletRecorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Reads ConfigMaps and Secrets (from informer caches in production, maps in tests). */
export interface ObjectSource {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** The Services of a namespace, for the containers' service environment variables. */
  services(namespace: string): coreV1.ServiceJson[];
}

/** Minimal logger (pino fits). */
export interface KubeletLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentKubeletLogger: KubeletLogger = { debug() {}, info() {}, warn() {}, error() {} };
