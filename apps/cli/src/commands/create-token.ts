// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import type { KubeObject } from '@berth/api';
import { CliError, UsageError } from './errors';
import { collect } from './flags';
import { action, type ContextFactory } from './program';

const SERVICEACCOUNTS = { group: '', version: 'v1', resource: 'serviceaccounts' };
const UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** A Go duration ("1h", "10m", "90s", "1h30m") in seconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? ''] ?? 0), 0);
}

/**
 * `berth create token SA`: asks the TokenRequest API (serviceaccounts/SA/token) for a bound
 * token and prints it, as `kubectl create token` does.
 */
export function registerCreateToken(create: Command, ctx: ContextFactory): void {
  const cmd = create
    .command('token')
    .description('Request a service account token')
    .argument('[args...]')
    .option('--audience <audience>', 'Intended audience of the token (repeatable); default: the API server’s', collect)
    .option('--duration <duration>', 'Requested lifetime of the token, e.g. 10m or 1h; default: the server’s (1h)', '0s')
    .option('--bound-object-kind <kind>', 'Kind of an object to bind the token to: Pod or Secret')
    .option('--bound-object-name <name>', 'Name of the object to bind the token to')
    .option('--bound-object-uid <uid>', 'UID of the object to bind the token to');
  action(cmd, ctx, async (c, args, opts) => {
    if (args.length !== 1) throw new UsageError('exactly one NAME is required, got ' + String(args.length), 'berth create token');
    const name = args[0] ?? '';
    const seconds = parseDuration(String(opts['duration']));
    if (seconds === undefined) throw new CliError(`invalid argument "${String(opts['duration'])}" for "--duration" flag: time: invalid duration "${String(opts['duration'])}"`);
    if (!Number.isInteger(seconds)) throw new CliError('--duration cannot be expressed in units less than seconds');
    const kind = opts['boundObjectKind'] as string | undefined;
    const boundName = opts['boundObjectName'] as string | undefined;
    const boundUid = opts['boundObjectUid'] as string | undefined;
    if (kind !== undefined && kind !== 'Pod' && kind !== 'Secret') throw new CliError(`supported --bound-object-kind values are Pod, Secret`);
    if (kind && !boundName) throw new CliError('--bound-object-name is required if --bound-object-kind is provided');
    if (!kind && boundName) throw new CliError('--bound-object-name can only be set if --bound-object-kind is provided');
    if (!kind && boundUid) throw new CliError('--bound-object-uid can only be set if --bound-object-kind is provided');
    const audiences = (opts['audience'] as string[] | undefined) ?? [];
    const request: KubeObject = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name, namespace: c.namespace },
      spec: {
        ...(audiences.length > 0 ? { audiences } : {}),
        ...(seconds > 0 ? { expirationSeconds: seconds } : {}),
        ...(kind ? { boundObjectRef: { kind, apiVersion: 'v1', name: boundName, ...(boundUid ? { uid: boundUid } : {}) } } : {}),
      },
    };
    const answer = await c.client().create<KubeObject>(SERVICEACCOUNTS, c.namespace, request, { subresource: 'token' });
    const token = (answer['status'] as { token?: string } | undefined)?.token;
    if (!token) throw new CliError('failed to create token: no token in the response');
    c.stdout.write(`${token}\n`);
  });
}
