// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, intFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { resolveType, typeOf } from './resources';

/** The pod a `logs`/`exec` argument names: `db`, `pod/db`, `deployment/web` is refused for now. */
export function podName(arg: string): string {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const info = resolveType(arg.slice(0, slash));
  if (info.kind !== 'Pod') throw new CliError(`berth can only read logs of and exec into pods for now, not ${info.resource}`);
  return arg.slice(slash + 1);
}

/** Checks the pod exists (so a typo gets kubectl's NotFound), then says why exec cannot run yet. */
async function execNotYet(ctx: CommandContext, pod: string): Promise<never> {
  await ctx.client().get(typeOf(resolveType('pods')), ctx.namespace, pod);
  throw new CliError('exec is not available yet: the kubelet runs exec sessions, but the apiserver does not relay them to it yet');
}

/** `--since 5s|2m|3h` in seconds. */
function sinceSeconds(v: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(v);
  if (!m) throw new CliError(`invalid argument "${v}" for "--since" flag: time: invalid duration "${v}"`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/** Registers `logs` (through the apiserver's NodeProxy) and `exec` (every flag parsed; the relay is still to come). */
export function registerLogsExec(program: Command, ctx: ContextFactory): void {
  const logs = program
    .command('logs')
    .description('Print the logs for a container in a pod')
    .argument('[args...]')
    .option('-c, --container <name>', 'Print the logs of this container')
    .option('--tail <lines>', 'Lines of recent log file to display (-1: all)', '-1')
    .option('--since <duration>', 'Only return logs newer than a relative duration like 5s, 2m, or 3h')
    .option('--since-time <time>', 'Only return logs after a specific date (RFC3339)')
    .option('-l, --selector <selector>', 'Label selector');
  boolFlag(logs, '-f, --follow', 'Specify if the logs should be streamed');
  boolFlag(logs, '-p, --previous', 'Print the logs for the previous instance of the container');
  boolFlag(logs, '--timestamps', 'Include timestamps on each line');
  boolFlag(logs, '--all-containers', 'Get all containers\' logs in the pod(s)');
  action(logs, ctx, async (c, args: string[], opts: Opts) => {
    intFlag(opts['tail'], 'tail');
    const [target] = args;
    if (!target && !opts['selector']) throw new UsageError('expected POD or TYPE/NAME is a required argument for the logs command', 'berth logs');
    if (args.length > 2) throw new UsageError('expected at most 2 arguments: POD [CONTAINER]', 'berth logs');
    if (!target) throw new CliError('berth logs -l is not supported yet: name the pod');
    const client = c.client();
    if (!client.logs) throw new CliError('this client cannot read logs');
    const tail = Number(opts['tail'] ?? -1);
    const since = opts['since'] === undefined ? undefined : sinceSeconds(String(opts['since']));
    const chunks = client.logs({
      namespace: c.namespace,
      name: podName(target),
      ...(typeof opts['container'] === 'string' ? { container: opts['container'] } : args[1] ? { container: args[1] } : {}),
      ...(opts['follow'] ? { follow: true } : {}),
      ...(opts['previous'] ? { previous: true } : {}),
      ...(opts['timestamps'] ? { timestamps: true } : {}),
      ...(tail >= 0 ? { tailLines: tail } : {}),
      ...(since !== undefined ? { sinceSeconds: since } : {}),
    });
    // Like kubectl, the container's stdout and stderr both go to stdout.
    for await (const chunk of chunks) c.stdout.write(Buffer.from(chunk.data).toString('utf8'));
  });

  const exec = program
    .command('exec')
    .description('Execute a command in a container (not relayed by the apiserver yet)')
    .argument('[args...]')
    .option('-c, --container <name>', 'Container name (default: the first container)');
  boolFlag(exec, '-i, --stdin', 'Pass stdin to the container');
  boolFlag(exec, '-t, --tty', 'Stdin is a TTY');
  boolFlag(exec, '-q, --quiet', 'Only print output from the remote session');
  action(exec, ctx, async (c, args: string[]) => {
    const [target, ...command] = args;
    if (!target) throw new UsageError('pod or type/name must be specified', 'berth exec');
    if (command.length === 0) throw new UsageError('you must specify at least one command for the container', 'berth exec');
    await execNotYet(c, podName(target));
  });
}
