// SPDX-License-Identifier: Apache-2.0
/** Describers of PersistentVolume, PersistentVolumeClaim and StorageClass. */
import type { KubeObject } from '@berth/api';
import { arr, get, has, obj, str, strArr, strMap } from './json';
import { tryList, type DescribeContext } from './context';
import { describeEvents } from './events';
import {
  accessModesAsString,
  annotationsOf,
  byteOrder,
  formatLabels,
  goSlice,
  labelsOf,
  printAnnotationsMultiline,
  printBoolPtr,
  printLabelsMultiline,
  quantity,
  rfc1123z,
  since,
} from './format';
import { LEVEL_0, LEVEL_1, LEVEL_2, tabbedString, type PrefixWriter } from './prefix-writer';
import { describePersistentVolumeSource } from './volumes';
import { persistentVolumeClaimClass } from './workloads';

/** storageutil.GetPersistentVolumeClass: the beta annotation wins over spec.storageClassName. */
function persistentVolumeClass(pv: unknown): string {
  const ann = strMap(pv, 'metadata.annotations')['volume.beta.kubernetes.io/storage-class'];
  return ann ?? str(pv, 'spec.storageClassName');
}

function printVolumeNodeAffinity(w: PrefixWriter, affinity: unknown): void {
  w.write(LEVEL_0, 'Node Affinity:\t');
  if (!has(affinity, 'required')) {
    w.writeLine('<none>');
    return;
  }
  w.writeLine('');
  w.write(LEVEL_1, 'Required Terms:\t');
  const terms = arr(affinity, 'required.nodeSelectorTerms');
  if (terms.length === 0) {
    w.writeLine('<none>');
    return;
  }
  w.writeLine('');
  terms.forEach((term, i) => {
    w.write(LEVEL_2, `Term ${i}:\t`);
    const reqs = arr(term, 'matchExpressions');
    if (reqs.length === 0) {
      w.writeLine('<none>');
      return;
    }
    reqs.forEach((req, j) => {
      if (j !== 0) w.write(LEVEL_2, '\t');
      let expr = `${str(req, 'key')} ${str(req, 'operator').toLowerCase()}`;
      const values = strArr(req, 'values');
      if (values.length > 0) expr += ` [${values.join(', ')}]`;
      w.write(LEVEL_0, `${expr}\n`);
    });
  });
}

/** kubectl describe persistentvolume. */
export function describePersistentVolume(pv: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    const spec = obj(pv, 'spec');
    w.write(LEVEL_0, `Name:\t${str(pv, 'metadata.name')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(pv));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(pv));
    w.write(LEVEL_0, `Finalizers:\t${goSlice(strArr(pv, 'metadata.finalizers'))}\n`);
    w.write(LEVEL_0, `StorageClass:\t${persistentVolumeClass(pv)}\n`);
    if (has(pv, 'metadata.deletionTimestamp')) {
      w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(str(pv, 'metadata.deletionTimestamp'), ctx.now)})\n`);
    } else {
      w.write(LEVEL_0, `Status:\t${str(pv, 'status.phase')}\n`);
    }
    w.write(LEVEL_0, `Claim:\t${has(spec, 'claimRef') ? `${str(spec, 'claimRef.namespace')}/${str(spec, 'claimRef.name')}` : ''}\n`);
    w.write(LEVEL_0, `Reclaim Policy:\t${str(spec, 'persistentVolumeReclaimPolicy')}\n`);
    w.write(LEVEL_0, `Access Modes:\t${accessModesAsString(strArr(spec, 'accessModes'))}\n`);
    if (has(spec, 'volumeMode')) w.write(LEVEL_0, `VolumeMode:\t${str(spec, 'volumeMode')}\n`);
    w.write(LEVEL_0, `Capacity:\t${quantity(get(spec, 'capacity.storage')).toString()}\n`);
    printVolumeNodeAffinity(w, get(spec, 'nodeAffinity'));
    w.write(LEVEL_0, `Message:\t${str(pv, 'status.message')}\n`);
    w.write(LEVEL_0, 'Source:\n');
    describePersistentVolumeSource(spec, w);
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}

/** kubectl describe persistentvolumeclaim, with the pods that use it. */
export async function describePersistentVolumeClaim(pvc: KubeObject, ctx: DescribeContext): Promise<string> {
  const name = str(pvc, 'metadata.name');
  const pods = await tryList(ctx, 'pods', '', str(pvc, 'metadata.namespace'));
  if (pods.error) throw pods.error;
  const users: string[] = [];
  const uids = new Set<string>();
  for (const pod of pods.items) {
    if (arr(pod, 'spec.volumes').some((v) => str(v, 'persistentVolumeClaim.claimName') === name)) {
      users.push(str(pod, 'metadata.name'));
      uids.add(str(pod, 'metadata.uid'));
    }
  }
  for (const ref of arr(pvc, 'metadata.ownerReferences')) {
    if (str(ref, 'kind') !== 'Pod') continue;
    const pod = pods.items.find((p) => str(p, 'metadata.uid') === str(ref, 'uid'));
    if (pod && !uids.has(str(pod, 'metadata.uid'))) {
      users.push(str(pod, 'metadata.name'));
      uids.add(str(pod, 'metadata.uid'));
    }
  }
  return tabbedString((w) => {
    const spec = obj(pvc, 'spec');
    w.write(LEVEL_0, `Name:\t${name}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(pvc, 'metadata.namespace')}\n`);
    w.write(LEVEL_0, `StorageClass:\t${persistentVolumeClaimClass(pvc)}\n`);
    if (has(pvc, 'metadata.deletionTimestamp')) {
      w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(str(pvc, 'metadata.deletionTimestamp'), ctx.now)})\n`);
    } else {
      w.write(LEVEL_0, `Status:\t${str(pvc, 'status.phase')}\n`);
    }
    const volumeName = str(spec, 'volumeName');
    w.write(LEVEL_0, `Volume:\t${volumeName}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(pvc));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(pvc));
    w.write(LEVEL_0, `Finalizers:\t${goSlice(strArr(pvc, 'metadata.finalizers'))}\n`);
    // Capacity and access modes are the bound volume's; an unbound claim shows neither.
    const capacity = volumeName ? quantity(get(pvc, 'status.capacity.storage')).toString() : '';
    const modes = volumeName ? accessModesAsString(strArr(pvc, 'status.accessModes')) : '';
    w.write(LEVEL_0, `Capacity:\t${capacity}\n`);
    w.write(LEVEL_0, `Access Modes:\t${modes}\n`);
    if (has(spec, 'volumeMode')) w.write(LEVEL_0, `VolumeMode:\t${str(spec, 'volumeMode')}\n`);
    if (has(spec, 'dataSource')) {
      w.write(LEVEL_0, 'DataSource:\n');
      if (has(spec, 'dataSource.apiGroup')) w.write(LEVEL_1, `APIGroup:\t${str(spec, 'dataSource.apiGroup')}\n`);
      w.write(LEVEL_1, `Kind:\t${str(spec, 'dataSource.kind')}\n`);
      w.write(LEVEL_1, `Name:\t${str(spec, 'dataSource.name')}\n`);
    }
    w.write(LEVEL_0, 'Used By:\t');
    const sorted = [...users].sort(byteOrder);
    if (sorted.length === 0) w.writeLine('<none>');
    sorted.forEach((u, i) => {
      if (i !== 0) w.write(LEVEL_0, '\t');
      w.write(LEVEL_0, `${u}\n`);
    });
    const conditions = arr(pvc, 'status.conditions');
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of conditions) {
        w.write(
          LEVEL_1,
          `${str(c, 'type')} \t${str(c, 'status')} \t${rfc1123z(get(c, 'lastProbeTime'))} \t${rfc1123z(get(c, 'lastTransitionTime'))} \t${str(c, 'reason')} \t${str(c, 'message')}\n`,
        );
      }
    }
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}

/** storageutil.IsDefaultAnnotationText. */
function isDefaultClass(sc: unknown): string {
  const ann = strMap(sc, 'metadata.annotations');
  return ann['storageclass.kubernetes.io/is-default-class'] === 'true' || ann['storageclass.beta.kubernetes.io/is-default-class'] === 'true' ? 'Yes' : 'No';
}

/** kubectl describe storageclass. */
export function describeStorageClass(sc: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(sc, 'metadata.name')}\n`);
    w.write(LEVEL_0, `IsDefaultClass:\t${isDefaultClass(sc)}\n`);
    w.write(LEVEL_0, `Annotations:\t${formatLabels(annotationsOf(sc))}\n`);
    w.write(LEVEL_0, `Provisioner:\t${str(sc, 'provisioner')}\n`);
    w.write(LEVEL_0, `Parameters:\t${formatLabels(strMap(sc, 'parameters'))}\n`);
    w.write(LEVEL_0, `AllowVolumeExpansion:\t${printBoolPtr(get(sc, 'allowVolumeExpansion'))}\n`);
    const mountOptions = strArr(sc, 'mountOptions');
    if (mountOptions.length === 0) {
      w.write(LEVEL_0, 'MountOptions:\t<none>\n');
    } else {
      w.write(LEVEL_0, 'MountOptions:\n');
      for (const o of mountOptions) w.write(LEVEL_1, `${o}\n`);
    }
    if (has(sc, 'reclaimPolicy')) w.write(LEVEL_0, `ReclaimPolicy:\t${str(sc, 'reclaimPolicy')}\n`);
    if (has(sc, 'volumeBindingMode')) w.write(LEVEL_0, `VolumeBindingMode:\t${str(sc, 'volumeBindingMode')}\n`);
    if (has(sc, 'allowedTopologies')) {
      const topologies = arr(sc, 'allowedTopologies');
      w.write(LEVEL_0, 'AllowedTopologies:\t');
      if (topologies.length === 0) w.writeLine('<none>');
      else {
        w.writeLine('');
        topologies.forEach((term, i) => {
          w.write(LEVEL_1, `Term ${i}:\t`);
          const reqs = arr(term, 'matchLabelExpressions');
          if (reqs.length === 0) w.writeLine('<none>');
          reqs.forEach((req, j) => {
            if (j !== 0) w.write(LEVEL_1, '\t');
            const values = strArr(req, 'values');
            w.write(LEVEL_0, `${str(req, 'key')} in${values.length > 0 ? ` [${values.join(', ')}]` : ''}\n`);
          });
        });
      }
    }
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}
