// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { resolveResource } from '@berth/api';
import { UsageError } from './errors';
import { boolFlag } from './flags';
import { action, type ContextFactory } from './program';

/**
 * Registers `auth can-i`. Berth has no authorization yet (RBAC objects are stored but not
 * enforced), so every request is allowed and the answer is always "yes"; the command
 * still checks its arguments so scripts written for kubectl behave the same.
 */
export function registerAuth(program: Command, ctx: ContextFactory): void {
  const auth = program.command('auth').description('Inspect authorization');
  const canI = auth
    .command('can-i')
    .description(
      'Check whether an action is allowed. Berth does not enforce authorization yet: every request is allowed, so the answer is always "yes".',
    )
    .argument('[args...]')
    .option('--subresource <name>', 'SubResource such as pod/log or deployment/scale');
  boolFlag(canI, '-q, --quiet', 'If true, suppress output and just return the exit code');
  boolFlag(canI, '--list', 'If true, prints all allowed actions');
  action(canI, ctx, async (c, args, opts) => {
    if (opts['list']) {
      c.stdout.write('Resources   Non-Resource URLs   Resource Names   Verbs\n*.*         []                  []               [*]\n            [*]                 []               [*]\n');
      return;
    }
    const [verb, resource] = args;
    if (!verb || (!resource && !verb.startsWith('/'))) {
      throw new UsageError('you must specify two arguments: verb resource or verb resource/resourceName.', 'berth auth can-i');
    }
    const res = (resource ?? '').split('/')[0] ?? '';
    if (res && res !== '*' && !verb.startsWith('/') && !resolveResource(res.split('.')[0] ?? res)) {
      c.stderr.write(`Warning: the server doesn't have a resource type '${res}'\n\n`);
    }
    if (!opts['quiet']) c.stdout.write('yes\n');
  });
}
