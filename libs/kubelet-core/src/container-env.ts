// SPDX-License-Identifier: Apache-2.0
import { serviceEnv, visibleServices } from './service-env';
import { Quantity } from '@berth/api';
import type { Container, ObjectSource, Pod } from './types';

/** Why a container's config could not be built (waiting reason CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/** The node's allocatable CPU (cores) and memory (bytes): resourceFieldRef's default for unset limits. */
export interface NodeAllocatable {
  cpu: number;
  memoryBytes: number;
}

/**
 * The environment of a container, as the kubelet builds it: envFrom first (ConfigMaps and
 * Secrets, with prefixes), then env in order; values may refer to earlier variables as
 * $(NAME) ($$ escapes). Missing non-optional sources throw ContainerConfigError with
 * Kubernetes' messages.
 */
export function containerEnv(pod: Pod, c: Container, objects: ObjectSource, node: NodeAllocatable): Array<{ name: string; value: string }> {
  const ns = pod.metadata?.namespace ?? 'default';
  // Service variables first: the container's own envFrom and env override them, and may
  // refer to them with $(VAR), as in Kubernetes.
  const vars = serviceEnv(visibleServices(pod, (n) => objects.services(n)));
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef?.name) {
      const cm = objects.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) vars.set(prefix + k, v);
    }
    if (from.secretRef?.name) {
      const s = objects.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) vars.set(prefix + k, Buffer.from(v, 'base64').toString());
    }
  }
  for (const e of c.env ?? []) {
    if (!e.name) continue;
    let value: string | undefined;
    const from = e.valueFrom;
    if (!from) {
      value = expandVars(e.value ?? '', vars);
    } else if (from.fieldRef?.fieldPath) {
      value = podField(pod, from.fieldRef.fieldPath);
    } else if (from.resourceFieldRef?.resource) {
      const target = from.resourceFieldRef.containerName
        ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === from.resourceFieldRef?.containerName) ?? c
        : c;
      value = resourceField(target, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, node);
    } else if (from.configMapKeyRef?.name) {
      const ref = from.configMapKeyRef;
      const cm = objects.configMap(ns, ref.name ?? '');
      const v = cm?.data?.[ref.key ?? ''];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`);
      }
      value = v;
    } else if (from.secretKeyRef?.name) {
      const ref = from.secretKeyRef;
      const s = objects.secret(ns, ref.name ?? '');
      const v = s?.data?.[ref.key ?? ''];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(s ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`);
      }
      value = Buffer.from(v, 'base64').toString();
    }
    vars.set(e.name, value ?? '');
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}

/** Expands $(VAR) references against `vars`; unknown references stay as written, $$ is a literal $. */
export function expandVars(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m;
  });
}

/** A downward-API field of the pod (fieldRef.fieldPath). */
export function podField(pod: Pod, path: string): string {
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (m) {
    const map = (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations) ?? {};
    return map[m[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return Object.entries(pod.metadata?.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations':
      return Object.entries(pod.metadata?.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((p) => p.ip).join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** resourceFieldRef: limits.cpu / limits.memory / requests.* divided by the divisor, rounded up. */
export function resourceField(c: Container, resource: string, divisor: string | undefined, node: NodeAllocatable): string {
  const [kind, name] = resource.split('.') as [string, string | undefined];
  const map = kind === 'limits' ? c.resources?.limits : kind === 'requests' ? c.resources?.requests : undefined;
  if (!map || !name || (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage')) {
    if (!map && (kind === 'limits' || kind === 'requests') && (name === 'cpu' || name === 'memory')) {
      // unset: limits default to the node's allocatable, requests to 0 (cpu requests to the limit)
    } else {
      throw new ContainerConfigError(`unsupported container resource: ${resource}`);
    }
  }
  const raw = map?.[name ?? ''];
  let milli: number;
  if (raw !== undefined) milli = Quantity.parse(raw).milliValue();
  else if (kind === 'limits') milli = name === 'cpu' ? node.cpu * 1000 : node.memoryBytes * 1000;
  else milli = 0;
  const div = divisor ? Quantity.parse(divisor).milliValue() : 1000;
  return String(Math.ceil(milli / (div || 1000)));
}
