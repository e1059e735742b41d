// SPDX-License-Identifier: Apache-2.0
export * from './object';
export * from './errors';
export * from './api-backend';
export * from './scheme';
export * from './codec';
export * from './quantity';
export * from './int-or-string';
export * from './labels/label-selector';
export * from './fields/field-selector';
export * from './fields/object-fields';
export * from './validation/names';
export * from './validation/object-meta';
export { applyMergePatch, createMergePatch } from './patch/merge-patch';
export { applyJsonPatch } from './patch/json-patch';
export { applyStrategicMergePatch, createStrategicMergePatch } from './patch/strategic-merge-patch';
export { createThreeWayMergePatch } from './patch/three-way-merge';
export { patchMetaFor, hasPatchMeta, type FieldPatchMeta } from './patch/patch-meta';
