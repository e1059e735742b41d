// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { allResources, type ApiResourceInfo, type VersionInfo } from '@berth/api';
import type { CommandContext } from './context';
import { CliError } from './errors';
import { boolFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';
import { tabulate } from './tabulate';
import { REPO_ROOT } from '../repo-root';

/** The CLI's own version, from its package.json. */
export function clientVersion(): VersionInfo {
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(REPO_ROOT, 'apps/cli/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // A copied binary without its package.json still answers.
  }
  const [major = '0', minor = '0'] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: '',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    // the sources run through tsx; the bundle (scripts/bundle.mjs) was made by esbuild
    compiler: import.meta.url.endsWith('.ts') ? 'tsx' : 'esbuild',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** The resources the server serves (discovery), or the CLI's scheme when the client has no discovery. */
export async function serverResources(ctx: CommandContext): Promise<ApiResourceInfo[]> {
  const client = ctx.client();
  if (client.apiResources) return client.apiResources();
  return allResources().map((r) => ({
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    group: r.group,
    version: r.version,
    kind: r.kind,
    verbs: r.verbs,
    shortNames: r.shortNames,
    categories: r.categories,
  }));
}

/** The `api-resources` output for the flags. */
export function formatApiResources(resources: ApiResourceInfo[], opts: Opts): string {
  let rs = resources;
  if (opts['namespaced'] !== undefined) {
    const want = opts['namespaced'] === true || opts['namespaced'] === 'true';
    rs = rs.filter((r) => r.namespaced === want);
  }
  if (opts['apiGroup'] !== undefined) rs = rs.filter((r) => r.group === opts['apiGroup']);
  const verbs = ((opts['verbs'] as string | undefined) ?? '').split(',').filter(Boolean);
  if (verbs.length) rs = rs.filter((r) => verbs.every((v) => r.verbs.includes(v)));
  const output = opts['output'] as string | undefined;
  if (output === 'name') return rs.map((r) => (r.group ? `${r.name}.${r.group}\n` : `${r.name}\n`)).join('');
  if (output !== undefined && output !== 'wide') throw new CliError(`--output ${output} is not available`);
  const header = ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(output === 'wide' ? ['VERBS', 'CATEGORIES'] : [])];
  const rows = rs.map((r) => [
    r.name,
    r.shortNames.join(','),
    r.group ? `${r.group}/${r.version}` : r.version,
    String(r.namespaced),
    r.kind,
    ...(output === 'wide' ? [`[${r.verbs.join(' ')}]`, r.categories.join(',')] : []),
  ]);
  return tabulate(opts['headers'] === false ? rows : [header, ...rows], { padding: 3, minWidth: 0 });
}

/** Registers `version`, `cluster-info`, `api-resources` and `api-versions`. */
export function registerInfoCommands(program: Command, ctx: ContextFactory): void {
  const version = program.command('version').description('Print the client and server version information').option('-o, --output <format>', 'yaml or json');
  boolFlag(version, '--client', 'Only print the client version (no server needed)');
  action(version, ctx, async (c, _args, opts) => {
    const output = opts['output'] as string | undefined;
    if (output && output !== 'json' && output !== 'yaml') throw new CliError(`--output must be 'yaml' or 'json'`);
    const client = clientVersion();
    let server: VersionInfo | undefined;
    let serverError: unknown;
    if (!opts['client']) {
      try {
        const api = c.client();
        server = api.version ? await api.version() : undefined;
      } catch (e) {
        serverError = e;
      }
    }
    if (output) {
      const doc = { clientVersion: client, ...(server ? { serverVersion: server } : {}) };
      c.stdout.write(output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc));
    } else {
      c.stdout.write(`Client Version: ${client.gitVersion}\n`);
      if (server) c.stdout.write(`Server Version: ${server.gitVersion}\n`);
    }
    if (serverError) throw serverError;
  });

  action(program.command('cluster-info').description('Display the address of the control plane'), ctx, async (c) => {
    const conn = c.connection();
    const api = c.client();
    // Ask the server, so an unreachable one fails here as in kubectl.
    if (api.version) await api.version();
    else await api.list({ group: '', version: 'v1', resource: 'namespaces' }, { limit: 1 });
    c.stdout.write(`Berth control plane is running at ${conn.server}\n\nTo further debug and diagnose cluster problems, use 'berth get componentstatuses' and 'berth describe nodes'.\n`);
  });

  const apiResources = program
    .command('api-resources')
    .description('Print the supported API resources on the server')
    .option('-o, --output <format>', 'wide or name')
    .option('--namespaced <bool>', 'true: only namespaced resources; false: only cluster-scoped ones')
    .option('--api-group <group>', 'Limit to resources in the specified API group ("" for core)')
    .option('--verbs <verbs>', 'Limit to resources that support the specified verbs')
    .option('--no-headers', 'Do not print headers');
  action(apiResources, ctx, async (c, _args, opts) => {
    c.stdout.write(formatApiResources(await serverResources(c), opts));
  });

  action(program.command('api-versions').description('Print the supported API versions on the server, in the form of "group/version"'), ctx, async (c) => {
    const versions = new Set((await serverResources(c)).map((r) => (r.group ? `${r.group}/${r.version}` : r.version)));
    c.stdout.write([...versions].sort().map((v) => `${v}\n`).join(''));
  });
}
