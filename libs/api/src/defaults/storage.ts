// SPDX-License-Identifier: Apache-2.0
/**
 * StorageClass defaults (Kubernetes' pkg/apis/storage/v1/defaults.go).
 */
import { setDefault, type Json } from './util';

/** SetDefaults_StorageClass: reclaim policy Delete, binding mode Immediate. */
export function setStorageClassDefaults(sc: Json): void {
  setDefault(sc, 'reclaimPolicy', 'Delete');
  setDefault(sc, 'volumeBindingMode', 'Immediate');
}
