// SPDX-License-Identifier: Apache-2.0
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/** A cluster stanza: where the apiserver is and how to trust it. */
export interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  /** Base64 of the CA's PEM. */
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  [field: string]: unknown;
}

/** A user stanza (kubeconfig "AuthInfo"): the client certificate or token. */
export interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  /** A file holding the token (client-go's tokenFile), read at each use. */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** The user to impersonate (kubectl's --as). */
  as?: string;
  /** The groups to impersonate (kubectl's --as-group); only with `as`. */
  'as-groups'?: string[];
  [field: string]: unknown;
}

/** A context stanza: a cluster, a user and a default namespace. */
export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
  [field: string]: unknown;
}

export interface NamedCluster {
  name: string;
  cluster: ClusterEntry;
}
export interface NamedUser {
  name: string;
  user: UserEntry;
}
export interface NamedContext {
  name: string;
  context: ContextEntry;
}

/** A kubeconfig file's content (kind: Config), in the format kubectl reads and writes. */
export interface Kubeconfig {
  apiVersion: string;
  kind: string;
  preferences: Record<string, unknown>;
  clusters: NamedCluster[];
  users: NamedUser[];
  contexts: NamedContext[];
  'current-context': string;
}

/** An empty kubeconfig, as a file that does not exist yet reads. */
export function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], users: [], contexts: [], 'current-context': '' };
}

/** The default kubeconfig of berth: ~/.berth/config (kubectl's is ~/.kube/config). */
export function defaultKubeconfigPath(home: string): string {
  return join(home, '.berth', 'config');
}

/**
 * The files to read, in kubectl's precedence: --kubeconfig (one file, no merging), else
 * $KUBECONFIG (a colon-separated list, merged), else the default file.
 */
export function kubeconfigPaths(opts: { explicit?: string; envValue?: string; home: string; cwd: string }): string[] {
  if (opts.explicit) return [resolve(opts.cwd, opts.explicit)];
  const fromEnv = (opts.envValue ?? '')
    .split(':')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => resolve(opts.cwd, p));
  const unique = [...new Set(fromEnv)];
  return unique.length > 0 ? unique : [defaultKubeconfigPath(opts.home)];
}

/** A malformed kubeconfig: the message names the file. */
export class KubeconfigError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function namedList<T>(raw: unknown, key: string, path: string): Array<{ name: string } & Record<string, T>> {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new KubeconfigError(`error loading config file "${path}": ${key} must be a list`);
  return raw.map((item) => {
    if (!isRecord(item) || typeof item['name'] !== 'string') {
      throw new KubeconfigError(`error loading config file "${path}": every entry of ${key} needs a name`);
    }
    return item as { name: string } & Record<string, T>;
  });
}

/** Parses a kubeconfig file's text; an empty file is an empty config. */
export function parseKubeconfig(text: string, path: string): Kubeconfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new KubeconfigError(`error loading config file "${path}": ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) return emptyKubeconfig();
  if (!isRecord(raw)) throw new KubeconfigError(`error loading config file "${path}": not a kubeconfig (kind: Config)`);
  return {
    apiVersion: typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : 'v1',
    kind: typeof raw['kind'] === 'string' ? raw['kind'] : 'Config',
    preferences: isRecord(raw['preferences']) ? raw['preferences'] : {},
    clusters: namedList<ClusterEntry>(raw['clusters'], 'clusters', path).map((c) => ({
      name: c.name,
      cluster: isRecord(c['cluster']) ? (c['cluster'] as ClusterEntry) : {},
    })),
    users: namedList<UserEntry>(raw['users'], 'users', path).map((u) => ({
      name: u.name,
      user: isRecord(u['user']) ? (u['user'] as UserEntry) : {},
    })),
    contexts: namedList<ContextEntry>(raw['contexts'], 'contexts', path).map((c) => ({
      name: c.name,
      context: isRecord(c['context']) ? (c['context'] as ContextEntry) : {},
    })),
    'current-context': typeof raw['current-context'] === 'string' ? raw['current-context'] : '',
  };
}

const PATH_FIELDS_CLUSTER = ['certificate-authority'] as const;
const PATH_FIELDS_USER = ['client-certificate', 'client-key'] as const;

/** Makes the file paths inside a config absolute, relative to the file that holds them (client-go does the same). */
export function resolveConfigPaths(cfg: Kubeconfig, file: string): Kubeconfig {
  const base = dirname(file);
  const abs = (p: unknown): unknown => (typeof p === 'string' && p && !isAbsolute(p) ? resolve(base, p) : p);
  return {
    ...cfg,
    clusters: cfg.clusters.map((c) => {
      const cluster = { ...c.cluster };
      for (const f of PATH_FIELDS_CLUSTER) if (cluster[f] !== undefined) cluster[f] = abs(cluster[f]) as string;
      return { name: c.name, cluster };
    }),
    users: cfg.users.map((u) => {
      const user = { ...u.user };
      for (const f of PATH_FIELDS_USER) if (user[f] !== undefined) user[f] = abs(user[f]) as string;
      return { name: u.name, user };
    }),
  };
}

/**
 * Merges configs read from several files: the first file to set a value wins, for
 * whole named stanzas and for current-context (client-go's loading rules).
 */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const out = emptyKubeconfig();
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  out.clusters = firstByName(configs.map((c) => c.clusters));
  out.users = firstByName(configs.map((c) => c.users));
  out.contexts = firstByName(configs.map((c) => c.contexts));
  out['current-context'] = configs.find((c) => c['current-context'])?.['current-context'] ?? '';
  out.preferences = configs.find((c) => Object.keys(c.preferences).length > 0)?.preferences ?? {};
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) if (value[k] !== undefined) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

/**
 * The config as kubectl writes and views it: keys sorted, stanzas sorted by name, empty
 * lists as null, YAML with unindented sequences.
 */
export function kubeconfigToPlain(cfg: Kubeconfig): Record<string, unknown> {
  const byName = <T extends { name: string }>(l: T[]): T[] | null =>
    l.length === 0 ? null : [...l].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sortKeys({
    apiVersion: cfg.apiVersion || 'v1',
    clusters: byName(cfg.clusters),
    contexts: byName(cfg.contexts),
    'current-context': cfg['current-context'],
    kind: cfg.kind || 'Config',
    preferences: cfg.preferences,
    users: byName(cfg.users),
  }) as Record<string, unknown>;
}

/** YAML text of a config, in kubectl's layout. */
export function serializeKubeconfig(cfg: Kubeconfig): string {
  return stringify(kubeconfigToPlain(cfg), { indentSeq: false, lineWidth: 0 });
}

const DATA_OMITTED = 'DATA+OMITTED';
const REDACTED = 'REDACTED';

/** `config view` without --raw: certificate and key data shown as DATA+OMITTED, tokens as REDACTED. */
export function redactKubeconfig(cfg: Kubeconfig): Kubeconfig {
  return {
    ...cfg,
    clusters: cfg.clusters.map((c) => ({
      name: c.name,
      cluster: c.cluster['certificate-authority-data']
        ? { ...c.cluster, 'certificate-authority-data': DATA_OMITTED }
        : c.cluster,
    })),
    users: cfg.users.map((u) => {
      const user = { ...u.user };
      if (user['client-certificate-data']) user['client-certificate-data'] = DATA_OMITTED;
      if (user['client-key-data']) user['client-key-data'] = DATA_OMITTED;
      if (user.token) user.token = REDACTED;
      if (user.password) user.password = REDACTED;
      return { name: u.name, user };
    }),
  };
}

/** `config view --minify`: only the current context and the cluster and user it names. */
export function minifyKubeconfig(cfg: Kubeconfig, contextName = cfg['current-context']): Kubeconfig {
  if (!contextName) throw new KubeconfigError('current-context must exist in order to minify');
  const ctx = cfg.contexts.find((c) => c.name === contextName);
  if (!ctx) throw new KubeconfigError(`cannot locate context ${contextName}`);
  return {
    ...cfg,
    'current-context': contextName,
    contexts: [ctx],
    clusters: cfg.clusters.filter((c) => c.name === ctx.context.cluster),
    users: cfg.users.filter((u) => u.name === ctx.context.user),
  };
}

/** What the current context resolves to, after the --context/--cluster/--user/--namespace overrides. */
export interface ResolvedContext {
  contextName: string;
  clusterName: string;
  cluster?: ClusterEntry;
  userName: string;
  user?: UserEntry;
  /** The context's namespace, or "default". */
  namespace: string;
}

/** Resolves the context to use; a named context that does not exist is an error, as in kubectl. */
export function resolveContext(
  cfg: Kubeconfig,
  overrides: { context?: string; cluster?: string; user?: string } = {},
): ResolvedContext {
  const contextName = overrides.context ?? cfg['current-context'];
  const ctx = contextName ? cfg.contexts.find((c) => c.name === contextName) : undefined;
  if (overrides.context && !ctx) throw new KubeconfigError(`context was not found for specified context: ${overrides.context}`);
  const clusterName = overrides.cluster ?? ctx?.context.cluster ?? '';
  const userName = overrides.user ?? ctx?.context.user ?? '';
  const cluster = cfg.clusters.find((c) => c.name === clusterName)?.cluster;
  if (overrides.cluster && !cluster) throw new KubeconfigError(`cluster "${overrides.cluster}" does not exist`);
  const user = cfg.users.find((u) => u.name === userName)?.user;
  return {
    contextName: ctx ? contextName : '',
    clusterName,
    ...(cluster ? { cluster } : {}),
    userName,
    ...(user ? { user } : {}),
    namespace: ctx?.context.namespace || 'default',
  };
}

/** Sets (or creates) a named stanza in a list, merging fields; undefined fields are left alone, '' removes. */
export function upsertNamed<K extends 'cluster' | 'user' | 'context', E extends Record<string, unknown>>(
  list: Array<{ name: string } & Record<K, E>>,
  key: K,
  name: string,
  fields: Partial<E>,
): { list: Array<{ name: string } & Record<K, E>>; created: boolean } {
  const index = list.findIndex((i) => i.name === name);
  const current = (index >= 0 ? { ...(list[index] as Record<K, E>)[key] } : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v === '') delete current[k];
    else current[k] = v;
  }
  const entry = { name, [key]: current } as { name: string } & Record<K, E>;
  const next = [...list];
  if (index >= 0) next[index] = entry;
  else next.push(entry);
  return { list: next, created: index < 0 };
}
