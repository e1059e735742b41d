// SPDX-License-Identifier: Apache-2.0
import { Option, type Command } from 'commander';
import type { KubeObject, ResourceInfo } from '@berth/api';
import { CliError } from './errors';
import { collect, intFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { namedTargets } from './targets';
import { sendGenerated } from './create-generators';

interface ContainerPort {
  containerPort?: number;
  protocol?: string;
  name?: string;
}

function podSpecOf(obj: KubeObject): Record<string, unknown> | undefined {
  if (obj.kind === 'Pod') return obj['spec'] as Record<string, unknown> | undefined;
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  return (spec?.['template'] as Record<string, unknown> | undefined)?.['spec'] as Record<string, unknown> | undefined;
}

/** The selector a Service for this object needs, with kubectl's errors for what cannot be exposed. */
export function selectorFor(info: ResourceInfo, obj: KubeObject): Record<string, string> {
  const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
  switch (info.kind) {
    case 'Pod':
      if (!obj.metadata?.labels || Object.keys(obj.metadata.labels).length === 0) {
        throw new CliError(`the pod has no labels and cannot be exposed`);
      }
      return obj.metadata.labels;
    case 'Service':
    case 'ReplicationController':
      return (spec['selector'] as Record<string, string> | undefined) ?? {};
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet': {
      const sel = (spec['selector'] ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
      if (sel.matchExpressions && sel.matchExpressions.length > 0) {
        throw new CliError(`couldn't convert expressions - "${JSON.stringify(sel.matchExpressions)}" to map-based selector format`);
      }
      return sel.matchLabels ?? {};
    }
    default:
      throw new CliError(`cannot expose a ${info.kind}`);
  }
}

/** The Service `expose` creates for an object. */
export function buildExposedService(info: ResourceInfo, obj: KubeObject, opts: Opts): KubeObject {
  const selector = selectorFor(info, obj);
  const name = (opts['name'] as string | undefined) ?? obj.metadata?.name ?? '';
  const port = intFlag(opts['port'], 'port');
  const protocol = opts['protocol'] as string | undefined;
  const target = opts['targetPort'] as string | undefined;
  const targetPort = target === undefined ? undefined : /^\d+$/.test(target) ? Number(target) : target;
  let ports: Array<Record<string, unknown>>;
  if (port !== undefined) {
    ports = [{ port, protocol: protocol ?? 'TCP', targetPort: targetPort ?? port }];
  } else {
    const exposed: ContainerPort[] =
      info.kind === 'Service'
        ? (((obj['spec'] as Record<string, unknown>)['ports'] as Array<{ port: number; protocol?: string }> | undefined) ?? []).map((p) => ({
            containerPort: p.port,
            ...(p.protocol ? { protocol: p.protocol } : {}),
          }))
        : ((podSpecOf(obj)?.['containers'] as Array<{ ports?: ContainerPort[] }> | undefined) ?? []).flatMap((c) => c.ports ?? []);
    if (exposed.length === 0) throw new CliError(`couldn't find port via --port flag or introspection`);
    ports = exposed.map((p, i) => ({
      ...(exposed.length > 1 ? { name: `port-${i + 1}` } : {}),
      port: p.containerPort,
      protocol: protocol ?? p.protocol ?? 'TCP',
      targetPort: targetPort ?? p.containerPort,
    }));
  }
  const labels = opts['labels'] ? Object.fromEntries(String(opts['labels']).split(',').map((kv) => kv.split('=', 2) as [string, string])) : obj.metadata?.labels;
  const externalIPs = opts['externalIp'] ? String(opts['externalIp']).split(',') : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...(labels && Object.keys(labels).length ? { labels } : {}) },
    spec: {
      ports,
      selector: opts['selector'] ? Object.fromEntries(String(opts['selector']).split(',').map((kv) => kv.split('=', 2) as [string, string])) : selector,
      ...(opts['type'] ? { type: String(opts['type']) } : {}),
      ...(externalIPs ? { externalIPs } : {}),
      ...(opts['sessionAffinity'] ? { sessionAffinity: String(opts['sessionAffinity']) } : {}),
    },
  };
}

/** Registers `expose`. */
export function registerExpose(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('expose')
    .description('Expose a deployment, replica set, replication controller, pod or service as a new Service')
    .argument('[args...]')
    .option('--port <port>', 'The port the service serves on (default: the container ports)')
    .option('--target-port <port>', 'Name or number of the container port traffic is sent to')
    .option('--type <type>', 'ClusterIP (default), NodePort or LoadBalancer')
    .option('--name <name>', 'The name of the new service (default: the exposed object\'s)')
    .option('--protocol <protocol>', 'TCP (default), UDP or SCTP')
    .option('--labels <k=v,...>', 'Labels of the service (default: the exposed object\'s)')
    .option('--selector <k=v,...>', 'Selector of the service (default: the exposed object\'s)')
    .option('--external-ip <ip>', 'External IP address(es) of the service')
    .option('--session-affinity <mode>', 'None or ClientIP')
    .option('-f, --filename <file>', 'The object a manifest names', collect)
    .option('-o, --output <format>', 'Output format')
    .addOption(new Option('--dry-run [mode]', 'none, client or server'));
  action(cmd, ctx, async (c, args, opts) => {
    for (const t of await namedTargets(c, args, opts, 'berth expose')) {
      const svc = buildExposedService(t.info, t.obj, opts);
      await sendGenerated(c, svc, { ...opts, __verb: 'exposed' });
    }
  });
}
