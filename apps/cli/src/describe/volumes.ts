// SPDX-License-Identifier: Apache-2.0
/** Volume sources as kubectl describes them under a pod's `Volumes:` and a PV's `Source:`. */
import { arr, bool, get, has, num, obj, str, strArr, strMap } from './json';
import { byteOrder, goSlice } from './format';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter } from './prefix-writer';

const MAX_ATTRIBUTE_LEN = 140;

/** Go's %v of a *LocalObjectReference / *SecretReference: `&{name}` or `<nil>`. */
function goRef(v: unknown): string {
  if (!has(v)) return '<nil>';
  const ns = str(v, 'namespace');
  return ns ? `&SecretReference{Name:${str(v, 'name')},Namespace:${ns},}` : `&LocalObjectReference{Name:${str(v, 'name')},}`;
}

function hostPath(v: unknown, w: PrefixWriter): void {
  const type = has(v, 'type') ? str(v, 'type') : '<none>';
  w.write(LEVEL_2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${str(v, 'path')}\n    HostPathType:\t${type}\n`);
}

function emptyDir(v: unknown, w: PrefixWriter): void {
  const limit = str(v, 'sizeLimit');
  const sizeLimit = limit && limit !== '0' ? limit : '<unset>';
  w.write(LEVEL_2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${str(v, 'medium')}\n    SizeLimit:\t${sizeLimit}\n`);
}

function gcePd(v: unknown, w: PrefixWriter): void {
  w.write(
    LEVEL_2,
    `Type:\tGCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)\n    PDName:\t${str(v, 'pdName')}\n` +
      `    FSType:\t${str(v, 'fsType')}\n    Partition:\t${num(v, 'partition')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
  );
}

function awsEbs(v: unknown, w: PrefixWriter): void {
  w.write(
    LEVEL_2,
    `Type:\tAWSElasticBlockStore (a Persistent Disk resource in AWS)\n    VolumeID:\t${str(v, 'volumeID')}\n` +
      `    FSType:\t${str(v, 'fsType')}\n    Partition:\t${num(v, 'partition')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
  );
}

function gitRepo(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, `Type:\tGitRepo (a volume that is pulled from git when the pod is created)\n    Repository:\t${str(v, 'repository')}\n    Revision:\t${str(v, 'revision')}\n`);
}

function secret(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${str(v, 'secretName')}\n    Optional:\t${bool(v, 'optional')}\n`);
}

function configMap(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${str(v, 'name')}\n    Optional:\t${bool(v, 'optional')}\n`);
}

function projected(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
  for (const source of arr(v, 'sources')) {
    if (has(source, 'secret')) {
      w.write(LEVEL_2, `SecretName:\t${str(source, 'secret.name')}\n    Optional:\t${bool(source, 'secret.optional')}\n`);
    } else if (has(source, 'downwardAPI')) {
      w.write(LEVEL_2, 'DownwardAPI:\ttrue\n');
    } else if (has(source, 'configMap')) {
      w.write(LEVEL_2, `ConfigMapName:\t${str(source, 'configMap.name')}\n    Optional:\t${bool(source, 'configMap.optional')}\n`);
    } else if (has(source, 'serviceAccountToken')) {
      w.write(LEVEL_2, `TokenExpirationSeconds:\t${num(source, 'serviceAccountToken.expirationSeconds')}\n`);
    }
  }
}

function nfs(v: unknown, w: PrefixWriter): void {
  w.write(
    LEVEL_2,
    `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${str(v, 'server')}\n    Path:\t${str(v, 'path')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
  );
}

function pvcSource(v: unknown, w: PrefixWriter): void {
  w.write(
    LEVEL_2,
    `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${str(v, 'claimName')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
  );
}

function downwardApi(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
  for (const item of arr(v, 'items')) {
    if (has(item, 'fieldRef')) w.write(LEVEL_3, `${str(item, 'fieldRef.fieldPath')} -> ${str(item, 'path')}\n`);
    if (has(item, 'resourceFieldRef')) w.write(LEVEL_3, `${str(item, 'resourceFieldRef.resource')} -> ${str(item, 'path')}\n`);
  }
}

function local(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, `Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t${str(v, 'path')}\n`);
}

function attributes(w: PrefixWriter, title: string, attrs: Record<string, string>): void {
  w.write(LEVEL_2, `${title}:\t`);
  const keys = Object.keys(attrs).sort(byteOrder);
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) {
      w.write(LEVEL_2, '');
      w.write(LEVEL_2, '\t');
    }
    const line = `${key}=${attrs[key] ?? ''}`;
    w.write(LEVEL_2, line.length > MAX_ATTRIBUTE_LEN ? `${line.slice(0, MAX_ATTRIBUTE_LEN)}...\n` : `${line}\n`);
  });
}

function csi(v: unknown, w: PrefixWriter, persistent: boolean): void {
  if (persistent) {
    w.write(
      LEVEL_2,
      `Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t${str(v, 'driver')}\n    FSType:\t${str(v, 'fsType')}\n` +
        `    VolumeHandle:\t${str(v, 'volumeHandle')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
    );
  } else {
    w.write(
      LEVEL_2,
      `Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t${str(v, 'driver')}\n    FSType:\t${str(v, 'fsType')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
    );
  }
  attributes(w, 'VolumeAttributes', strMap(v, 'volumeAttributes'));
}

function fc(v: unknown, w: PrefixWriter): void {
  const lun = has(v, 'lun') ? String(num(v, 'lun')) : '<none>';
  w.write(
    LEVEL_2,
    `Type:\tFC (a Fibre Channel disk)\n    TargetWWNs:\t${strArr(v, 'targetWWNs').join(', ')}\n    LUN:\t${lun}\n` +
      `    FSType:\t${str(v, 'fsType')}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
  );
}

function cephfs(v: unknown, w: PrefixWriter): void {
  w.write(
    LEVEL_2,
    `Type:\tCephFS (a CephFS mount on the host that shares a pod's lifetime)\n    Monitors:\t${goSlice(strArr(v, 'monitors'))}\n` +
      `    Path:\t${str(v, 'path')}\n    User:\t${str(v, 'user')}\n    SecretFile:\t${str(v, 'secretFile')}\n` +
      `    SecretRef:\t${goRef(get(v, 'secretRef'))}\n    ReadOnly:\t${bool(v, 'readOnly')}\n`,
  );
}

function image(v: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, `Type:\tImage (a container image or OCI artifact)\n    Reference:\t${str(v, 'reference')}\n    PullPolicy:\t${str(v, 'pullPolicy')}\n`);
}

/** Prints the source of one volume; false when the source type is not one Berth knows. */
function volumeSource(v: unknown, w: PrefixWriter, persistent: boolean): boolean {
  const src = obj(v);
  if (has(src, 'hostPath')) hostPath(src['hostPath'], w);
  else if (!persistent && has(src, 'emptyDir')) emptyDir(src['emptyDir'], w);
  else if (has(src, 'gcePersistentDisk')) gcePd(src['gcePersistentDisk'], w);
  else if (has(src, 'awsElasticBlockStore')) awsEbs(src['awsElasticBlockStore'], w);
  else if (!persistent && has(src, 'gitRepo')) gitRepo(src['gitRepo'], w);
  else if (!persistent && has(src, 'secret')) secret(src['secret'], w);
  else if (!persistent && has(src, 'configMap')) configMap(src['configMap'], w);
  else if (has(src, 'nfs')) nfs(src['nfs'], w);
  else if (!persistent && has(src, 'persistentVolumeClaim')) pvcSource(src['persistentVolumeClaim'], w);
  else if (!persistent && has(src, 'downwardAPI')) downwardApi(src['downwardAPI'], w);
  else if (has(src, 'cephfs')) cephfs(src['cephfs'], w);
  else if (has(src, 'fc')) fc(src['fc'], w);
  else if (!persistent && has(src, 'projected')) projected(src['projected'], w);
  else if (persistent && has(src, 'local')) local(src['local'], w);
  else if (has(src, 'csi')) csi(src['csi'], w, persistent);
  else if (!persistent && has(src, 'image')) image(src['image'], w);
  else return false;
  return true;
}

/** describeVolumes: `Volumes:  <none>` or each volume's name and source. `space` indents a pod template's. */
export function describeVolumes(volumes: unknown[], w: PrefixWriter, space: string): void {
  if (volumes.length === 0) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  const nameIndent = space.length > 0 ? ' ' : '';
  for (const v of volumes) {
    w.write(LEVEL_1, `${nameIndent}${str(v, 'name')}:\n`);
    if (!volumeSource(v, w, false)) w.write(LEVEL_1, '<unknown>\n');
  }
}

/** The `Source:` body of a PersistentVolume. */
export function describePersistentVolumeSource(spec: unknown, w: PrefixWriter): void {
  if (!volumeSource(spec, w, true)) w.write(LEVEL_1, '<unknown>\n');
}
