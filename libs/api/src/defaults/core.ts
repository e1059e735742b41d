// SPDX-License-Identifier: Apache-2.0
/**
 * Defaults of the smaller core kinds (Kubernetes' pkg/apis/core/v1/defaults.go): Secret,
 * Namespace, Node, PersistentVolume(Claim), Endpoints, LimitRange.
 */
import { ensureObj, isObj, objects, setDefault, type Json } from './util';

/** SetDefaults_Secret, with stringData folded into data as Kubernetes' conversion does. */
export function setSecretDefaults(secret: Json): void {
  setDefault(secret, 'type', 'Opaque');
  const stringData = secret['stringData'];
  if (isObj(stringData)) {
    const data = ensureObj(secret, 'data');
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret['stringData'];
  }
}

/** SetDefaults_Namespace and SetDefaults_NamespaceStatus: phase Active, the metadata.name label. */
export function setNamespaceDefaults(ns: Json): void {
  const meta = ensureObj(ns, 'metadata');
  if (typeof meta['name'] === 'string' && meta['name'] !== '') {
    const labels = ensureObj(meta, 'labels');
    labels['kubernetes.io/metadata.name'] = meta['name'];
  }
  setDefault(ensureObj(ns, 'status'), 'phase', 'Active');
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function setNodeDefaults(node: Json): void {
  const status = isObj(node['status']) ? node['status'] : undefined;
  if (status && isObj(status['capacity']) && !isObj(status['allocatable'])) status['allocatable'] = { ...status['capacity'] };
}

/**
 * SetDefaults_PersistentVolume: phase Pending, reclaim policy Retain (Delete for volumes a
 * provisioner made, which carry the pv.kubernetes.io/provisioned-by annotation), Filesystem mode.
 */
export function setPersistentVolumeDefaults(pv: Json): void {
  const spec = ensureObj(pv, 'spec');
  const annotations = isObj(pv['metadata']) && isObj(pv['metadata']['annotations']) ? pv['metadata']['annotations'] : {};
  const dynamic = typeof annotations['pv.kubernetes.io/provisioned-by'] === 'string';
  setDefault(spec, 'persistentVolumeReclaimPolicy', dynamic ? 'Delete' : 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(ensureObj(pv, 'status'), 'phase', 'Pending');
}

/** SetDefaults_PersistentVolumeClaim: Filesystem mode, phase Pending. */
export function setPersistentVolumeClaimDefaults(pvc: Json): void {
  const spec = ensureObj(pvc, 'spec');
  setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(ensureObj(pvc, 'status'), 'phase', 'Pending');
}

/** SetDefaults_Endpoints: port protocol TCP. */
export function setEndpointsDefaults(ep: Json): void {
  for (const ss of objects(ep['subsets'])) for (const p of objects(ss['ports'])) setDefault(p, 'protocol', 'TCP');
}

/** SetDefaults_EndpointSlice (discovery/v1): port protocol TCP and name ''. */
export function setEndpointSliceDefaults(slice: Json): void {
  for (const p of objects(slice['ports'])) {
    setDefault(p, 'protocol', 'TCP');
    if (p['name'] === undefined) p['name'] = '';
  }
}

/**
 * SetDefaults_LimitRangeItem: for Container limits, a missing default limit is the max, a
 * missing default request is the default limit, or else the min.
 */
export function setLimitRangeDefaults(lr: Json): void {
  const spec = isObj(lr['spec']) ? lr['spec'] : undefined;
  for (const item of objects(spec?.['limits'])) {
    if (item['type'] !== 'Container') continue;
    const def = ensureObj(item, 'default');
    const defReq = ensureObj(item, 'defaultRequest');
    for (const [k, v] of Object.entries(isObj(item['max']) ? item['max'] : {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(isObj(item['min']) ? item['min'] : {})) if (!(k in defReq)) defReq[k] = v;
  }
}
