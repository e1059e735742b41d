// SPDX-License-Identifier: Apache-2.0
/** A pod's (or pod template's) containers as kubectl describe lists them. */
import { arr, bool, get, has, num, obj, str, strArr } from './json';
import { byteOrder, goSlice, intOrString, printBool, quantity, rfc1123z, sortedResourceNames, stringOrNone } from './format';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter } from './prefix-writer';

/** kubectl's DescribeProbe: `http-get http://:8080/demo/hello delay=5s timeout=2s period=5s #success=1 #failure=3`. */
export function describeProbe(probe: unknown): string {
  // The apiserver defaults these; an object that never went through it shows the same values.
  const timeout = has(probe, 'timeoutSeconds') ? num(probe, 'timeoutSeconds') : 1;
  const period = has(probe, 'periodSeconds') ? num(probe, 'periodSeconds') : 10;
  const success = has(probe, 'successThreshold') ? num(probe, 'successThreshold') : 1;
  const failure = has(probe, 'failureThreshold') ? num(probe, 'failureThreshold') : 3;
  const attrs = `delay=${num(probe, 'initialDelaySeconds')}s timeout=${timeout}s period=${period}s #success=${success} #failure=${failure}`;
  if (has(probe, 'exec')) return `exec ${goSlice(strArr(probe, 'exec.command'))} ${attrs}`;
  if (has(probe, 'httpGet')) {
    const scheme = (str(probe, 'httpGet.scheme') || 'HTTP').toLowerCase();
    const host = str(probe, 'httpGet.host');
    const port = intOrString(get(probe, 'httpGet.port'));
    // net.JoinHostPort brackets IPv6 hosts.
    const h = host.includes(':') ? `[${host}]` : host;
    const authority = port ? `${h}:${port}` : h;
    let path = str(probe, 'httpGet.path');
    if (path && !path.startsWith('/')) path = `/${path}`;
    return `http-get ${scheme}://${authority}${path} ${attrs}`;
  }
  if (has(probe, 'tcpSocket')) return `tcp-socket ${str(probe, 'tcpSocket.host')}:${intOrString(get(probe, 'tcpSocket.port'))} ${attrs}`;
  if (has(probe, 'grpc')) return `grpc <pod>:${num(probe, 'grpc.port')} ${str(probe, 'grpc.service')} ${attrs}`;
  return `unknown ${attrs}`;
}

/** describeResources: `Limits:` and `Requests:` with one resource per line. */
export function describeResources(resources: unknown, w: PrefixWriter, level: number): void {
  const limits = obj(resources, 'limits');
  const requests = obj(resources, 'requests');
  if (Object.keys(limits).length > 0) w.write(level, 'Limits:\n');
  for (const name of sortedResourceNames(limits)) w.write(level + 1, `${name}:\t${quantity(limits[name]).toString()}\n`);
  if (Object.keys(requests).length > 0) w.write(level, 'Requests:\n');
  for (const name of sortedResourceNames(requests)) w.write(level + 1, `${name}:\t${quantity(requests[name]).toString()}\n`);
}

function describeStatus(stateName: string, state: unknown, w: PrefixWriter): void {
  if (has(state, 'running')) {
    w.write(LEVEL_2, `${stateName}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(get(state, 'running.startedAt'))}\n`);
  } else if (has(state, 'waiting')) {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
    if (str(state, 'waiting.reason')) w.write(LEVEL_3, `Reason:\t${str(state, 'waiting.reason')}\n`);
  } else if (has(state, 'terminated')) {
    const t = obj(state, 'terminated');
    w.write(LEVEL_2, `${stateName}:\tTerminated\n`);
    if (str(t, 'reason')) w.write(LEVEL_3, `Reason:\t${str(t, 'reason')}\n`);
    if (str(t, 'message')) w.write(LEVEL_3, `Message:\t${str(t, 'message')}\n`);
    w.write(LEVEL_3, `Exit Code:\t${num(t, 'exitCode')}\n`);
    if (num(t, 'signal') > 0) w.write(LEVEL_3, `Signal:\t${num(t, 'signal')}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(get(t, 'startedAt'))}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(get(t, 'finishedAt'))}\n`);
  } else {
    w.write(LEVEL_2, `${stateName}:\tWaiting\n`);
  }
}

/** Resolves a fieldRef env var against the pod (kubectl's EnvValueRetriever), '' when unknown. */
function resolveFieldRef(pod: unknown, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) {
    const v = obj(pod, `metadata.${m[1] ?? ''}`)[m[2] ?? ''];
    return typeof v === 'string' ? v : '';
  }
  switch (fieldPath) {
    case 'metadata.name':
    case 'metadata.namespace':
    case 'metadata.uid':
    case 'spec.nodeName':
    case 'spec.serviceAccountName':
    case 'status.hostIP':
    case 'status.podIP':
      return str(pod, fieldPath);
    case 'status.podIPs':
      return arr(pod, 'status.podIPs')
        .map((p) => str(p, 'ip'))
        .join(',');
    case 'status.hostIPs':
      return arr(pod, 'status.hostIPs')
        .map((p) => str(p, 'ip'))
        .join(',');
    default:
      return '';
  }
}

/** ExtractContainerResourceValue for a resourceFieldRef env var. */
function resourceFieldValue(ref: unknown, container: unknown): string {
  const resource = str(ref, 'resource');
  const [kind, name] = resource.split('.', 2) as [string, string | undefined];
  if (!name || (kind !== 'limits' && kind !== 'requests')) return '';
  const q = quantity(get(container, `resources.${kind}.${name}`));
  const divisor = has(ref, 'divisor') ? quantity(get(ref, 'divisor')) : quantity('1');
  if (name === 'cpu') {
    const d = divisor.milliValue() || 1;
    return String(Math.ceil(q.milliValue() / d));
  }
  const d = divisor.value() || 1;
  return String(Math.ceil(q.value() / d));
}

function describeEnvVars(container: unknown, pod: unknown, w: PrefixWriter): void {
  const env = arr(container, 'env');
  w.write(LEVEL_2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) {
    const name = str(e, 'name');
    if (!has(e, 'valueFrom')) {
      str(e, 'value')
        .split('\n')
        .forEach((s, i) => w.write(LEVEL_3, i === 0 ? `${name}:\t${s}\n` : `\t${s}\n`));
      continue;
    }
    const from = obj(e, 'valueFrom');
    if (has(from, 'fieldRef')) {
      const value = pod === undefined ? '' : resolveFieldRef(pod, str(from, 'fieldRef.fieldPath'));
      w.write(LEVEL_3, `${name}:\t${value} (${str(from, 'fieldRef.apiVersion')}:${str(from, 'fieldRef.fieldPath')})\n`);
    } else if (has(from, 'resourceFieldRef')) {
      let value = resourceFieldValue(from['resourceFieldRef'], container);
      const resource = str(from, 'resourceFieldRef.resource');
      if (value === '0' && (resource === 'limits.cpu' || resource === 'limits.memory')) value = 'node allocatable';
      w.write(LEVEL_3, `${name}:\t${value} (${resource})\n`);
    } else if (has(from, 'secretKeyRef')) {
      w.write(
        LEVEL_3,
        `${name}:\t<set to the key '${str(from, 'secretKeyRef.key')}' in secret '${str(from, 'secretKeyRef.name')}'>\tOptional: ${bool(from, 'secretKeyRef.optional')}\n`,
      );
    } else if (has(from, 'configMapKeyRef')) {
      w.write(
        LEVEL_3,
        `${name}:\t<set to the key '${str(from, 'configMapKeyRef.key')}' of config map '${str(from, 'configMapKeyRef.name')}'>\tOptional: ${bool(from, 'configMapKeyRef.optional')}\n`,
      );
    }
  }
}

function describeEnvFrom(container: unknown, w: PrefixWriter): void {
  w.write(LEVEL_2, 'Environment Variables from:\n');
  for (const e of arr(container, 'envFrom')) {
    let from = '';
    let name = '';
    let optional = false;
    if (has(e, 'configMapRef')) {
      from = 'ConfigMap';
      name = str(e, 'configMapRef.name');
      optional = bool(e, 'configMapRef.optional');
    } else if (has(e, 'secretRef')) {
      from = 'Secret';
      name = str(e, 'secretRef.name');
      optional = bool(e, 'secretRef.optional');
    }
    const prefix = str(e, 'prefix');
    w.write(LEVEL_3, prefix ? `${name}\t${from} with prefix '${prefix}'\tOptional: ${optional}\n` : `${name}\t${from}\tOptional: ${optional}\n`);
  }
}

function describeMounts(container: unknown, w: PrefixWriter): void {
  const mounts = [...arr(container, 'volumeMounts')].sort((a, b) => byteOrder(str(a, 'mountPath'), str(b, 'mountPath')));
  w.write(LEVEL_2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of mounts) {
    const flags = [bool(m, 'readOnly') ? 'ro' : 'rw'];
    if (str(m, 'subPath')) flags.push(`path=${JSON.stringify(str(m, 'subPath'))}`);
    w.write(LEVEL_3, `${str(m, 'mountPath')} from ${str(m, 'name')} (${flags.join(',')})\n`);
  }
  const devices = [...arr(container, 'volumeDevices')].sort((a, b) => byteOrder(str(a, 'devicePath'), str(b, 'devicePath')));
  if (devices.length > 0) {
    w.write(LEVEL_2, 'Devices:\n');
    for (const d of devices) w.write(LEVEL_3, `${str(d, 'devicePath')} from ${str(d, 'name')}\n`);
  }
}

function portsString(ports: unknown[], field: 'containerPort' | 'hostPort'): string {
  return ports.map((p) => `${num(p, field)}/${str(p, 'protocol') || 'TCP'}`).join(', ');
}

/**
 * describeContainers: the `Containers:` (or `Init Containers:`) section. `pod` is given for
 * a pod (statuses and fieldRef values are shown), omitted for a template; `space` is the
 * template's extra indentation.
 */
export function describeContainers(label: string, containers: unknown[], statuses: unknown[], pod: unknown, w: PrefixWriter, space: string): void {
  const byName = new Map<string, unknown>();
  for (const s of statuses) byName.set(str(s, 'name'), s);
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  const nameIndent = space.length > 0 ? ' ' : '';
  for (const c of containers) {
    const status = byName.get(str(c, 'name'));
    const ok = status !== undefined;
    w.write(LEVEL_1, `${nameIndent}${str(c, 'name')}:\n`);
    if (ok) w.write(LEVEL_2, `Container ID:\t${str(status, 'containerID')}\n`);
    w.write(LEVEL_2, `Image:\t${str(c, 'image')}\n`);
    if (ok) w.write(LEVEL_2, `Image ID:\t${str(status, 'imageID')}\n`);
    const ports = arr(c, 'ports');
    const portString = portsString(ports, 'containerPort');
    if (portString.includes(',')) w.write(LEVEL_2, `Ports:\t${portString}\n`);
    else w.write(LEVEL_2, `Port:\t${stringOrNone(portString)}\n`);
    const hostPortString = portsString(ports, 'hostPort');
    if (hostPortString.includes(',')) w.write(LEVEL_2, `Host Ports:\t${hostPortString}\n`);
    else w.write(LEVEL_2, `Host Port:\t${stringOrNone(hostPortString)}\n`);
    if (has(c, 'securityContext.seccompProfile')) {
      w.write(LEVEL_2, `SeccompProfile:\t${str(c, 'securityContext.seccompProfile.type')}\n`);
      if (str(c, 'securityContext.seccompProfile.type') === 'Localhost') {
        w.write(LEVEL_3, `LocalhostProfile:\t${str(c, 'securityContext.seccompProfile.localhostProfile')}\n`);
      }
    }
    const command = strArr(c, 'command');
    if (command.length > 0) {
      w.write(LEVEL_2, 'Command:\n');
      for (const part of command) for (const s of part.split('\n')) w.write(LEVEL_3, `${s}\n`);
    }
    const args = strArr(c, 'args');
    if (args.length > 0) {
      w.write(LEVEL_2, 'Args:\n');
      for (const part of args) for (const s of part.split('\n')) w.write(LEVEL_3, `${s}\n`);
    }
    if (ok) {
      describeStatus('State', get(status, 'state'), w);
      if (has(status, 'lastState.terminated')) describeStatus('Last State', get(status, 'lastState'), w);
      w.write(LEVEL_2, `Ready:\t${printBool(bool(status, 'ready'))}\n`);
      w.write(LEVEL_2, `Restart Count:\t${num(status, 'restartCount')}\n`);
    }
    describeResources(get(c, 'resources'), w, LEVEL_2);
    if (has(c, 'livenessProbe')) w.write(LEVEL_2, `Liveness:\t${describeProbe(get(c, 'livenessProbe'))}\n`);
    if (has(c, 'readinessProbe')) w.write(LEVEL_2, `Readiness:\t${describeProbe(get(c, 'readinessProbe'))}\n`);
    if (has(c, 'startupProbe')) w.write(LEVEL_2, `Startup:\t${describeProbe(get(c, 'startupProbe'))}\n`);
    if (arr(c, 'envFrom').length > 0) describeEnvFrom(c, w);
    describeEnvVars(c, pod, w);
    describeMounts(c, w);
  }
}
