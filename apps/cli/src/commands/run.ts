// SPDX-License-Identifier: Apache-2.0
import { Option, type Command } from 'commander';
import type { KubeObject } from '@berth/api';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, intFlag } from './flags';
import { action, type ContextFactory } from './program';
import { sendGenerated } from './create-generators';

/** What `run` was asked for, after flag parsing. */
export interface RunSpec {
  name: string;
  image: string;
  restart: 'Always' | 'OnFailure' | 'Never';
  port?: number;
  env: string[];
  labels?: string;
  /** Words after the name: the container's args (or its command with --command). */
  words: string[];
  command: boolean;
  requests?: string;
  limits?: string;
  imagePullPolicy?: string;
  serviceAccount?: string;
}

function pairs(spec: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid ${flag} format: ${part}, expected key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The Pod `run` creates (kubectl's run-pod/v1 generator: label run=NAME, container NAME). */
export function buildRunPod(spec: RunSpec): KubeObject {
  const labels = spec.labels ? pairs(spec.labels, 'labels') : { run: spec.name };
  const env = spec.env.map((e) => {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid env: ${e}`);
    return { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
  const resources: Record<string, unknown> = {};
  if (spec.requests) resources['requests'] = pairs(spec.requests, 'requests');
  if (spec.limits) resources['limits'] = pairs(spec.limits, 'limits');
  const container: Record<string, unknown> = {
    name: spec.name,
    image: spec.image,
    ...(spec.words.length ? { [spec.command ? 'command' : 'args']: spec.words } : {}),
    ...(env.length ? { env } : {}),
    ...(spec.imagePullPolicy ? { imagePullPolicy: spec.imagePullPolicy } : {}),
    ...(spec.port !== undefined ? { ports: [{ containerPort: spec.port }] } : {}),
    resources,
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, labels },
    spec: {
      containers: [container],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: spec.restart,
      ...(spec.serviceAccount ? { serviceAccountName: spec.serviceAccount } : {}),
    },
  };
}

/** Registers `run`. */
export function registerRun(program: Command, ctx: ContextFactory): void {
  const cmd = program
    .command('run')
    .description('Run a particular image in a new Pod (NAME --image=IMAGE [-- ARGS...])')
    .argument('[args...]')
    .option('--image <image>', 'The image for the container to run')
    .option('--restart <policy>', 'The pod restart policy: Always, OnFailure or Never', 'Always')
    .option('--port <port>', 'The port the container exposes')
    .option('--env <k=v>', 'Environment variables to set in the container (repeatable)', collect)
    .option('--labels <k=v,...>', 'Labels to apply to the pod (default run=NAME)')
    .option('--requests <k=v,...>', 'Resource requests, e.g. cpu=100m,memory=256Mi')
    .option('--limits <k=v,...>', 'Resource limits, e.g. cpu=200m,memory=512Mi')
    .option('--image-pull-policy <policy>', 'The image pull policy for the container')
    .option('--serviceaccount <name>', 'Service account to set in the pod spec')
    .option('--replicas <n>', 'Not supported: run creates one Pod')
    .option('-o, --output <format>', 'Output format: json|yaml|name|...')
    .addOption(new Option('--dry-run [mode]', 'none, client or server'));
  boolFlag(cmd, '--command', 'Use the extra arguments as the container command instead of its args');
  boolFlag(cmd, '-i, --stdin', 'Keep stdin open on the container (needs attach)');
  boolFlag(cmd, '-t, --tty', 'Allocate a TTY (needs attach)');
  boolFlag(cmd, '--attach', 'Wait for the Pod to start and attach to it');
  boolFlag(cmd, '--rm', 'Delete the Pod after it exits (needs attach)');
  action(cmd, ctx, async (c, args, opts) => {
    const [name, ...words] = args;
    if (!name) throw new UsageError('NAME is required for run', 'berth run');
    const image = opts['image'] as string | undefined;
    if (!image) throw new CliError('required flag(s) "image" not set');
    const restart = String(opts['restart']);
    if (restart !== 'Always' && restart !== 'OnFailure' && restart !== 'Never') {
      throw new CliError(`invalid restart policy: ${restart}`);
    }
    if (opts['stdin'] || opts['tty'] || opts['attach'] || opts['rm']) {
      throw new CliError(
        'berth run -i/-t/--attach/--rm needs to attach to the container, which the kubelet will serve (issue 4) and Berth does not have yet; run the Pod without them and read its output later with berth logs',
      );
    }
    if (opts['replicas'] !== undefined) {
      c.stderr.write(`Warning: --replicas is ignored: run creates one Pod; use 'berth create deployment ${name} --image=${image} --replicas=N' for replicas\n`);
    }
    const pod = buildRunPod({
      name,
      image,
      restart,
      ...(opts['port'] !== undefined ? { port: intFlag(opts['port'], 'port') as number } : {}),
      env: (opts['env'] as string[] | undefined) ?? [],
      ...(opts['labels'] ? { labels: String(opts['labels']) } : {}),
      words,
      command: Boolean(opts['command']),
      ...(opts['requests'] ? { requests: String(opts['requests']) } : {}),
      ...(opts['limits'] ? { limits: String(opts['limits']) } : {}),
      ...(opts['imagePullPolicy'] ? { imagePullPolicy: String(opts['imagePullPolicy']) } : {}),
      ...(opts['serviceaccount'] ? { serviceAccount: String(opts['serviceaccount']) } : {}),
    });
    await sendGenerated(c, pod, opts);
  });
}
