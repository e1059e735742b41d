// SPDX-License-Identifier: Apache-2.0
/**
 * Pod and PodSpec defaults, ported from Kubernetes' pkg/apis/core/v1/defaults.go: what a pod
 * reads back as after create even when the manifest left it out.
 */
import { ensureObj, isObj, objects, setDefault, setDefaultNumber, type Json } from './util';

/** SetDefaults_Pod: the spec defaults, plus requests taken from limits (only on Pods, not templates). */
export function setPodDefaults(pod: Json): void {
  const spec = ensureObj(pod, 'spec');
  setPodSpecDefaults(spec);
  for (const f of ['containers', 'initContainers']) {
    for (const c of objects(spec[f])) {
      const res = isObj(c['resources']) ? c['resources'] : undefined;
      if (!res || !isObj(res['limits'])) continue;
      const requests = ensureObj(res, 'requests');
      for (const [name, v] of Object.entries(res['limits'])) if (!(name in requests)) requests[name] = v;
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
}

/** SetDefaults_PodTemplateSpec: the template of a workload gets the spec defaults only. */
export function setPodTemplateDefaults(template: unknown): void {
  if (!isObj(template)) return;
  setPodSpecDefaults(ensureObj(template, 'spec'));
}

/** SetDefaults_PodSpec and the defaults of everything inside it. */
export function setPodSpecDefaults(spec: Json): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  if (!isObj(spec['securityContext'])) spec['securityContext'] = {};
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  const hostNetwork = spec['hostNetwork'] === true;
  for (const f of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of objects(spec[f])) setContainerDefaults(c, hostNetwork);
  }
  for (const v of objects(spec['volumes'])) setVolumeDefaults(v);
}

/** SetDefaults_Container, with its ports, probes, lifecycle hooks and env sources. */
export function setContainerDefaults(c: Json, hostNetwork = false): void {
  if (!c['imagePullPolicy']) c['imagePullPolicy'] = imageTag(typeof c['image'] === 'string' ? c['image'] : '') === 'latest' ? 'Always' : 'IfNotPresent';
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const p of objects(c['ports'])) {
    setDefault(p, 'protocol', 'TCP');
    // On the host network a container port is a host port.
    if (hostNetwork && !p['hostPort']) p['hostPort'] = p['containerPort'];
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = c[probe];
    if (!isObj(p)) continue;
    setDefaultNumber(p, 'timeoutSeconds', 1);
    setDefaultNumber(p, 'periodSeconds', 10);
    setDefaultNumber(p, 'successThreshold', 1);
    setDefaultNumber(p, 'failureThreshold', 3);
    setHandlerDefaults(p);
  }
  if (isObj(c['lifecycle'])) {
    for (const hook of ['postStart', 'preStop']) if (isObj(c['lifecycle'][hook])) setHandlerDefaults(c['lifecycle'][hook]);
  }
  for (const e of objects(c['env'])) {
    const from = e['valueFrom'];
    if (isObj(from) && isObj(from['fieldRef'])) setDefault(from['fieldRef'], 'apiVersion', 'v1');
  }
}

function setHandlerDefaults(h: Json): void {
  if (!isObj(h['httpGet'])) return;
  setDefault(h['httpGet'], 'path', '/');
  setDefault(h['httpGet'], 'scheme', 'HTTP');
}

/**
 * The tag of an image reference as Kubernetes' ParseImageName sees it: 'latest' when there
 * is neither a tag nor a digest, '' when there is only a digest.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  if (colon >= 0) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

const MODE_DEFAULT = 0o644;

/** SetDefaults_Volume and the volume sources' defaults (0644 modes, emptyDir when no source). */
export function setVolumeDefaults(v: Json): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v['emptyDir'] = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObj(v[k])) setDefault(v[k], 'defaultMode', MODE_DEFAULT);
  }
  if (isObj(v['downwardAPI'])) {
    for (const item of objects(v['downwardAPI']['items'])) if (isObj(item['fieldRef'])) setDefault(item['fieldRef'], 'apiVersion', 'v1');
  }
  if (isObj(v['hostPath'])) setDefault(v['hostPath'], 'type', '');
  if (isObj(v['iscsi'])) setDefault(v['iscsi'], 'iscsiInterface', 'default');
  if (isObj(v['rbd'])) {
    setDefault(v['rbd'], 'pool', 'rbd');
    setDefault(v['rbd'], 'user', 'admin');
    setDefault(v['rbd'], 'keyring', '/etc/ceph/keyring');
  }
  if (isObj(v['azureDisk'])) {
    setDefault(v['azureDisk'], 'cachingMode', 'ReadWrite');
    setDefault(v['azureDisk'], 'fsType', 'ext4');
    setDefault(v['azureDisk'], 'readOnly', false);
    setDefault(v['azureDisk'], 'kind', 'Shared');
  }
}
