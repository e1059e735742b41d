// SPDX-License-Identifier: Apache-2.0
import { arr, has, obj, str, strMap } from './json';
import { describeContainers } from './containers';
import { describeVolumes } from './volumes';
import { byteOrder, printAnnotationsMultiline, printLabelsMultiline, printTolerationsMultiline } from './format';
import { LEVEL_0, LEVEL_1, type PrefixWriter } from './prefix-writer';

/** describeTopologySpreadConstraints: one `key:WhenUnsatisfiable when max skew N is exceeded` per line. */
export function describeTopologySpreadConstraints(tscs: unknown[], w: PrefixWriter, space: string): void {
  if (tscs.length === 0) return;
  const sorted = [...tscs].sort((a, b) => byteOrder(str(a, 'topologyKey'), str(b, 'topologyKey')));
  w.write(LEVEL_0, `${space}Topology Spread Constraints:\t`);
  sorted.forEach((tsc, i) => {
    if (i !== 0) {
      w.write(LEVEL_0, space);
      w.write(LEVEL_0, '\t');
    }
    let s = `${str(tsc, 'topologyKey')}:${str(tsc, 'whenUnsatisfiable')} when max skew ${str(tsc, 'maxSkew') || '0'} is exceeded`;
    if (has(tsc, 'labelSelector')) s += ` for selector ${formatSelectorObject(obj(tsc, 'labelSelector'))}`;
    w.write(LEVEL_0, `${s}\n`);
  });
}

function formatSelectorObject(sel: Record<string, unknown>): string {
  const parts = Object.entries(strMap(sel, 'matchLabels'))
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of arr(sel, 'matchExpressions')) {
    const op = str(e, 'operator');
    const values = arr(e, 'values').map(String).sort(byteOrder);
    if (op === 'In') parts.push(`${str(e, 'key')} in (${values.join(',')})`);
    else if (op === 'NotIn') parts.push(`${str(e, 'key')} notin (${values.join(',')})`);
    else if (op === 'Exists') parts.push(str(e, 'key'));
    else if (op === 'DoesNotExist') parts.push(`!${str(e, 'key')}`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

/** DescribePodTemplate: the `Pod Template:` section of workloads, indented one level. */
export function describePodTemplate(template: unknown, w: PrefixWriter): void {
  w.write(LEVEL_0, 'Pod Template:\n');
  if (template === undefined || template === null) {
    w.write(LEVEL_1, '<unset>');
    return;
  }
  printLabelsMultiline(w, '  Labels', strMap(template, 'metadata.labels'));
  const annotations = strMap(template, 'metadata.annotations');
  if (Object.keys(annotations).length > 0) printAnnotationsMultiline(w, '  Annotations', annotations);
  const spec = obj(template, 'spec');
  if (str(spec, 'serviceAccountName')) w.write(LEVEL_1, `Service Account:\t${str(spec, 'serviceAccountName')}\n`);
  if (arr(spec, 'initContainers').length > 0) describeContainers('Init Containers', arr(spec, 'initContainers'), [], undefined, w, '  ');
  describeContainers('Containers', arr(spec, 'containers'), [], undefined, w, '  ');
  describeVolumes(arr(spec, 'volumes'), w, '  ');
  describeTopologySpreadConstraints(arr(spec, 'topologySpreadConstraints'), w, '  ');
  if (str(spec, 'priorityClassName')) w.write(LEVEL_1, `Priority Class Name:\t${str(spec, 'priorityClassName')}\n`);
  printLabelsMultiline(w, '  Node-Selectors', strMap(spec, 'nodeSelector'));
  printTolerationsMultiline(w, '  Tolerations', arr(spec, 'tolerations'));
}
