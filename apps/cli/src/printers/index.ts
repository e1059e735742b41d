// SPDX-License-Identifier: Apache-2.0
export { formatTable } from './tabwriter';
export { translateTimestampSince } from './age';
export { tableFor, printTable, type TableOptions, type TableColumn } from './table-printer';
export { parseOutputFlag, printObjects, resourceName, type OutputFormat, type PrintObjectsOptions } from './output';
export { executeJsonPath, parseJsonPath, evaluateJsonPath, type JsonPathOptions } from './jsonpath';
export { printCustomColumns, parseCustomColumns, relaxedJsonPathExpression } from './custom-columns';
export { podCells, type PodCells } from './pod-status';
export { formatLabels } from './table-columns';
export { toKubectlYaml } from './yaml';
