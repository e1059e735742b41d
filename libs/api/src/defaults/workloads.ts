// SPDX-License-Identifier: Apache-2.0
/**
 * Defaults of the pod-owning workloads (Kubernetes' pkg/apis/apps/v1/defaults.go, and core's
 * for ReplicationController): replicas, update strategies, history limits, and the pod
 * template's own defaults.
 */
import { setPersistentVolumeClaimDefaults } from './core';
import { setPodTemplateDefaults } from './pod';
import { ensureObj, isObj, objects, setDefault, type Json } from './util';

/** SetDefaults_Deployment. */
export function setDeploymentDefaults(d: Json): void {
  const spec = ensureObj(d, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  setPodTemplateDefaults(spec['template']);
}

/** SetDefaults_ReplicaSet. */
export function setReplicaSetDefaults(rs: Json): void {
  const spec = ensureObj(rs, 'spec');
  setDefault(spec, 'replicas', 1);
  setPodTemplateDefaults(spec['template']);
}

/** SetDefaults_StatefulSet. */
export function setStatefulSetDefaults(ss: Json): void {
  const spec = ensureObj(ss, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const us = ensureObj(spec, 'updateStrategy');
  if (!us['type']) {
    us['type'] = 'RollingUpdate';
    ensureObj(us, 'rollingUpdate');
  }
  if (us['type'] === 'RollingUpdate' && isObj(us['rollingUpdate'])) setDefault(us['rollingUpdate'], 'partition', 0);
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  setPodTemplateDefaults(spec['template']);
  for (const pvc of objects(spec['volumeClaimTemplates'])) {
    setPersistentVolumeClaimDefaults(pvc);
  }
}

/** SetDefaults_DaemonSet. */
export function setDaemonSetDefaults(ds: Json): void {
  const spec = ensureObj(ds, 'spec');
  const us = ensureObj(spec, 'updateStrategy');
  setDefault(us, 'type', 'RollingUpdate');
  if (us['type'] === 'RollingUpdate') {
    const ru = ensureObj(us, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setPodTemplateDefaults(spec['template']);
}

/** SetDefaults_ReplicationController: selector and labels from the template, replicas 1. */
export function setReplicationControllerDefaults(rc: Json): void {
  const spec = ensureObj(rc, 'spec');
  const template = isObj(spec['template']) ? spec['template'] : undefined;
  const labels = template && isObj(template['metadata']) && isObj(template['metadata']['labels']) ? template['metadata']['labels'] : undefined;
  if (labels) {
    if (!isObj(spec['selector']) || Object.keys(spec['selector']).length === 0) spec['selector'] = { ...labels };
    const meta = ensureObj(rc, 'metadata');
    if (!isObj(meta['labels']) || Object.keys(meta['labels']).length === 0) meta['labels'] = { ...labels };
  }
  setDefault(spec, 'replicas', 1);
  setPodTemplateDefaults(template);
}
