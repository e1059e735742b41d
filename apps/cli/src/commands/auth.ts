// SPDX-License-Identifier: Apache-2.0
import type { Command } from 'commander';
import { resolveResource, type KubeObject } from '@berth/api';
import type { ResourceType } from '@berth/client';
import { policyRuleCells, policyRuleOf, tabledRules } from '../describe/rbac';
import { formatTable } from '../printers';
import type { CommandContext } from './context';
import { CliError } from './errors';
import { boolFlag, type Opts } from './flags';
import { action, type ContextFactory } from './program';

const SELF_SUBJECT_ACCESS_REVIEWS: ResourceType = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews' };
const SELF_SUBJECT_RULES_REVIEWS: ResourceType = { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews' };

// kubectl's lists: other verbs are asked about all the same, after a warning.
const RESOURCE_VERBS = new Set([
  'get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection',
  'use', 'bind', 'impersonate', '*', 'approve', 'sign', 'escalate', 'attest',
]);
const NON_RESOURCE_URL_VERBS = new Set(['get', 'put', 'post', 'head', 'options', 'delete', 'patch', '*']);
// Resources the server authorizes but does not serve (the impersonate verb's users and groups).
const NON_STANDARD_RESOURCES = new Set(['users', 'groups']);

/** What a can-i question is about: a resource (and perhaps a name) or a non-resource URL. */
export type CanIQuestion =
  | { verb: string; nonResourceURL: string }
  | { verb: string; resource: { group: string; resource: string; namespaced: boolean }; name: string };

/** What a SelfSubjectAccessReview or SelfSubjectRulesReview answers, as far as can-i reads it. */
interface ReviewStatus {
  allowed?: boolean;
  reason?: string;
  evaluationError?: string;
  resourceRules?: unknown[];
  nonResourceRules?: unknown[];
  incomplete?: boolean;
}

/** kubectl's WarningPrinter: `Warning: <message>` on stderr (kubectl's messages end in a newline of their own). */
function warn(ctx: CommandContext, message: string): void {
  ctx.stderr.write(`Warning: ${message}\n`);
}

/**
 * kubectl's resourceFor: the resource a TYPE argument names, resolved against the scheme
 * (shortcuts, singulars, `deployments.apps`, `deployments.v1.apps`). `*` stands for every
 * resource; an unknown type is asked about as typed, after kubectl's warning.
 */
export function resourceFor(ctx: CommandContext, arg: string): { group: string; resource: string; namespaced: boolean } {
  if (arg === '*') return { group: '', resource: '*', namespaced: true };
  const info = resolveResource(arg);
  if (info) return { group: info.group, resource: info.resource, namespaced: info.namespaced };
  const lower = arg.toLowerCase();
  const dot = lower.indexOf('.');
  const [resource, group] = dot < 0 ? [lower, ''] : [lower.slice(0, dot), lower.slice(dot + 1)];
  if (!NON_STANDARD_RESOURCES.has(lower)) {
    warn(ctx, group ? `the server doesn't have a resource type '${resource}' in group '${group}'\n` : `the server doesn't have a resource type '${resource}'\n`);
  }
  return { group: '', resource: arg, namespaced: true };
}

/** Reads `VERB TYPE[/NAME]`, `VERB TYPE NAME` or `VERB /URL` as kubectl does. */
function parseQuestion(ctx: CommandContext, args: string[]): CanIQuestion {
  const [verb, target, extraName] = args;
  const twoOrThree = args.length === 2 || (args.length === 3 && !target?.includes('/'));
  if (verb === undefined || target === undefined || !twoOrThree) {
    throw new CliError("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'berth auth can-i -h' for help and examples.");
  }
  if (target.startsWith('/')) return { verb, nonResourceURL: target };
  const slash = target.indexOf('/');
  const type = slash < 0 ? target : target.slice(0, slash);
  const name = slash < 0 ? (extraName ?? '') : target.slice(slash + 1);
  return { verb, resource: resourceFor(ctx, type), name };
}

/** kubectl's Validate: misuse is an error; an odd verb or scope only a warning. */
function validate(ctx: CommandContext, q: CanIQuestion, opts: Opts): void {
  const subresource = String(opts['subresource'] ?? '');
  if ('nonResourceURL' in q) {
    if (subresource) throw new CliError('--subresource can not be used with NonResourceURL');
    if (!NON_RESOURCE_URL_VERBS.has(q.verb)) warn(ctx, `verb '${q.verb}' is not a known verb\n`);
  } else if (!ctx.allNamespaces) {
    const r = q.resource;
    if (!r.namespaced) {
      warn(ctx, r.group ? `resource '${r.resource}' is not namespace scoped in group '${r.group}'\n` : `resource '${r.resource}' is not namespace scoped\n`);
    }
    if (!RESOURCE_VERBS.has(q.verb)) warn(ctx, `verb '${q.verb}' is not a known verb\n`);
  }
  if (opts['headers'] === false) throw new CliError('--no-headers cannot be set without --list specified');
}

/**
 * The SelfSubjectAccessReview for a question, in a namespace ('' for all). As kubectl, the
 * namespace is sent for cluster-scoped resources too (the warning says it does not matter).
 */
export function accessReviewFor(q: CanIQuestion, namespace: string, subresource = ''): KubeObject {
  const spec =
    'nonResourceURL' in q
      ? { nonResourceAttributes: { path: q.nonResourceURL, verb: q.verb } }
      : {
          resourceAttributes: {
            namespace,
            verb: q.verb,
            group: q.resource.group,
            resource: q.resource.resource,
            ...(subresource ? { subresource } : {}),
            ...(q.name ? { name: q.name } : {}),
          },
        };
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec };
}

/** kubectl's answer line: `yes`, or `no` with the reason and the evaluation error when there are. */
export function answerLine(status: ReviewStatus): string {
  if (status.allowed) return 'yes\n';
  return `no${status.reason ? ` - ${status.reason}` : ''}${status.evaluationError ? ` - ${status.evaluationError}` : ''}\n`;
}

/** kubectl's `can-i --list` table of what a rules review allows (headers unless --no-headers). */
export function rulesTable(status: ReviewStatus, headers = true): string {
  const rules = tabledRules([...(status.resourceRules ?? []), ...(status.nonResourceRules ?? [])].map(policyRuleOf));
  const rows = rules.map(policyRuleCells);
  if (headers) rows.unshift(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
  return rows.length > 0 ? formatTable(rows) : '';
}

async function listAccess(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  if (args.length !== 0) throw new CliError('list option must be specified with no arguments');
  if (opts['quiet'] || ctx.allNamespaces || opts['subresource']) {
    throw new CliError("list option can't be specified with neither quiet, all-namespaces nor subresource options");
  }
  const review: KubeObject = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    metadata: {},
    spec: { namespace: ctx.namespace },
  };
  const answered = await ctx.client().create(SELF_SUBJECT_RULES_REVIEWS, '', review);
  const status = (answered.status ?? {}) as ReviewStatus;
  if (status.incomplete) warn(ctx, `the list may be incomplete: ${status.evaluationError ?? ''}`);
  ctx.stdout.write(rulesTable(status, opts['headers'] !== false));
}

async function checkAccess(ctx: CommandContext, args: string[], opts: Opts): Promise<void> {
  const question = parseQuestion(ctx, args);
  validate(ctx, question, opts);
  const review = accessReviewFor(question, ctx.allNamespaces ? '' : ctx.namespace, String(opts['subresource'] ?? ''));
  const answered = await ctx.client().create(SELF_SUBJECT_ACCESS_REVIEWS, '', review);
  const status = (answered.status ?? {}) as ReviewStatus;
  if (!opts['quiet']) ctx.stdout.write(answerLine(status));
  // kubectl exits 1 for "no", with nothing more on stderr.
  if (!status.allowed) ctx.failed = true;
}

/**
 * Registers `auth can-i`: asks the apiserver's authorizer with a SelfSubjectAccessReview
 * (or lists the caller's rules with a SelfSubjectRulesReview), as whoever --as names.
 */
export function registerAuth(program: Command, ctx: ContextFactory): void {
  const auth = program.command('auth').description('Inspect authorization');
  const canI = auth
    .command('can-i')
    .description('Check whether an action is allowed: VERB [TYPE | TYPE/NAME | TYPE NAME | NONRESOURCEURL]; exits 0 for yes, 1 for no')
    .argument('[args...]')
    .option('--subresource <name>', 'SubResource such as pod/log or deployment/scale');
  boolFlag(canI, '-q, --quiet', 'If true, suppress output and just return the exit code');
  boolFlag(canI, '--list', 'If true, prints all allowed actions');
  canI.option('--no-headers', 'If true, prints allowed actions without headers');
  action(canI, ctx, async (c, args, opts) => {
    if (opts['list']) await listAccess(c, args, opts);
    else await checkAccess(c, args, opts);
  });
}
