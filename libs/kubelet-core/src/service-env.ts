// SPDX-License-Identifier: Apache-2.0
import type { coreV1 } from '@berth/api-types';

type Service = coreV1.ServiceJson;

/**
 * The environment variables Kubernetes gives every container for the Services it can
 * see (kubelet's envvars.FromServices): `<NAME>_SERVICE_HOST/_PORT[_<PORTNAME>]` and the
 * Docker-link style `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
 * Services without a cluster IP (headless, ExternalName) give none.
 */
export function serviceEnv(services: readonly Service[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const svc of services) {
    const ip = svc.spec?.clusterIP ?? '';
    if (!ip || ip === 'None') continue;
    const ports = svc.spec?.ports ?? [];
    const first = ports[0];
    if (!first) continue;
    const name = envName(svc.metadata?.name ?? '');
    vars.set(`${name}_SERVICE_HOST`, ip);
    vars.set(`${name}_SERVICE_PORT`, String(first.port));
    for (const p of ports) if (p.name) vars.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    vars.set(`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`);
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${proto.toUpperCase()}`;
      vars.set(prefix, `${proto.toLowerCase()}://${ip}:${p.port}`);
      vars.set(`${prefix}_PROTO`, proto.toLowerCase());
      vars.set(`${prefix}_PORT`, String(p.port));
      vars.set(`${prefix}_ADDR`, ip);
    }
  }
  return vars;
}

/** `go-demo-2-db` → `GO_DEMO_2_DB`. */
function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

/**
 * The Services whose variables a pod gets: those of its namespace when enableServiceLinks
 * (default true), and always the `kubernetes` Service of the default namespace.
 */
export function visibleServices(pod: { metadata?: { namespace?: string }; spec?: { enableServiceLinks?: boolean } }, inNamespace: (ns: string) => readonly Service[]): Service[] {
  const master = inNamespace('default').filter((s) => s.metadata?.name === 'kubernetes');
  const own = pod.spec?.enableServiceLinks === false ? [] : inNamespace(pod.metadata?.namespace ?? 'default');
  return [...master, ...own.filter((s) => !master.includes(s))];
}
