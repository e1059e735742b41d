// SPDX-License-Identifier: Apache-2.0
import { Command, CommanderError } from 'commander';
import { GrpcApiClient } from '@berth/grpc';
import { connectionFor, grpcClientOptions } from '../config/connection';
import { kubeconfigPaths, resolveContext } from '../config/kubeconfig';
import { KubeconfigStore } from '../config/store';
import type { CliClient, CommandContext, ConnectionInfo, Output, Terminal } from './context';
import { CliError, ExitCodeError, UsageError, formatError } from './errors';
import { booleanFlagNames, collect, normalizeBooleanArgs, type Opts } from './flags';
import { registerApply, registerCreate } from './create-apply';
import { registerGet } from './get';
import { registerDescribe } from './describe';
import { registerDelete } from './delete';
import { registerEdit } from './edit';
import { registerLabelAnnotate } from './label';
import { registerScale } from './scale';
import { registerRun } from './run';
import { registerExpose } from './expose';
import { registerSet } from './set-image';
import { registerRollout } from './rollout';
import { registerLogsExec } from './logs-exec';
import { registerTop } from './top';
import { registerNodeCommands } from './drain';
import { registerAuth } from './auth';
import { registerInfoCommands } from './info';
import { registerExplain } from './explain';
import { registerConfig } from './config';
import { registerCluster } from './cluster';
import { registerCompletion } from '../completion/completion';

/** What the CLI needs from its surroundings; tests pass buffers and a FakeApi. */
export interface CliDeps {
  stdout: Output;
  stderr: Output;
  readStdin(): Promise<string>;
  /** The terminal and streamed stdin (exec -i/-t); default: stdin read whole, no terminal. */
  terminal?: Terminal;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  now?: () => Date;
  /** A client to use instead of connecting (tests). */
  client?: CliClient;
  /** Builds the client for a connection (default: GrpcApiClient). */
  clientFactory?: (conn: ConnectionInfo) => CliClient;
  sleep?: (ms: number) => Promise<void>;
  runEditor?: (file: string, env: Record<string, string | undefined>) => Promise<void>;
}

/** The global flags, valid before or after the verb. */
export interface GlobalOptions {
  namespace?: string;
  allNamespaces?: boolean;
  context?: string;
  kubeconfig?: string;
  server?: string;
  requestTimeout?: string;
  token?: string;
  /** --as: the user to impersonate. */
  as?: string;
  /** --as-group, repeatable: the groups to impersonate (needs --as). */
  asGroup?: string[];
}

/** Hands each action its context; commands register through it. */
export type ContextFactory = () => CommandContext;

/** The command path for kubectl's hints: "berth get", "berth create secret generic". */
export function commandPath(cmd: Command): string {
  const parts: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) parts.unshift(c.name());
  return parts.join(' ');
}

/**
 * Wraps an action: builds the context, runs, and leaves errors to runCli. Every command
 * takes its positional words as one variadic list and checks their number itself, so
 * the messages are kubectl's.
 */
export function action(
  cmd: Command,
  contextFactory: ContextFactory,
  fn: (ctx: CommandContext, args: string[], opts: Opts, cmd: Command) => Promise<void>,
): Command {
  return cmd.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const args = (params[0] as string[] | undefined) ?? [];
    // A parent verb with the same flags (create's -o, --dry-run) parses them first when they
    // come before or after the subcommand's words: take them from there.
    const opts: Opts = { ...self.opts() };
    for (let p = self.parent; p?.parent; p = p.parent) {
      for (const [k, v] of Object.entries(p.opts())) if (opts[k] === undefined && v !== undefined) opts[k] = v;
    }
    // The same for a global flag the subcommand declares too (config set-credentials --token).
    const root = self.parent ? rootOf(self) : undefined;
    for (const o of root ? self.options : []) {
      const k = o.attributeName();
      if (opts[k] === undefined && root?.opts()[k] !== undefined) opts[k] = root.opts()[k];
    }
    await fn(contextFactory(), Array.isArray(args) ? args : [String(args)], opts, self);
  });
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** Reads the kubeconfig files in effect, per the global flags and $KUBECONFIG. */
export function loadStore(g: GlobalOptions, deps: CliDeps, mustExist = false): KubeconfigStore {
  const paths = kubeconfigPaths({ explicit: g.kubeconfig, envValue: deps.env['KUBECONFIG'], home: deps.home, cwd: deps.cwd });
  return KubeconfigStore.load(paths, { explicit: Boolean(g.kubeconfig), mustExist });
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line for --record, as kubectl records it: the program name, then the
 * arguments with `--flag value` written as `--flag=value`. kubectl normalises bool flags
 * to `--record=true`; this keeps them as typed, which is what the user recognises.
 */
export function recordedCommandLine(argv: string[]): string {
  return ['berth', ...argv.map(quoteArg)].join(' ');
}

interface ContextHandle {
  factory: ContextFactory;
  /** The context if an action asked for one. */
  built(): CommandContext | undefined;
  /** Closes the client this run connected, if any. */
  close(): void;
}

function makeContextFactory(program: Command, deps: CliDeps, argv: string[]): ContextHandle {
  let cached: CommandContext | undefined;
  let created: CliClient | undefined;
  const factory: ContextFactory = () => {
    if (cached) return cached;
    const g = program.opts<GlobalOptions>();
    let store: KubeconfigStore | undefined;
    const getStore = (mustExist: boolean): KubeconfigStore => (store ??= loadStore(g, deps, mustExist));
    const resolved = (): ReturnType<typeof resolveContext> =>
      resolveContext(getStore(true).merged(), { context: g.context });
    let namespace = g.namespace;
    if (!namespace) {
      namespace = deps.client ? 'default' : resolveContext(getStore(false).merged(), { context: g.context }).namespace;
    }
    let conn: ConnectionInfo | undefined;
    let client: CliClient | undefined = deps.client;
    const connection = (): ConnectionInfo =>
      (conn ??= connectionFor(resolved(), {
        server: g.server,
        requestTimeout: g.requestTimeout,
        ...(g.token ? { token: g.token } : {}),
        ...(g.as ? { as: g.as } : {}),
        ...(g.asGroup ? { asGroups: g.asGroup } : {}),
      }));
    const ctx: CommandContext = {
      client: () => {
        if (client) return client;
        const c = connection();
        client = deps.clientFactory ? deps.clientFactory(c) : new GrpcApiClient(grpcClientOptions(c));
        created = client;
        return client;
      },
      connection,
      stdout: deps.stdout,
      stderr: deps.stderr,
      readStdin: deps.readStdin,
      terminal: deps.terminal ?? pipedTerminal(deps.readStdin),
      argv,
      now: deps.now ?? (() => new Date()),
      namespace,
      namespaceExplicit: Boolean(g.namespace),
      allNamespaces: Boolean(g.allNamespaces),
      env: deps.env,
      cwd: deps.cwd,
      commandLine: recordedCommandLine(argv),
      sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      runEditor: (file) => (deps.runEditor ? deps.runEditor(file, deps.env) : Promise.reject(new CliError('no editor'))),
      failed: false,
    };
    cached = ctx;
    return ctx;
  };
  return { factory, built: () => cached, close: () => created?.close?.() };
}

/** No terminal: standard input is read whole and handed over as one chunk. */
function pipedTerminal(readStdin: () => Promise<string>): Terminal {
  return {
    stdinIsTerminal: false,
    async *input() {
      const all = await readStdin();
      if (all) yield Buffer.from(all, 'utf8');
    },
    makeRaw: () => () => {},
    size: () => undefined,
    onResize: () => () => {},
  };
}

/** Builds the whole command tree. */
export function buildProgram(deps: CliDeps, argv: string[]): { program: Command; handle: ContextHandle } {
  const program = new Command('berth');
  program
    .description('berth controls the Berth cluster manager (kubectl\'s verbs and flags, over gRPC).')
    .option('-n, --namespace <namespace>', 'If present, the namespace scope for this CLI request')
    .option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces')
    .option('--context <name>', 'The name of the kubeconfig context to use')
    .option('--kubeconfig <file>', 'Path to the kubeconfig file to use for CLI requests (default ~/.berth/config)')
    .option('-s, --server <url>', 'The address and port of the Berth API server')
    .option('--token <token>', 'Bearer token for authentication to the API server (e.g. a service account\'s)')
    .option('--request-timeout <duration>', 'The length of time to wait before giving up on a single server request (0: no timeout)', '0')
    .option('--as <user>', 'Username to impersonate for the operation (the caller must be allowed to impersonate)')
    .option('--as-group <group>', 'Group to impersonate for the operation, repeatable to specify multiple groups (needs --as)', collect);
  const handle = makeContextFactory(program, deps, argv);
  const contextFactory = handle.factory;
  registerCreate(program, contextFactory);
  registerApply(program, contextFactory);
  registerGet(program, contextFactory);
  registerDescribe(program, contextFactory);
  registerDelete(program, contextFactory);
  registerEdit(program, contextFactory);
  registerLabelAnnotate(program, contextFactory);
  registerScale(program, contextFactory);
  registerRun(program, contextFactory);
  registerExpose(program, contextFactory);
  registerSet(program, contextFactory);
  registerRollout(program, contextFactory);
  registerLogsExec(program, contextFactory);
  registerTop(program, contextFactory);
  registerNodeCommands(program, contextFactory);
  registerAuth(program, contextFactory);
  registerInfoCommands(program, contextFactory);
  registerExplain(program, contextFactory);
  registerConfig(program, contextFactory, (mustExist) => loadStore(program.opts<GlobalOptions>(), deps, mustExist));
  registerCluster(program, contextFactory);
  registerCompletion(program, contextFactory);
  return { program, handle };
}

function configureTree(cmd: Command, deps: CliDeps): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => deps.stdout.write(s),
    writeErr: (s) => deps.stderr.write(s),
    outputError: () => {
      // runCli prints kubectl's wording instead.
    },
  });
  cmd.showHelpAfterError(false);
  for (const sub of cmd.commands) configureTree(sub, deps);
}

function commandOf(program: Command, argv: string[]): Command {
  let cmd = program;
  for (const word of argv) {
    if (word.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) break;
    cmd = sub;
  }
  return cmd;
}

function suggestions(word: string, program: Command): string[] {
  const names = program.commands.map((c) => c.name()).filter((n) => !n.startsWith('_'));
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const row = d[i] as number[];
        const prev = d[i - 1] as number[];
        row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
    }
    return (d[a.length] as number[])[b.length] as number;
  };
  return names.filter((n) => dist(word, n) <= 2 || n.startsWith(word));
}

/** kubectl's wording for commander's parse errors. */
export function translateCommanderError(err: CommanderError, program: Command, argv: string[]): string {
  const cmd = commandOf(program, argv);
  const path = commandPath(cmd);
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'commander.unknownOption': {
      if (/^-[^-]/.test(quoted)) {
        return `error: unknown shorthand flag: '${quoted.slice(1, 2)}' in ${quoted}\nSee '${path} --help' for usage.\n`;
      }
      return `error: unknown flag: ${quoted.split('=')[0]}\nSee '${path} --help' for usage.\n`;
    }
    case 'commander.unknownCommand': {
      const s = suggestions(quoted, program);
      const hint = s.length ? `\n\nDid you mean this?\n${s.map((n) => `\t${n}\n`).join('')}` : '\n';
      return `error: unknown command "${quoted}" for "${path}"${hint}Run '${path} --help' for usage.\n`;
    }
    case 'commander.optionMissingArgument': {
      const flag = quoted.split(/[ ,]/).find((f) => f.startsWith('--')) ?? quoted;
      return `error: flag needs an argument: ${flag.replace(/ <.*$/, '')}\nSee '${path} --help' for usage.\n`;
    }
    case 'commander.excessArguments':
      return `error: unexpected arguments\nSee '${path} -h' for help and examples\n`;
    default:
      return `${err.message.startsWith('error:') ? err.message : `error: ${err.message}`}\nSee '${path} --help' for usage.\n`;
  }
}

/**
 * Runs one berth invocation and returns the exit code: 0 on success, 1 on any error, the
 * remote command's exit code for exec.
 * Errors are printed as kubectl prints them, never as stack traces.
 */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  const { program, handle } = buildProgram(deps, argv);
  configureTree(program, deps);
  const args = normalizeBooleanArgs(argv, booleanFlagNames(program));
  if (args.length === 0) {
    deps.stdout.write(program.helpInformation());
    return 0;
  }
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
    if (handle.built()?.failed) code = 1;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
      deps.stderr.write(translateCommanderError(err, program, args));
      code = 1;
    } else {
      deps.stderr.write(formatError(err));
      // exec exits with the remote command's code, as kubectl does.
      code = err instanceof ExitCodeError ? err.exitCode : 1;
    }
  } finally {
    handle.close();
  }
  return code;
}

export { UsageError };
