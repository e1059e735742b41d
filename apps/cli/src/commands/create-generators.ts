// SPDX-License-Identifier: Apache-2.0
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { resolveResource, resourceForKind, type KubeObject } from '@berth/api';
import type { CommandContext } from './context';
import { CliError, UsageError } from './errors';
import { boolFlag, collect, dryRunMode, fieldValidation, intFlag, type Opts } from './flags';
import { checkOutputFlag } from './output';
import { action, type ContextFactory } from './program';
import { annotateForWrite, printResult, printWarnings } from './common';
import { createObject } from './create-apply';

const RBAC = 'rbac.authorization.k8s.io';
const KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** One key/value source of a ConfigMap or Secret, in the order given. */
export type DataSource =
  | { from: 'file'; spec: string }
  | { from: 'literal'; spec: string }
  | { from: 'env-file'; spec: string };

/** Reads the sources into key → bytes, with kubectl's errors for bad keys and duplicates. */
export function collectData(sources: DataSource[], owner: string, cwd: string): Map<string, Buffer> {
  const data = new Map<string, Buffer>();
  const add = (key: string, value: Buffer): void => {
    if (!KEY_RE.test(key)) {
      throw new CliError(`"${key}" is not a valid key name for a ${owner}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
    }
    if (data.has(key)) throw new CliError(`cannot add key ${key}, another key by that name already exists in ${owner}`);
    data.set(key, value);
  };
  for (const s of sources) {
    if (s.from === 'literal') {
      const eq = s.spec.indexOf('=');
      if (eq <= 0) throw new CliError(`invalid literal source ${s.spec}, expected key=value`);
      add(s.spec.slice(0, eq), Buffer.from(s.spec.slice(eq + 1), 'utf8'));
    } else if (s.from === 'env-file') {
      const path = resolve(cwd, s.spec);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        throw new CliError(`open ${s.spec}: no such file or directory`);
      }
      text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.replace(/^\uFEFF/, '').trimStart();
        if (!line || line.startsWith('#')) return;
        const eq = line.indexOf('=');
        if (eq === 0) throw new CliError(`env file ${s.spec}, line ${i + 1}: invalid environment variable name ""`);
        if (eq < 0) {
          const v = process.env[line.trim()];
          if (v !== undefined) add(line.trim(), Buffer.from(v));
          return;
        }
        add(line.slice(0, eq), Buffer.from(line.slice(eq + 1), 'utf8'));
      });
    } else {
      const eq = s.spec.indexOf('=');
      const [key, file] = eq > 0 ? [s.spec.slice(0, eq), s.spec.slice(eq + 1)] : [undefined, s.spec];
      const path = resolve(cwd, file);
      let st;
      try {
        st = statSync(path);
      } catch {
        throw new CliError(`error reading ${file}: no such file or directory`);
      }
      if (st.isDirectory()) {
        if (key) throw new CliError('cannot give a key name for a directory path');
        for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
          if (entry.isFile() && KEY_RE.test(entry.name)) add(entry.name, readFileSync(join(path, entry.name)));
        }
      } else {
        add(key ?? basename(file), readFileSync(path));
      }
    }
  }
  return data;
}

function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** The ConfigMap `create configmap` makes: text values in data, others in binaryData. */
export function buildConfigMap(name: string, data: Map<string, Buffer>): KubeObject {
  const text: Record<string, string> = {};
  const binary: Record<string, string> = {};
  for (const [k, v] of data) {
    if (isUtf8(v)) text[k] = v.toString('utf8');
    else binary[k] = v.toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    ...(Object.keys(text).length ? { data: text } : {}),
    ...(Object.keys(binary).length ? { binaryData: binary } : {}),
  };
}

/** The Secret `create secret generic|tls` makes (values base64-encoded). */
export function buildSecret(name: string, type: string, data: Map<string, Buffer>): KubeObject {
  const out: Record<string, string> = {};
  for (const [k, v] of data) out[k] = v.toString('base64');
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type, ...(data.size ? { data: out } : {}) };
}

/** Policy rules from --verb/--resource/--resource-name, grouped by API group as kubectl does. */
export function buildRules(verbs: string[], resources: string[], resourceNames: string[]): Array<Record<string, unknown>> {
  const split = (l: string[]): string[] => l.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const vs = split(verbs);
  const rs = split(resources);
  if (vs.length === 0) throw new CliError('at least one verb must be specified');
  if (rs.length === 0) throw new CliError('at least one resource must be specified');
  const groups = new Map<string, string[]>();
  for (const r of rs) {
    const [res, sub] = r.split('/', 2) as [string, string | undefined];
    let group: string;
    let plural: string;
    if (res === '*') {
      group = '*';
      plural = '*';
    } else {
      const info = resolveResource(res);
      if (!info) throw new CliError(`the server doesn't have a resource type "${res}"`);
      group = info.group;
      plural = info.resource;
    }
    const list = groups.get(group) ?? [];
    const full = sub ? `${plural}/${sub}` : plural;
    if (!list.includes(full)) list.push(full);
    groups.set(group, list);
  }
  const names = split(resourceNames);
  return [...groups].map(([group, res]) => ({
    apiGroups: [group],
    resources: res,
    ...(names.length ? { resourceNames: names } : {}),
    verbs: vs,
  }));
}

/** The subjects of a binding: users, then groups, then service accounts ("ns:name"). */
export function buildSubjects(users: string[], groups: string[], serviceAccounts: string[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const u of users) out.push({ apiGroup: RBAC, kind: 'User', name: u });
  for (const g of groups) out.push({ apiGroup: RBAC, kind: 'Group', name: g });
  for (const sa of serviceAccounts) {
    const [ns, name] = sa.split(':', 2);
    if (!ns || !name) throw new CliError(`serviceaccount must be <namespace>:<name>`);
    out.push({ kind: 'ServiceAccount', name, namespace: ns });
  }
  return out;
}

/** The Deployment `create deployment NAME --image=...` makes (label app=NAME). */
export function buildDeployment(name: string, images: string[], replicas: number, port?: number): KubeObject {
  if (images.length === 0) throw new CliError('required flag(s) "image" not set');
  const containers = images.map((image, i) => {
    const base = (image.split('/').pop() ?? image).split(/[:@]/)[0] ?? image;
    const cname = base.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    return {
      name: images.length > 1 ? `${cname}` : cname,
      image,
      resources: {},
      ...(port !== undefined && i === 0 ? { ports: [{ containerPort: port }] } : {}),
    };
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: {},
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  };
}

function oneName(args: string[], path: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError('exactly one NAME is required, got ' + args.length, path);
  return args[0];
}

/** Creates (or, under --dry-run=client, prints) an object a generator built. */
export async function sendGenerated(ctx: CommandContext, obj: KubeObject, opts: Opts): Promise<void> {
  const output = opts['output'] as string | undefined;
  checkOutputFlag(output);
  const dryRun = dryRunMode(opts['dryRun']);
  const info = resourceForKind(String(obj.apiVersion), String(obj.kind));
  if (!info) throw new CliError(`no resource for ${String(obj.kind)}`);
  const namespace = info.namespaced ? ctx.namespace : '';
  if (info.namespaced) obj.metadata = { ...obj.metadata, namespace };
  annotateForWrite(ctx, obj, { saveConfig: Boolean(opts['saveConfig']) });
  const verb = (opts['__verb'] as string | undefined) ?? 'created';
  if (dryRun === 'client') return printResult(ctx, info, obj, verb, { output, dryRun });
  const res = await createObject(ctx, { info, namespace }, obj, {
    fieldValidation: fieldValidation(opts['validate']),
    dryRun: dryRun === 'server',
  });
  printWarnings(ctx, res.warnings);
  printResult(ctx, info, res.object, verb, { output, dryRun });
}

function generator(parent: Command, name: string, aliases: string[], description: string): Command {
  const cmd = parent.command(name).description(description).argument('[args...]');
  for (const a of aliases) cmd.alias(a);
  cmd
    .option('-o, --output <format>', 'Output format: json|yaml|name|...')
    .addOption(new Option('--dry-run [mode]', 'none, client or server'))
    .addOption(new Option('--validate [mode]', 'strict, warn or ignore'));
  boolFlag(cmd, '--save-config', 'Store the configuration in the last-applied-configuration annotation');
  return cmd;
}

function dataSources(opts: Opts): DataSource[] {
  // commander keeps the flags apart; kubectl adds files, then literals, then env files.
  return [
    ...((opts['fromFile'] as string[] | undefined) ?? []).map((spec): DataSource => ({ from: 'file', spec })),
    ...((opts['fromLiteral'] as string[] | undefined) ?? []).map((spec): DataSource => ({ from: 'literal', spec })),
    ...((opts['fromEnvFile'] as string[] | undefined) ?? []).map((spec): DataSource => ({ from: 'env-file', spec })),
  ];
}

function dataFlags(cmd: Command): Command {
  return cmd
    .option('--from-file <source>', 'Key file: a file, a directory, or key=file (repeatable)', collect)
    .option('--from-literal <key=value>', 'A key and literal value (repeatable)', collect)
    .option('--from-env-file <file>', 'A file of KEY=VALUE lines (repeatable)', collect);
}

/** Registers create's generators: namespace, configmap, secret, role, bindings, serviceaccount, deployment. */
export function registerCreateGenerators(create: Command, ctx: ContextFactory): void {
  action(generator(create, 'namespace', ['ns'], 'Create a namespace with the specified name'), ctx, async (c, args, opts) => {
    const name = oneName(args, 'berth create namespace');
    await sendGenerated(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, opts);
  });
  action(dataFlags(generator(create, 'configmap', ['cm'], 'Create a config map from files, directories or literal values')), ctx, async (c, args, opts) => {
    const name = oneName(args, 'berth create configmap');
    await sendGenerated(c, buildConfigMap(name, collectData(dataSources(opts), `Data for ConfigMap "${name}"`, c.cwd)), opts);
  });
  action(generator(create, 'serviceaccount', ['sa'], 'Create a service account with the specified name'), ctx, async (c, args, opts) => {
    const name = oneName(args, 'berth create serviceaccount');
    await sendGenerated(c, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }, opts);
  });

  const secret = create.command('secret').description('Create a secret (generic or tls)');
  action(
    dataFlags(generator(secret, 'generic', [], 'Create a secret from files, directories or literal values')).option('--type <type>', 'The type of secret', 'Opaque'),
    ctx,
    async (c, args, opts) => {
      const name = oneName(args, 'berth create secret generic');
      await sendGenerated(c, buildSecret(name, String(opts['type']), collectData(dataSources(opts), `Data for Secret "${name}"`, c.cwd)), opts);
    },
  );
  action(
    generator(secret, 'tls', [], 'Create a TLS secret from a certificate and key').option('--cert <file>', 'PEM certificate').option('--key <file>', 'PEM private key'),
    ctx,
    async (c, args, opts) => {
      const name = oneName(args, 'berth create secret tls');
      if (!opts['cert'] || !opts['key']) throw new CliError('key and cert must be specified');
      const data = collectData(
        [
          { from: 'file', spec: `tls.crt=${String(opts['cert'])}` },
          { from: 'file', spec: `tls.key=${String(opts['key'])}` },
        ],
        `Data for Secret "${name}"`,
        c.cwd,
      );
      await sendGenerated(c, buildSecret(name, 'kubernetes.io/tls', data), opts);
    },
  );

  for (const kind of ['Role', 'ClusterRole'] as const) {
    const cmd = generator(create, kind.toLowerCase(), [], `Create a ${kind.toLowerCase()} with single rule`)
      .option('--verb <verb>', 'Verb that applies to the resources (repeatable, comma-separated)', collect)
      .option('--resource <resource>', 'Resource that the rule applies to (repeatable, comma-separated)', collect)
      .option('--resource-name <name>', 'Resource in the white list that the rule applies to (repeatable)', collect);
    action(cmd, ctx, async (c, args, opts) => {
      const name = oneName(args, `berth create ${kind.toLowerCase()}`);
      const rules = buildRules(
        (opts['verb'] as string[] | undefined) ?? [],
        (opts['resource'] as string[] | undefined) ?? [],
        (opts['resourceName'] as string[] | undefined) ?? [],
      );
      await sendGenerated(c, { apiVersion: `${RBAC}/v1`, kind, metadata: { name }, rules }, opts);
    });
  }

  for (const kind of ['RoleBinding', 'ClusterRoleBinding'] as const) {
    const cmd = generator(create, kind.toLowerCase(), [], `Create a ${kind} for a particular ClusterRole${kind === 'RoleBinding' ? ' or Role' : ''}`)
      .option('--clusterrole <name>', 'ClusterRole this binding should reference')
      .option('--user <name>', 'Usernames to bind to the role (repeatable)', collect)
      .option('--group <name>', 'Groups to bind to the role (repeatable)', collect)
      .option('--serviceaccount <ns:name>', 'Service accounts to bind to the role, as namespace:name (repeatable)', collect);
    if (kind === 'RoleBinding') cmd.option('--role <name>', 'Role this RoleBinding should reference');
    action(cmd, ctx, async (c, args, opts) => {
      const name = oneName(args, `berth create ${kind.toLowerCase()}`);
      const clusterRole = opts['clusterrole'] as string | undefined;
      const role = opts['role'] as string | undefined;
      if (clusterRole && role) throw new CliError('exactly one of clusterrole or role must be specified');
      if (!clusterRole && !role) {
        throw new CliError(kind === 'RoleBinding' ? 'exactly one of clusterrole or role must be specified' : 'required flag(s) "clusterrole" not set');
      }
      const obj: KubeObject = {
        apiVersion: `${RBAC}/v1`,
        kind,
        metadata: { name },
        roleRef: { apiGroup: RBAC, kind: clusterRole ? 'ClusterRole' : 'Role', name: clusterRole ?? role },
        subjects: buildSubjects(
          (opts['user'] as string[] | undefined) ?? [],
          (opts['group'] as string[] | undefined) ?? [],
          (opts['serviceaccount'] as string[] | undefined) ?? [],
        ),
      };
      await sendGenerated(c, obj, opts);
    });
  }

  const deploy = generator(create, 'deployment', ['deploy'], 'Create a deployment with the specified name')
    .option('--image <image>', 'Image names to run (repeatable)', collect)
    .option('--replicas <n>', 'Number of replicas to create', '1')
    .option('--port <port>', 'The containerPort this deployment exposes');
  action(deploy, ctx, async (c, args, opts) => {
    const name = oneName(args, 'berth create deployment');
    const replicas = intFlag(opts['replicas'], 'replicas') ?? 1;
    await sendGenerated(c, buildDeployment(name, (opts['image'] as string[] | undefined) ?? [], replicas, intFlag(opts['port'], 'port')), opts);
  });
}
