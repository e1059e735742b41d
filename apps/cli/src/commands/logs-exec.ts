// SPDX-License-Identifier: Apache-2.0
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { StatusError, type ExecInput, type KubeObject } from '@berth/api';
import type { CommandContext, Output } from './context';
import { CliError, ExitCodeError, UsageError } from './errors';
import { boolFlag, intFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { podForTarget, podsForSelector } from './pods-for';
import { pushQueue } from './push-queue';
import { resolveType, typeOf } from './resources';

const PODS = { group: '', version: 'v1', resource: 'pods' };

/** `--since 5s|2m|3h` in seconds. */
function sinceSeconds(v: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(v);
  if (!m) throw new CliError(`invalid argument "${v}" for "--since" flag: time: invalid duration "${v}"`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/** Registers `logs` and `exec`, both through the apiserver's NodeProxy. */
export function registerLogsExec(program: Command, ctx: ContextFactory): void {
  const logs = program
    .command('logs')
    .description('Print the logs for a container in a pod')
    .argument('[args...]')
    .option('-c, --container <name>', 'Print the logs of this container')
    .option('--tail <lines>', 'Lines of recent log file to display (default -1, all; 10 with a selector)')
    .option('--max-log-requests <n>', 'Maximum number of concurrent logs to follow with a selector (default 5)')
    .option('--since <duration>', 'Only return logs newer than a relative duration like 5s, 2m, or 3h')
    .option('--since-time <time>', 'Only return logs after a specific date (RFC3339)')
    .option('-l, --selector <selector>', 'Label selector');
  boolFlag(logs, '-f, --follow', 'Specify if the logs should be streamed');
  boolFlag(logs, '-p, --previous', 'Print the logs for the previous instance of the container');
  boolFlag(logs, '--timestamps', 'Include timestamps on each line');
  boolFlag(logs, '--all-containers', 'Get all containers\' logs in the pod(s)');
  boolFlag(logs, '--prefix', 'Prefix each log line with the log source (pod name and container name)');
  action(logs, ctx, async (c, args: string[], opts: Opts) => {
    const [target] = args;
    const selector = typeof opts['selector'] === 'string' ? opts['selector'] : undefined;
    if (!target && !selector) throw new UsageError('expected POD or TYPE/NAME is a required argument for the logs command', 'berth logs');
    if (target && selector) throw new CliError('only a selector (-l) or a POD name is allowed');
    if (args.length > 2) throw new UsageError('expected at most 2 arguments: POD [CONTAINER]', 'berth logs');
    const client = c.client();
    if (!client.logs) throw new CliError('this client cannot read logs');
    // As kubectl: all lines of one pod, the last 10 of each when a selector picks the pods.
    const tail = intFlag(opts['tail'], 'tail') ?? (selector ? 10 : -1);
    const maxRequests = intFlag(opts['maxLogRequests'], 'max-log-requests') ?? 5;
    const since = opts['since'] === undefined ? undefined : sinceSeconds(String(opts['since']));
    const named = typeof opts['container'] === 'string' ? opts['container'] : args[1];
    const allContainers = Boolean(opts['allContainers']);

    const pods = selector ? await podsForSelector(c, selector) : [await c.client().get<KubeObject>(PODS, c.namespace, await podForTarget(c, target ?? ''))];
    if (selector && pods.length === 0) c.stderr.write(`No resources found in ${c.namespace} namespace.\n`);
    const streams = pods.flatMap((pod) => {
      const names = ((pod['spec'] as PodSpecNames | undefined)?.containers ?? []).map((x) => x.name);
      const containers = allContainers ? names : [named ?? (names.length === 1 ? names[0] : undefined)];
      return containers.map((container) => ({ pod: pod.metadata?.name ?? '', container }));
    });
    if (opts['follow'] && streams.length > maxRequests) {
      throw new CliError(`you are attempting to follow ${streams.length} log streams, but maximum allowed concurrency is ${maxRequests}, use --max-log-requests to increase the limit`);
    }
    const read = async (s: { pod: string; container: string | undefined }): Promise<void> => {
      const chunks = client.logs?.({
        namespace: c.namespace,
        name: s.pod,
        ...(s.container ? { container: s.container } : {}),
        ...(opts['follow'] ? { follow: true } : {}),
        ...(opts['previous'] ? { previous: true } : {}),
        ...(opts['timestamps'] ? { timestamps: true } : {}),
        ...(tail >= 0 ? { tailLines: tail } : {}),
        ...(since !== undefined ? { sinceSeconds: since } : {}),
      });
      // Like kubectl, the container's stdout and stderr both go to stdout, whole lines when prefixed.
      const out = lineWriter(c.stdout, opts['prefix'] ? `[pod/${s.pod}/${s.container ?? ''}] ` : '');
      for await (const chunk of chunks ?? []) out.write(chunk.data);
      out.end();
    };
    if (opts['follow']) await Promise.all(streams.map(read));
    else for (const s of streams) await read(s);
  });

  const exec = program
    .command('exec')
    .description('Execute a command in a container')
    .argument('[args...]')
    .option('-c, --container <name>', 'Container name (default: the first container)');
  boolFlag(exec, '-i, --stdin', 'Pass stdin to the container');
  boolFlag(exec, '-t, --tty', 'Stdin is a TTY');
  boolFlag(exec, '-q, --quiet', 'Only print output from the remote session');
  action(exec, ctx, async (c, args: string[], opts: Opts) => {
    const quiet = Boolean(opts['quiet']);
    // `exec POD -- CMD`: the words after `--` are the command (kubectl's ArgsLenAtDash).
    const dash = c.argv.indexOf('--');
    const atDash = dash < 0 ? -1 : args.length - (c.argv.length - dash - 1);
    const target = atDash === 0 ? undefined : args[0];
    const command = atDash >= 0 ? args.slice(atDash) : args.slice(1);
    if (atDash < 0 && args.length > 1 && !quiet) {
      c.stderr.write('berth exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use berth exec [POD] -- [COMMAND] instead.\n');
    }
    if (!target) throw new UsageError('pod or type/name must be specified', 'berth exec');
    if (command.length === 0) throw new UsageError('you must specify at least one command for the container', 'berth exec');
    await runExec(c, {
      name: await podForTarget(c, target),
      command,
      ...(typeof opts['container'] === 'string' ? { container: opts['container'] } : {}),
      stdin: Boolean(opts['stdin']),
      tty: Boolean(opts['tty']),
      quiet,
    });
  });
}

/** kubectl's annotation naming the container exec, logs and attach default to. */
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

interface PodSpecNames {
  containers?: { name: string }[];
  initContainers?: { name: string }[];
  ephemeralContainers?: { name: string }[];
}

/**
 * The container exec runs in when none is named, as kubectl picks it: the annotated
 * default, else the first, saying so when there was a choice.
 */
function defaultContainer(pod: KubeObject, quiet: boolean, stderr: Output): string {
  const name = pod.metadata?.name ?? '';
  const spec = (pod['spec'] ?? {}) as PodSpecNames;
  const containers = spec.containers ?? [];
  const first = containers[0];
  if (!first) throw new CliError(`pod ${pod.metadata?.namespace ?? ''}/${name} does not have any containers`);
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated) {
    if (containers.some((ct) => ct.name === annotated)) return annotated;
    stderr.write(`Warning: default container name ${JSON.stringify(annotated)} not found in pod ${name}\n`);
  }
  if (!quiet && (containers.length > 1 || (spec.initContainers ?? []).length > 0 || (spec.ephemeralContainers ?? []).length > 0)) {
    const all = [
      ...containers.map((ct) => ct.name),
      ...(spec.ephemeralContainers ?? []).map((ct) => `${ct.name} (ephem)`),
      ...(spec.initContainers ?? []).map((ct) => `${ct.name} (init)`),
    ];
    stderr.write(`Defaulted container ${JSON.stringify(first.name)} out of: ${all.join(', ')}\n`);
  }
  return first.name;
}

/** Writes a stream's bytes as they come: raw when the output takes bytes, else as UTF-8 text cut at whole characters. */
function byteWriter(out: Output): { write(data: Uint8Array): void; end(): void } {
  if (out.writeBytes) {
    const raw = out.writeBytes.bind(out);
    return { write: raw, end: () => {} };
  }
  const decoder = new StringDecoder('utf8');
  return {
    write: (data) => {
      const text = decoder.write(Buffer.from(data));
      if (text) out.write(text);
    },
    end: () => {
      const rest = decoder.end();
      if (rest) out.write(rest);
    },
  };
}

/**
 * Log text to `out`: with a prefix, whole lines each starting with it (kubectl --prefix),
 * so concurrent streams do not interleave mid-line; without one, as it comes.
 */
function lineWriter(out: Output, prefix: string): { write(data: Uint8Array): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (text: string, last: boolean): void => {
    if (!prefix) {
      if (text) out.write(text);
      return;
    }
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) out.write(`${prefix}${l}\n`);
    if (last && partial) out.write(`${prefix}${partial}\n`);
  };
  return { write: (data) => emit(decoder.write(Buffer.from(data)), false), end: () => emit(decoder.end(), true) };
}


/**
 * Runs the command in the pod as `kubectl exec` does: the pod must exist and not have
 * completed; stdin is sent with -i, and with -t (a terminal on stdin only) the terminal
 * goes raw, its size is sent at the start and on every resize, and is restored at the end.
 * A non-zero exit code becomes berth's own.
 */
async function runExec(c: CommandContext, o: { name: string; container?: string; command: string[]; stdin: boolean; tty: boolean; quiet: boolean }): Promise<void> {
  const client = c.client();
  if (!client.exec) throw new CliError('this client cannot exec');
  const pod = await client.get(typeOf(resolveType('pods')), c.namespace, o.name);
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const container = o.container ?? defaultContainer(pod, o.quiet, c.stderr);
  const term = c.terminal;
  // As kubectl: -t means nothing without -i, and needs a terminal to read from.
  let tty = o.tty && o.stdin;
  if (tty && !term.stdinIsTerminal) {
    tty = false;
    if (!o.quiet) c.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
  }
  const q = pushQueue<ExecInput>();
  const done = new AbortController();
  if (o.stdin) {
    void (async () => {
      for await (const data of term.input(done.signal)) q.push({ type: 'stdin', data });
      q.push({ type: 'closeStdin' });
    })().catch(() => q.push({ type: 'closeStdin' }));
  }
  let restore = (): void => {};
  let unwatch = (): void => {};
  if (tty) {
    restore = term.makeRaw();
    const sendSize = (): void => {
      const size = term.size();
      if (size) q.push({ type: 'resize', ...size });
    };
    sendSize();
    unwatch = term.onResize(sendSize);
  } else if (!o.stdin) {
    q.end();
  }
  const out = byteWriter(c.stdout);
  const err = byteWriter(c.stderr);
  let exitCode = 0;
  try {
    for await (const ev of client.exec({ namespace: c.namespace, name: o.name, container, command: o.command, stdin: o.stdin, tty }, q.values)) {
      if (ev.type === 'exit') exitCode = ev.exitCode;
      else if (ev.type === 'stderr') err.write(ev.data);
      else out.write(ev.data);
    }
  } catch (e) {
    // The kubelet's refusals read as kubectl prints them: `error: unable to upgrade connection: ...`.
    if (e instanceof StatusError && e.message.startsWith('unable to upgrade connection:')) throw new CliError(e.message);
    throw e;
  } finally {
    done.abort();
    q.end();
    unwatch();
    restore();
    out.end();
    err.end();
  }
  if (exitCode !== 0) throw new ExitCodeError(exitCode);
}
