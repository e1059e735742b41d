// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { KubeObject } from '@berth/api';
import {
  KubeconfigError,
  kubeconfigToPlain,
  minifyKubeconfig,
  redactKubeconfig,
  serializeKubeconfig,
  upsertNamed,
  type ClusterEntry,
  type ContextEntry,
  type Kubeconfig,
  type UserEntry,
} from '../config/kubeconfig';
import type { KubeconfigStore } from '../config/store';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, type Opts } from './flags';
import { renderObjects } from './output';
import { action, type ContextFactory, type GlobalOptions } from './program';
import { tabulate } from './tabulate';

/** `config view`: the merged config, redacted unless --raw, minified with --minify. */
export function viewConfig(cfg: Kubeconfig, opts: { minify?: boolean; raw?: boolean; flatten?: boolean; context?: string; output?: string }): string {
  let view = cfg;
  if (opts.minify) view = minifyKubeconfig(view, opts.context ?? view['current-context']);
  if (!opts.raw) view = redactKubeconfig(view);
  if (!opts.output || opts.output === 'yaml') return serializeKubeconfig(view);
  return renderObjects([kubeconfigToPlain(view) as KubeObject], opts.output, true);
}

/** `config get-contexts`: kubectl's table, `*` marking the current context. */
export function formatContexts(cfg: Kubeconfig, names: string[], opts: { output?: string; noHeaders?: boolean }): string {
  const contexts = names.length ? names.map((n) => {
    const c = cfg.contexts.find((x) => x.name === n);
    if (!c) throw new CliError(`context ${n} not found`);
    return c;
  }) : [...cfg.contexts].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (opts.output === 'name') return contexts.map((c) => `${c.name}\n`).join('');
  if (opts.output) throw new CliError(`output must be one of '' or 'name': ${opts.output}`);
  const rows = contexts.map((c) => [
    c.name === cfg['current-context'] ? '*' : '',
    c.name,
    c.context.cluster ?? '',
    c.context.user ?? '',
    c.context.namespace ?? '',
  ]);
  return tabulate(opts.noHeaders ? rows : [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'], ...rows], { padding: 3, minWidth: 10 });
}

function embed(file: string, cwd: string, what: string): string {
  try {
    return readFileSync(resolve(cwd, file)).toString('base64');
  } catch {
    throw new CliError(`error reading ${what} data from ${file}: open ${file}: no such file or directory`);
  }
}

/** Registers `config` and its subcommands. */
export function registerConfig(program: Command, ctx: ContextFactory, storeFor: (mustExist: boolean) => KubeconfigStore): void {
  const config = program.command('config').description('Modify kubeconfig files (default ~/.berth/config; $KUBECONFIG or --kubeconfig to choose)');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const sub = (name: string, description: string): Command => config.command(name).description(description).argument('[args...]');
  const one = (args: string[], path: string, what = 'NAME'): string => {
    if (args.length !== 1 || !args[0]) throw new UsageError(`Unexpected args: ${JSON.stringify(args)}; ${what} is required`, path);
    return args[0];
  };
  const wrap = (fn: (c: CommandContext, args: string[], opts: Opts) => void) => async (c: CommandContext, args: string[], opts: Opts) => {
    try {
      fn(c, args, opts);
    } catch (e) {
      if (e instanceof KubeconfigError) throw new CliError(e.message);
      throw e;
    }
  };

  const view = sub('view', 'Display merged kubeconfig settings (certificate data omitted unless --raw)').option('-o, --output <format>', 'yaml (default), json, jsonpath=...');
  boolFlag(view, '--minify', 'Remove all information not used by the current context');
  boolFlag(view, '--raw', 'Display raw byte data and sensitive data');
  boolFlag(view, '--flatten', 'Accepted; the output always uses the files\' values');
  action(view, ctx, wrap((c, _args, opts) => {
    const g = globals();
    c.stdout.write(
      viewConfig(storeFor(true).merged(), {
        minify: Boolean(opts['minify']),
        raw: Boolean(opts['raw']),
        ...(g.context ? { context: g.context } : {}),
        ...(opts['output'] ? { output: String(opts['output']) } : {}),
      }),
    );
  }));

  action(sub('current-context', 'Display the current-context'), ctx, wrap((c) => {
    const current = storeFor(true).merged()['current-context'];
    if (!current) throw new CliError('current-context is not set');
    c.stdout.write(`${current}\n`);
  }));

  action(sub('use-context', 'Set the current-context in a kubeconfig file').alias('use'), ctx, wrap((c, args) => {
    const name = one(args, 'berth config use-context', 'CONTEXT_NAME');
    const store = storeFor(false);
    if (!store.merged().contexts.some((x) => x.name === name)) throw new CliError(`no context exists with the name: "${name}"`);
    const file = store.currentContextFile();
    file.config['current-context'] = name;
    store.save(file);
    c.stdout.write(`Switched to context "${name}".\n`);
  }));

  const getContexts = sub('get-contexts', 'Describe one or many contexts').option('-o, --output <format>', 'name').option('--no-headers', 'Do not print headers');
  action(getContexts, ctx, wrap((c, args, opts) => {
    c.stdout.write(formatContexts(storeFor(true).merged(), args, { ...(opts['output'] ? { output: String(opts['output']) } : {}), noHeaders: opts['headers'] === false }));
  }));
  action(sub('get-clusters', 'Display clusters defined in the kubeconfig'), ctx, wrap((c) => {
    c.stdout.write(`NAME\n${storeFor(true).merged().clusters.map((x) => `${x.name}\n`).join('')}`);
  }));
  action(sub('get-users', 'Display users defined in the kubeconfig'), ctx, wrap((c) => {
    c.stdout.write(`NAME\n${storeFor(true).merged().users.map((x) => `${x.name}\n`).join('')}`);
  }));

  const setContext = sub('set-context', 'Set a context entry in kubeconfig (--namespace, --cluster, --user)').option('--cluster <name>', 'cluster for the context').option('--user <name>', 'user for the context');
  boolFlag(setContext, '--current', 'Modify the current context');
  action(setContext, ctx, wrap((c, args, opts) => {
    const store = storeFor(false);
    let name: string;
    if (opts['current']) {
      if (args.length > 0) throw new UsageError('you cannot specify both a context name and --current', 'berth config set-context');
      name = store.merged()['current-context'];
      if (!name) throw new CliError('no current context is set');
    } else {
      name = one(args, 'berth config set-context', 'CONTEXT_NAME');
    }
    const file = store.fileFor('contexts', name);
    const fields: Partial<ContextEntry> = {
      ...(opts['cluster'] !== undefined ? { cluster: String(opts['cluster']) } : {}),
      ...(opts['user'] !== undefined ? { user: String(opts['user']) } : {}),
      ...(globals().namespace !== undefined ? { namespace: globals().namespace } : {}),
    };
    const { list, created } = upsertNamed(file.config.contexts, 'context', name, fields);
    file.config.contexts = list;
    store.save(file);
    c.stdout.write(`Context "${name}" ${created ? 'created' : 'modified'}.\n`);
  }));

  const setCluster = sub('set-cluster', 'Set a cluster entry in kubeconfig (--server, --certificate-authority)')
    .option('--certificate-authority <file>', 'Path to the cluster\'s CA certificate')
    .option('--tls-server-name <name>', 'Server name to use for server certificate validation');
  boolFlag(setCluster, '--embed-certs', 'Embed the certificate authority data in the kubeconfig');
  boolFlag(setCluster, '--insecure-skip-tls-verify', 'Do not check the server certificate (not supported by the gRPC client)');
  action(setCluster, ctx, wrap((c, args, opts) => {
    const name = one(args, 'berth config set-cluster');
    const store = storeFor(false);
    const file = store.fileFor('clusters', name);
    const ca = opts['certificateAuthority'] as string | undefined;
    const fields: Partial<ClusterEntry> = {
      ...(globals().server !== undefined ? { server: globals().server } : {}),
      ...(opts['tlsServerName'] !== undefined ? { 'tls-server-name': String(opts['tlsServerName']) } : {}),
      ...(opts['insecureSkipTlsVerify'] !== undefined ? { 'insecure-skip-tls-verify': Boolean(opts['insecureSkipTlsVerify']) } : {}),
    };
    if (ca) {
      if (opts['embedCerts']) {
        fields['certificate-authority-data'] = embed(ca, c.cwd, 'certificate-authority');
        fields['certificate-authority'] = '';
      } else {
        fields['certificate-authority'] = resolve(c.cwd, ca);
        fields['certificate-authority-data'] = '';
      }
    }
    const { list } = upsertNamed(file.config.clusters, 'cluster', name, fields);
    file.config.clusters = list;
    store.save(file);
    c.stdout.write(`Cluster "${name}" set.\n`);
  }));

  const setCredentials = sub('set-credentials', 'Set a user entry in kubeconfig (--client-certificate, --client-key, --token)')
    .option('--client-certificate <file>', 'Path to the client certificate')
    .option('--client-key <file>', 'Path to the client key')
    .option('--token <token>', 'Bearer token for the user entry (e.g. a service account token)')
    .option('--username <name>', 'Username for basic authentication (stored only)')
    .option('--password <password>', 'Password for basic authentication (stored only)');
  boolFlag(setCredentials, '--embed-certs', 'Embed the client certificate and key in the kubeconfig');
  action(setCredentials, ctx, wrap((c, args, opts) => {
    const name = one(args, 'berth config set-credentials');
    const store = storeFor(false);
    const file = store.fileFor('users', name);
    const fields: Partial<UserEntry> = {};
    for (const [flag, key] of [['clientCertificate', 'client-certificate'], ['clientKey', 'client-key']] as const) {
      const v = opts[flag] as string | undefined;
      if (!v) continue;
      if (opts['embedCerts']) {
        fields[`${key}-data`] = embed(v, c.cwd, key);
        fields[key] = '';
      } else {
        fields[key] = resolve(c.cwd, v);
        fields[`${key}-data`] = '';
      }
    }
    if (opts['token'] !== undefined) fields.token = String(opts['token']);
    if (opts['username'] !== undefined) fields.username = String(opts['username']);
    if (opts['password'] !== undefined) fields.password = String(opts['password']);
    const { list } = upsertNamed(file.config.users, 'user', name, fields);
    file.config.users = list;
    store.save(file);
    c.stdout.write(`User "${name}" set.\n`);
  }));

  for (const [verb, section, label] of [
    ['delete-context', 'contexts', 'context'],
    ['delete-cluster', 'clusters', 'cluster'],
    ['delete-user', 'users', 'user'],
  ] as const) {
    action(sub(verb, `Delete the specified ${label} from the kubeconfig`), ctx, wrap((c, args) => {
      const name = one(args, `berth config ${verb}`);
      const store = storeFor(false);
      const file = store.fileFor(section, name);
      const list = file.config[section] as Array<{ name: string }>;
      if (!list.some((x) => x.name === name)) throw new CliError(`cannot delete ${label} ${name}, not in ${file.path}`);
      (file.config as unknown as Record<string, Array<{ name: string }>>)[section] = list.filter((x) => x.name !== name);
      if (section === 'contexts' && file.config['current-context'] === name) {
        c.stderr.write(`warning: this removed your active context, use "berth config use-context" to select a different one\n`);
      }
      store.save(file);
      c.stdout.write(`deleted ${label} ${name} from ${file.path}\n`);
    }));
  }
}
