// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '@berth/api';
import { arr, has, num, obj, str, strMap } from './json';
import type { DescribeContext } from './context';
import { describeContainers } from './containers';
import { describeEvents } from './events';
import {
  annotationsOf,
  controllerOf,
  labelsOf,
  printAnnotationsMultiline,
  printLabelsMultiline,
  printTolerationsMultiline,
  rfc1123z,
  since,
} from './format';
import { describeResources } from './containers';
import { podQOS } from './pod-resources';
import { describeTopologySpreadConstraints } from './pod-template';
import { LEVEL_0, LEVEL_1, tabbedString } from './prefix-writer';
import { describeVolumes } from './volumes';

/** kubectl describe pod. */
export function describePod(pod: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    const spec = obj(pod, 'spec');
    const status = obj(pod, 'status');
    w.write(LEVEL_0, `Name:\t${str(pod, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(pod, 'metadata.namespace')}\n`);
    if (has(spec, 'priority')) w.write(LEVEL_0, `Priority:\t${num(spec, 'priority')}\n`);
    if (str(spec, 'priorityClassName')) w.write(LEVEL_0, `Priority Class Name:\t${str(spec, 'priorityClassName')}\n`);
    if (str(spec, 'runtimeClassName')) w.write(LEVEL_0, `Runtime Class Name:\t${str(spec, 'runtimeClassName')}\n`);
    if (str(spec, 'serviceAccountName')) w.write(LEVEL_0, `Service Account:\t${str(spec, 'serviceAccountName')}\n`);
    if (!str(spec, 'nodeName')) w.write(LEVEL_0, 'Node:\t<none>\n');
    else w.write(LEVEL_0, `Node:\t${str(spec, 'nodeName')}/${str(status, 'hostIP')}\n`);
    if (has(status, 'startTime')) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status['startTime'])}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(pod));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(pod));
    const phase = str(status, 'phase');
    if (has(pod, 'metadata.deletionTimestamp') && phase !== 'Failed' && phase !== 'Succeeded') {
      w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(str(pod, 'metadata.deletionTimestamp'), ctx.now)})\n`);
      w.write(LEVEL_0, `Termination Grace Period:\t${num(pod, 'metadata.deletionGracePeriodSeconds')}s\n`);
    } else {
      w.write(LEVEL_0, `Status:\t${phase}\n`);
    }
    if (str(status, 'reason')) w.write(LEVEL_0, `Reason:\t${str(status, 'reason')}\n`);
    if (str(status, 'message')) w.write(LEVEL_0, `Message:\t${str(status, 'message')}\n`);
    if (has(spec, 'securityContext.seccompProfile')) {
      w.write(LEVEL_0, `SeccompProfile:\t${str(spec, 'securityContext.seccompProfile.type')}\n`);
      if (str(spec, 'securityContext.seccompProfile.type') === 'Localhost') {
        w.write(LEVEL_0, `LocalhostProfile:\t${str(spec, 'securityContext.seccompProfile.localhostProfile')}\n`);
      }
    }
    w.write(LEVEL_0, `IP:\t${str(status, 'podIP')}\n`);
    const ips = arr(status, 'podIPs');
    if (ips.length === 0) {
      w.write(LEVEL_0, 'IPs:\t<none>\n');
    } else {
      w.write(LEVEL_0, 'IPs:\n');
      for (const ip of ips) w.write(LEVEL_1, `IP:\t${str(ip, 'ip')}\n`);
    }
    const controlledBy = controllerOf(pod);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    if (str(status, 'nominatedNodeName')) w.write(LEVEL_0, `NominatedNodeName:\t${str(status, 'nominatedNodeName')}\n`);
    if (has(spec, 'resources')) {
      w.write(LEVEL_0, 'Resources:\n');
      describeResources(spec['resources'], w, LEVEL_1);
    }
    if (arr(spec, 'initContainers').length > 0) {
      describeContainers('Init Containers', arr(spec, 'initContainers'), arr(status, 'initContainerStatuses'), pod, w, '');
    }
    describeContainers('Containers', arr(spec, 'containers'), arr(status, 'containerStatuses'), pod, w, '');
    if (arr(spec, 'ephemeralContainers').length > 0) {
      describeContainers('Ephemeral Containers', arr(spec, 'ephemeralContainers'), arr(status, 'ephemeralContainerStatuses'), pod, w, '');
    }
    const conditions = arr(status, 'conditions');
    const gates = arr(spec, 'readinessGates');
    if (gates.length > 0) {
      w.write(LEVEL_0, 'Readiness Gates:\n  Type\tStatus\n');
      for (const g of gates) {
        const c = conditions.find((x) => str(x, 'type') === str(g, 'conditionType'));
        w.write(LEVEL_1, `${str(g, 'conditionType')} \t${c === undefined ? '<none>' : str(c, 'status')} \n`);
      }
    }
    if (conditions.length > 0) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\n');
      for (const c of conditions) w.write(LEVEL_1, `${str(c, 'type')} \t${str(c, 'status')} \n`);
    }
    describeVolumes(arr(spec, 'volumes'), w, '');
    w.write(LEVEL_0, `QoS Class:\t${podQOS(pod)}\n`);
    printLabelsMultiline(w, 'Node-Selectors', strMap(spec, 'nodeSelector'));
    printTolerationsMultiline(w, 'Tolerations', arr(spec, 'tolerations'));
    describeTopologySpreadConstraints(arr(spec, 'topologySpreadConstraints'), w, '');
    if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
  });
}
