// SPDX-License-Identifier: Apache-2.0
import type { KubeObject } from '../object';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Converts an object written in an older apiVersion the book uses (apps/v1beta1,
 * apps/v1beta2, extensions/v1beta1, networking.k8s.io/v1beta1...) to the shape of the
 * served version. Only the shapes that changed need work; the caller sets apiVersion.
 */
export function convertLegacy(obj: KubeObject, fromApiVersion: string): KubeObject {
  const kind = obj.kind;
  if (kind === 'Ingress' && (fromApiVersion === 'extensions/v1beta1' || fromApiVersion === 'networking.k8s.io/v1beta1')) {
    return convertIngressV1beta1(obj);
  }
  if (
    (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'DaemonSet' || kind === 'StatefulSet') &&
    (fromApiVersion === 'extensions/v1beta1' || fromApiVersion === 'apps/v1beta1')
  ) {
    return defaultSelectorFromTemplate(obj);
  }
  return obj;
}

/** In extensions/v1beta1 and apps/v1beta1 the selector defaulted to the template's labels. */
function defaultSelectorFromTemplate(obj: KubeObject): KubeObject {
  const spec = obj['spec'];
  if (!isObj(spec) || spec['selector'] !== undefined) return obj;
  const template = spec['template'];
  const labels = isObj(template) && isObj(template['metadata']) ? template['metadata']['labels'] : undefined;
  if (!isObj(labels)) return obj;
  const out = { ...obj, spec: { ...spec, selector: { matchLabels: { ...labels } } } };
  if (obj['spec'] && isObj(obj['spec']) && obj['spec']['rollbackTo'] !== undefined) {
    delete (out.spec as Json)['rollbackTo'];
  }
  return out;
}

/** serviceName/servicePort → service.name/service.port.{number|name}; backend → defaultBackend. */
function convertBackend(b: unknown): unknown {
  if (!isObj(b)) return b;
  if (b['serviceName'] === undefined && b['servicePort'] === undefined) return b;
  const { serviceName, servicePort, ...rest } = b;
  const port = typeof servicePort === 'number' ? { number: servicePort } : servicePort === undefined ? undefined : /^\d+$/.test(String(servicePort)) ? { number: Number(servicePort) } : { name: String(servicePort) };
  return { ...rest, service: { name: serviceName, ...(port ? { port } : {}) } };
}

function convertIngressV1beta1(obj: KubeObject): KubeObject {
  const spec = obj['spec'];
  if (!isObj(spec)) return obj;
  const { backend, rules, ...rest } = spec;
  const out: Json = { ...rest };
  if (backend !== undefined) out['defaultBackend'] = convertBackend(backend);
  if (Array.isArray(rules)) {
    out['rules'] = rules.map((r: unknown) => {
      if (!isObj(r) || !isObj(r['http']) || !Array.isArray(r['http']['paths'])) return r;
      return {
        ...r,
        http: {
          ...r['http'],
          paths: (r['http']['paths'] as unknown[]).map((p) =>
            isObj(p) ? { pathType: 'ImplementationSpecific', ...p, backend: convertBackend(p['backend']) } : p,
          ),
        },
      };
    });
  }
  return { ...obj, spec: out };
}
