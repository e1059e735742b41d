// SPDX-License-Identifier: Apache-2.0
/** Describers of Service, Endpoints, EndpointSlice and Ingress. */
import type { KubeObject } from '@berth/api';
import { arr, get, has, num, obj, str, strArr, strMap } from './json';
import { tryList, type DescribeContext } from './context';
import { describeEvents } from './events';
import { annotationsOf, byteOrder, formatLabels, intOrString, labelsOf, printAnnotationsMultiline, printLabelsMultiline } from './format';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, tabbedString, type PrefixWriter } from './prefix-writer';

function events(w: PrefixWriter, ctx: DescribeContext): void {
  if (ctx.showEvents) describeEvents(ctx.events, w, ctx.now);
}

/** A Service's endpoints, as EndpointSlices (Endpoints objects are converted to the same shape). */
async function endpointSlicesFor(ctx: DescribeContext, namespace: string, service: string): Promise<KubeObject[]> {
  const slices = await tryList(ctx, 'endpointslices', 'discovery.k8s.io', namespace, {
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  const own = slices.items.filter((s) => strMap(s, 'metadata.labels')['kubernetes.io/service-name'] === service);
  if (own.length > 0) return own;
  // Without slices, the Endpoints object says the same thing.
  const eps = await tryList(ctx, 'endpoints', '', namespace);
  const ep = eps.items.find((e) => str(e, 'metadata.name') === service);
  return ep ? endpointsAsSlices(ep) : [];
}

function endpointsAsSlices(ep: KubeObject): KubeObject[] {
  return arr(ep, 'subsets').map((subset) => ({
    ports: arr(subset, 'ports').map((p) => ({ name: str(p, 'name'), port: num(p, 'port'), protocol: str(p, 'protocol') })),
    endpoints: [
      ...arr(subset, 'addresses').map((a) => ({ addresses: [str(a, 'ip')], conditions: { ready: true } })),
      ...arr(subset, 'notReadyAddresses').map((a) => ({ addresses: [str(a, 'ip')], conditions: { ready: false } })),
    ],
  }));
}

/** net.JoinHostPort. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** kubectl's formatEndpointSlices: up to three ready `ip:port`, then ` + N more...`; ports=undefined for all. */
export function formatEndpointSlices(slices: unknown[], ports: Set<string> | undefined): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const slice of slices) {
    const endpoints = arr(slice, 'endpoints');
    const slicePorts = arr(slice, 'ports');
    const ready = (e: unknown): boolean => get(e, 'conditions.ready') !== false;
    if (slicePorts.length === 0) {
      for (const e of endpoints) {
        if (list.length === max) more = true;
        if (!ready(e)) continue;
        if (!more) list.push(strArr(e, 'addresses')[0] ?? '');
        count++;
      }
    } else {
      for (const port of slicePorts) {
        if (ports !== undefined && !ports.has(str(port, 'name'))) continue;
        for (const e of endpoints) {
          if (list.length === max) more = true;
          if (!ready(e)) continue;
          if (!more) list.push(joinHostPort(strArr(e, 'addresses')[0] ?? '', num(port, 'port')));
          count++;
        }
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

/** kubectl describe service. */
export async function describeService(svc: KubeObject, ctx: DescribeContext): Promise<string> {
  const slices = await endpointSlicesFor(ctx, str(svc, 'metadata.namespace'), str(svc, 'metadata.name'));
  return tabbedString((w) => {
    const spec = obj(svc, 'spec');
    w.write(LEVEL_0, `Name:\t${str(svc, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(svc, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(svc));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(svc));
    w.write(LEVEL_0, `Selector:\t${formatLabels(strMap(spec, 'selector'))}\n`);
    w.write(LEVEL_0, `Type:\t${str(spec, 'type')}\n`);
    if (has(spec, 'ipFamilyPolicy')) w.write(LEVEL_0, `IP Family Policy:\t${str(spec, 'ipFamilyPolicy')}\n`);
    const families = strArr(spec, 'ipFamilies');
    w.write(LEVEL_0, `IP Families:\t${families.length > 0 ? families.join(',') : '<none>'}\n`);
    w.write(LEVEL_0, `IP:\t${str(spec, 'clusterIP')}\n`);
    const ips = strArr(spec, 'clusterIPs');
    w.write(LEVEL_0, `IPs:\t${ips.length > 0 ? ips.join(',') : '<none>'}\n`);
    if (strArr(spec, 'externalIPs').length > 0) w.write(LEVEL_0, `External IPs:\t${strArr(spec, 'externalIPs').join(',')}\n`);
    if (str(spec, 'loadBalancerIP')) w.write(LEVEL_0, `Desired LoadBalancer IP:\t${str(spec, 'loadBalancerIP')}\n`);
    if (str(spec, 'externalName')) w.write(LEVEL_0, `External Name:\t${str(spec, 'externalName')}\n`);
    const lbIngress = arr(svc, 'status.loadBalancer.ingress');
    if (lbIngress.length > 0) {
      const list = lbIngress
        .map((i) => (str(i, 'ip') ? str(i, 'ip') + (str(i, 'ipMode') ? ` (${str(i, 'ipMode')})` : '') : str(i, 'hostname')))
        .join(', ');
      w.write(LEVEL_0, `LoadBalancer Ingress:\t${list}\n`);
    }
    for (const sp of arr(spec, 'ports')) {
      const name = str(sp, 'name') || '<unset>';
      const protocol = str(sp, 'protocol') || 'TCP';
      w.write(LEVEL_0, `Port:\t${name}\t${num(sp, 'port')}/${protocol}\n`);
      const target = get(sp, 'targetPort');
      w.write(LEVEL_0, `TargetPort:\t${target === undefined ? num(sp, 'port') : intOrString(target)}/${protocol}\n`);
      if (num(sp, 'nodePort') !== 0) w.write(LEVEL_0, `NodePort:\t${name}\t${num(sp, 'nodePort')}/${protocol}\n`);
      w.write(LEVEL_0, `Endpoints:\t${formatEndpointSlices(slices, new Set([str(sp, 'name')]))}\n`);
    }
    w.write(LEVEL_0, `Session Affinity:\t${str(spec, 'sessionAffinity')}\n`);
    if (str(spec, 'externalTrafficPolicy')) w.write(LEVEL_0, `External Traffic Policy:\t${str(spec, 'externalTrafficPolicy')}\n`);
    if (has(spec, 'internalTrafficPolicy')) w.write(LEVEL_0, `Internal Traffic Policy:\t${str(spec, 'internalTrafficPolicy')}\n`);
    if (num(spec, 'healthCheckNodePort') !== 0) w.write(LEVEL_0, `HealthCheck NodePort:\t${num(spec, 'healthCheckNodePort')}\n`);
    if (strArr(spec, 'loadBalancerSourceRanges').length > 0) {
      w.write(LEVEL_0, `LoadBalancer Source Ranges:\t${strArr(spec, 'loadBalancerSourceRanges').join(',')}\n`);
    }
    if (str(spec, 'trafficDistribution')) w.write(LEVEL_0, `Traffic Distribution:\t${str(spec, 'trafficDistribution')}\n`);
    events(w, ctx);
  });
}

/** kubectl describe endpoints. */
export function describeEndpoints(ep: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(ep, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(ep, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(ep));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(ep));
    w.write(LEVEL_0, 'Subsets:\n');
    for (const subset of arr(ep, 'subsets')) {
      const ips = (field: string): string => arr(subset, field).map((a) => str(a, 'ip')).join(',') || '<none>';
      w.write(LEVEL_1, `Addresses:\t${ips('addresses')}\n`);
      w.write(LEVEL_1, `NotReadyAddresses:\t${ips('notReadyAddresses')}\n`);
      const ports = arr(subset, 'ports');
      if (ports.length > 0) {
        w.write(LEVEL_1, 'Ports:\n');
        w.write(LEVEL_2, 'Name\tPort\tProtocol\n');
        w.write(LEVEL_2, '----\t----\t--------\n');
        for (const p of ports) w.write(LEVEL_2, `${str(p, 'name') || '<unset>'}\t${num(p, 'port')}\t${str(p, 'protocol')}\n`);
      }
      w.write(LEVEL_0, '\n');
    }
    events(w, ctx);
  });
}

/** kubectl describe endpointslice. */
export function describeEndpointSlice(eps: KubeObject, ctx: DescribeContext): Promise<string> {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(eps, 'metadata.name')}\n`);
    w.write(LEVEL_0, `Namespace:\t${str(eps, 'metadata.namespace')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(eps));
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(eps));
    w.write(LEVEL_0, `AddressType:\t${str(eps, 'addressType')}\n`);
    const ports = arr(eps, 'ports');
    if (ports.length === 0) {
      w.write(LEVEL_0, 'Ports: <unset>\n');
    } else {
      w.write(LEVEL_0, 'Ports:\n');
      w.write(LEVEL_1, 'Name\tPort\tProtocol\n');
      w.write(LEVEL_1, '----\t----\t--------\n');
      for (const p of ports) {
        const port = has(p, 'port') ? String(num(p, 'port')) : '<unset>';
        w.write(LEVEL_1, `${str(p, 'name') || '<unset>'}\t${port}\t${str(p, 'protocol')}\n`);
      }
    }
    const endpoints = arr(eps, 'endpoints');
    if (endpoints.length === 0) {
      w.write(LEVEL_0, 'Endpoints: <none>\n');
    } else {
      w.write(LEVEL_0, 'Endpoints:\n');
      for (const e of endpoints) {
        w.write(LEVEL_1, `- Addresses:\t${strArr(e, 'addresses').join(', ') || '<none>'}\n`);
        w.write(LEVEL_2, 'Conditions:\n');
        const ready = get(e, 'conditions.ready');
        w.write(LEVEL_3, `Ready:\t${typeof ready === 'boolean' ? String(ready) : '<unset>'}\n`);
        w.write(LEVEL_2, `Hostname:\t${has(e, 'hostname') ? str(e, 'hostname') : '<unset>'}\n`);
        if (has(e, 'targetRef')) w.write(LEVEL_2, `TargetRef:\t${str(e, 'targetRef.kind')}/${str(e, 'targetRef.name')}\n`);
        w.write(LEVEL_2, `NodeName:\t${has(e, 'nodeName') ? str(e, 'nodeName') : '<unset>'}\n`);
        w.write(LEVEL_2, `Zone:\t${has(e, 'zone') ? str(e, 'zone') : '<unset>'}\n`);
      }
    }
    events(w, ctx);
  });
}

/** The backend text of one Ingress rule path (describeBackendV1 / V1beta1). */
async function describeBackend(ctx: DescribeContext, namespace: string, backend: unknown, services: KubeObject[] | Error): Promise<string> {
  const legacy = has(backend, 'serviceName');
  const serviceName = legacy ? str(backend, 'serviceName') : str(backend, 'service.name');
  if (!legacy && !has(backend, 'service')) {
    if (has(backend, 'resource')) {
      const group = has(backend, 'resource.apiGroup') ? str(backend, 'resource.apiGroup') : '<none>';
      return `APIGroup: ${group}, Kind: ${str(backend, 'resource.kind')}, Name: ${str(backend, 'resource.name')}`;
    }
    return '';
  }
  const portValue = legacy ? get(backend, 'servicePort') : has(backend, 'service.port.number') ? num(backend, 'service.port.number') : str(backend, 'service.port.name');
  const sb = `${serviceName}:${intOrString(portValue)}`;
  const fail = (msg: string): string => (legacy ? `<error: ${msg}>` : `${sb} (<error: ${msg}>)`);
  if (services instanceof Error) return fail(services.message);
  const service = services.find((s) => str(s, 'metadata.name') === serviceName);
  if (!service) return fail(`services "${serviceName}" not found`);
  let spName = '';
  for (const sp of arr(service, 'spec.ports')) {
    if (typeof portValue === 'number' && portValue !== 0 && portValue === num(sp, 'port')) spName = str(sp, 'name');
    else if (typeof portValue === 'string' && portValue !== '' && portValue === str(sp, 'name')) spName = str(sp, 'name');
  }
  const ep = formatEndpointSlices(await endpointSlicesFor(ctx, namespace, serviceName), new Set([spName]));
  return legacy ? ep : `${sb} (${ep})`;
}

/** kubectl describe ingress (networking.k8s.io/v1, and the v1beta1 shape the book's manifests use). */
export async function describeIngress(ing: KubeObject, ctx: DescribeContext): Promise<string> {
  const ns = str(ing, 'metadata.namespace');
  const svcList = await tryList(ctx, 'services', '', ns);
  const services = svcList.error ?? svcList.items;
  const spec = obj(ing, 'spec');
  const legacy = has(spec, 'backend') || arr(spec, 'rules').some((r) => arr(r, 'http.paths').some((p) => has(p, 'backend.serviceName')));
  const def = legacy ? get(spec, 'backend') : get(spec, 'defaultBackend');
  const defaultBackend = has(def) ? await describeBackend(ctx, ns, def, services) : '<default>';
  const rules: { host: string; paths: { path: string; backend: string }[] }[] = [];
  for (const rule of arr(spec, 'rules')) {
    if (!has(rule, 'http')) continue;
    const paths: { path: string; backend: string }[] = [];
    for (const p of arr(rule, 'http.paths')) {
      const text = await describeBackend(ctx, ns, get(p, 'backend'), services);
      const backend = legacy ? `${str(p, 'backend.serviceName')}:${intOrString(get(p, 'backend.servicePort'))} (${text})` : text;
      paths.push({ path: str(p, 'path'), backend });
    }
    rules.push({ host: str(rule, 'host') || '*', paths });
  }
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${str(ing, 'metadata.name')}\n`);
    printLabelsMultiline(w, 'Labels', labelsOf(ing));
    w.write(LEVEL_0, `Namespace:\t${ns}\n`);
    const addresses = [
      ...new Set(arr(ing, 'status.loadBalancer.ingress').map((i) => str(i, 'ip') || str(i, 'hostname')).filter((x) => x !== '')),
    ].sort(byteOrder);
    w.write(LEVEL_0, `Address:\t${addresses.join(',')}\n`);
    w.write(LEVEL_0, `Ingress Class:\t${has(spec, 'ingressClassName') ? str(spec, 'ingressClassName') : '<none>'}\n`);
    w.write(LEVEL_0, `Default backend:\t${defaultBackend}\n`);
    const tls = arr(spec, 'tls');
    if (tls.length > 0) {
      w.write(LEVEL_0, 'TLS:\n');
      for (const t of tls) {
        const hosts = strArr(t, 'hosts').join(',');
        if (str(t, 'secretName') === '') w.write(LEVEL_1, `SNI routes ${hosts}\n`);
        else w.write(LEVEL_1, `${str(t, 'secretName')} terminates ${hosts}\n`);
      }
    }
    w.write(LEVEL_0, 'Rules:\n  Host\tPath\tBackends\n');
    w.write(LEVEL_1, '----\t----\t--------\n');
    for (const r of rules) {
      w.write(LEVEL_1, `${r.host}\t\n`);
      for (const p of r.paths) w.write(LEVEL_2, `\t${p.path} \t${p.backend}\n`);
    }
    if (rules.length === 0) {
      if (legacy) w.write(LEVEL_1, '*\t* \t<default>\n');
      else w.write(LEVEL_1, `*\t*\t${defaultBackend}\n`);
    }
    printAnnotationsMultiline(w, 'Annotations', annotationsOf(ing));
    events(w, ctx);
  });
}
