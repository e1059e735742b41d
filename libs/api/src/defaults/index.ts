// SPDX-License-Identifier: Apache-2.0
/**
 * Server-side defaulting of every kind, as Kubernetes' SetObjectDefaults_* run on decode:
 * what the API fills in for fields a manifest left out, so what is stored and read back
 * matches what kubectl users see from a real cluster.
 */
import type { KubeObject } from '../object';
import {
  setEndpointsDefaults,
  setEndpointSliceDefaults,
  setLimitRangeDefaults,
  setNamespaceDefaults,
  setNodeDefaults,
  setPersistentVolumeClaimDefaults,
  setPersistentVolumeDefaults,
  setSecretDefaults,
} from './core';
import { setCronJobDefaults, setJobDefaults } from './jobs';
import { setIngressClassDefaults, setIngressDefaults } from './networking';
import { setPodDefaults, setPodTemplateDefaults } from './pod';
import { setRoleBindingDefaults } from './rbac';
import { setServiceDefaults } from './service';
import { setStorageClassDefaults } from './storage';
import type { Json } from './util';
import { setDaemonSetDefaults, setDeploymentDefaults, setReplicaSetDefaults, setReplicationControllerDefaults, setStatefulSetDefaults } from './workloads';

const DEFAULTERS: Record<string, (o: Json) => void> = {
  Pod: setPodDefaults,
  PodTemplate: (o) => setPodTemplateDefaults(o['template']),
  Deployment: setDeploymentDefaults,
  ReplicaSet: setReplicaSetDefaults,
  StatefulSet: setStatefulSetDefaults,
  DaemonSet: setDaemonSetDefaults,
  ReplicationController: setReplicationControllerDefaults,
  Job: setJobDefaults,
  CronJob: setCronJobDefaults,
  Service: setServiceDefaults,
  Secret: setSecretDefaults,
  Namespace: setNamespaceDefaults,
  Node: setNodeDefaults,
  PersistentVolume: setPersistentVolumeDefaults,
  PersistentVolumeClaim: setPersistentVolumeClaimDefaults,
  StorageClass: setStorageClassDefaults,
  Endpoints: setEndpointsDefaults,
  EndpointSlice: setEndpointSliceDefaults,
  LimitRange: setLimitRangeDefaults,
  RoleBinding: setRoleBindingDefaults,
  ClusterRoleBinding: setRoleBindingDefaults,
  Ingress: setIngressDefaults,
  IngressClass: setIngressClassDefaults,
};

/**
 * Fills in the defaults of an object of the given Kind, in place. Only unset fields are
 * touched, so applying defaults twice changes nothing. Kinds without defaults are left as
 * they are.
 */
export function applyDefaults(kind: string, obj: KubeObject): void {
  DEFAULTERS[kind]?.(obj as Json);
}

export { imageTag } from './pod';
export { generateJobSelector } from './jobs';
